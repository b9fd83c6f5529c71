#!/usr/bin/env bash
# Makes local stand-ins for the upstream base images the examples build FROM, which cannot be
# pulled here (no registry): each is a root filesystem imported with `podman import`, holding what
# the upstream image gives the example and no shell. Run by tests/containers on the host (root).
# (The postgres and redis examples need none: they are FROM scratch, their servers taken in a build
# stage from a Debian image, docker/examples/*/server-rootfs.sh.)
#   stand-in-bases.sh PREFIX      image PREFIX/distroless-static:nonroot
#
# distroless-static:nonroot  gcr.io/distroless/static-debian12:nonroot: /etc/passwd and /etc/group
#                            with root, nobody and nonroot (65532), CA certificates, /tmp, user
#                            65532, workdir /home/nonroot
set -euo pipefail
prefix=${1:?usage: stand-in-bases.sh PREFIX}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

etc_files() {  # ROOT, then passwd lines; group lines mirror them
  local root=$1; shift
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  local line
  for line in "$@"; do
    echo "$line" >> "$root/etc/passwd"
    IFS=: read -r name _ _ gid _ <<<"$line"
    echo "$name:x:$gid:" >> "$root/etc/group"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
}

import() {  # ROOT IMAGE podman-import --change arguments...
  local root=$1 image=$2; shift 2
  local changes=()
  local c
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$root" --numeric-owner -c . | podman import --quiet "${changes[@]}" - "$image" >/dev/null
  echo "$image"
}

# distroless static, nonroot
r=$work/distroless
mkdir -p "$r"
etc_files "$r" 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin'
mkdir -p "$r/home/nonroot"
chown 65532:65532 "$r/home/nonroot"
chmod 700 "$r/home/nonroot"
import "$r" "$prefix/distroless-static:nonroot" 'USER=65532:65532' 'WORKDIR=/home/nonroot' \
  'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV=SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'

