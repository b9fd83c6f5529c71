#!/usr/bin/env bash
# Installs every Debian 12 package noshell needs to build, test and benchmark.
# Idempotent; run as root (or with sudo). Used by the README and by .ci/run.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config file
  libpq-dev postgresql-server-dev-15 libssl-dev libhiredis-dev
  libabsl-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libpg-query-dev
  # real servers and peer tools for integration tests and benchmarks
  postgresql-15 postgresql-client-15 redis-server redis-tools pgbouncer
  openssl ca-certificates python3 hyperfine procps util-linux tini
)

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

# Peer tools measured and tested against (tests/bench, tests/integration): dbmate from npm.
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
$SUDO mkdir -p /opt/noshell-peers
(cd /opt/noshell-peers && $SUDO npm install --no-audit --no-fund --silent dbmate@2.36.0)
