#!/usr/bin/env bash
# Installs every Debian 12 package noshell needs to build, test and benchmark.
# Idempotent; run as root (or with sudo). Used by the README, by .ci/run and (with --build-only) by
# docker/Dockerfile's builder stage.
#   install-deps.sh               everything: build, tests, benchmarks, container tests
#   install-deps.sh --build-only  only what building the static binaries needs
set -euo pipefail

build_only=0
case "${1:-}" in
  "") ;;
  --build-only) build_only=1 ;;
  *) echo "install-deps.sh: unknown option '$1' (expected --build-only or nothing)" >&2; exit 2 ;;
esac

packages=(
  # build
  build-essential cmake ninja-build pkg-config file
  libpq-dev postgresql-server-dev-15 libssl-dev libhiredis-dev zlib1g-dev
  libabsl-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libpg-query-dev
)
if [ "$build_only" = 0 ]; then
  packages+=(
    # real servers and peer tools for integration tests and benchmarks
    postgresql-15 postgresql-client-15 redis-server redis-tools pgbouncer
    openssl ca-certificates python3 hyperfine procps util-linux tini
    # fuzzing (tests/fuzz): clang with libFuzzer and the sanitizer runtimes
    clang libclang-rt-14-dev
    # container tests (tests/containers): podman with runc, a real compose implementation
    # (docker-compose, talking to podman's Docker API socket), debootstrap for a local Debian 12
    # base image
    podman runc catatonit netavark aardvark-dns iptables iproute2 docker-compose python3-yaml debootstrap
    debian-archive-keyring
  )
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
# The postgresql package would otherwise create and start a system cluster we never use.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
if [ "$build_only" = 1 ]; then exit 0; fi

# Peer tools measured and tested against (tests/bench, tests/integration): dbmate from npm.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
$SUDO mkdir -p /opt/noshell-peers
(cd /opt/noshell-peers && $SUDO npm install --no-audit --no-fund --silent dbmate@2.36.0)
