#!/usr/bin/env bash
# Runs every test: builds the release (fully static) binaries and runs the unit and integration
# tests against them, then builds with AddressSanitizer + UndefinedBehaviorSanitizer and runs the
# unit tests, and runs the libFuzzer targets for a bounded time. Needs the packages from
# scripts/install-deps.sh. Integration tests run as root (they
# chroot and drop to the postgres user) or as an ordinary user (then the chroot test fails).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --workflow --preset release
ctest --preset release --output-on-failure
scripts/check-static.sh build/release/bin/noshell build/release/bin/healthcheck build/release/bin/migrate build/release/bin/entrypoint
cmake --workflow --preset asan
# Fuzzing: every parser of user and peer input, 30 s each under ASan + UBSan, plus every input
# that ever crashed one (tests/fuzz/).
scripts/fuzz.sh 30
