#!/usr/bin/env bash
# Builds the libFuzzer targets (preset "fuzz": clang, ASan + UBSan) and runs each for a bounded
# time: first every input that ever crashed it (tests/fuzz/crashes/<target>/, kept for ever as
# regression inputs), then fuzzing from its seed corpus (tests/fuzz/corpus/<target>/). New corpus
# entries go to a temp dir; the repository is not modified. A crash fails the run and leaves the
# input in build/fuzz/artifacts/run-<time>/ (a directory per run, so an earlier run's find does not
# fail this one): add it to tests/fuzz/crashes/<target>/ with the fix.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30; CI runs the default)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
targets=(target_parser template migration_file postgres_reply redis_reply http_reply shell_command http_request)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
artifacts=build/fuzz/artifacts/run-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for t in "${targets[@]}"; do
  bin="build/fuzz/fuzz/${t}_fuzz"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin was not built (is $t in CMakePresets.json's fuzz build preset?)" >&2
    exit 1
  fi
  crashes=(tests/fuzz/crashes/"$t"/*)
  regressions=()
  for f in "${crashes[@]}"; do [ -f "$f" ] && regressions+=("$f"); done
  if [ "${#regressions[@]}" -gt 0 ]; then
    echo "== $t: replaying ${#regressions[@]} inputs that once failed"
    if ! "$bin" -runs=1 "${regressions[@]}" >"$work/replay.log" 2>&1; then
      { grep -E "ERROR|SUMMARY|Running:" "$work/replay.log" || tail -n 5 "$work/replay.log"; } | tail -n 5 >&2
      echo "fuzz: $t fails on a kept regression input" >&2
      exit 1
    fi
  fi
  echo "== $t: fuzzing for ${seconds}s"
  mkdir -p "$work/$t"
  # -timeout: one input taking longer is a hang (quadratic code counts); -rss_limit_mb bounds memory.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/${t}-" "$work/$t" "tests/fuzz/corpus/$t" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|INFO: a leak)|ERROR|Done" || true
  if ls "$artifacts/${t}-"* >/dev/null 2>&1; then
    echo "fuzz: $t found a failing input: $(ls "$artifacts/${t}-"*)" >&2
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no failure"
