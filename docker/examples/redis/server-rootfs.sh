#!/usr/bin/env bash
# Build-stage helper of the redis example (never copied into the image): assembles in ROOT the root
# filesystem of a Redis server image with no shell, from a system that has redis-server (the
# official redis:7-bookworm image has it in /usr/local/bin; a plain Debian image gets Debian's
# redis-server here, with apt).
#
#   server-rootfs.sh ROOT
#
# ROOT receives:
#   /usr/local/bin/redis-server     the server (an ELF binary: a script is an error), wherever the
#                                   source image keeps it; its other names (redis-check-aof, ...)
#                                   and redis-cli stay out: the health check is noshell's
#   the shared libraries it loads (ldd), at the paths the loader finds them
#   /etc/passwd, /etc/group         root, nobody and redis (999:999, as the official image)
#   /etc/nsswitch.conf, CA certificates (for TLS to replicas), /tmp, /data (999, mode 0700)
# It refuses to finish if anything it copied is a shell or an interpreter.
set -euo pipefail
root=${1:?usage: server-rootfs.sh ROOT}

server=$(command -v redis-server || true)
if [ -z "$server" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends redis-server ca-certificates >/dev/null
  server=$(command -v redis-server)
fi
# (Not resolved: Debian's redis-server is a link to redis-check-rdb, and the binary chooses what
# it is by the name it was run under. It is copied as redis-server.)
if [ "$(head -c 4 "$server" | od -An -c | tr -d ' ')" != '177ELF' ]; then
  echo "server-rootfs: $server is not an ELF binary (a script would need an interpreter)" >&2
  exit 1
fi
"$server" --version | grep -q 'v=7\.' || { echo "server-rootfs: $server is not Redis 7: $("$server" --version)" >&2; exit 1; }

mkdir -p "$root/usr/local/bin"
cp -L "$server" "$root/usr/local/bin/redis-server"
for lib in $(ldd "$server" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
  if [ ! -e "$root$lib" ]; then
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  fi
done
mkdir -p "$root/etc/ssl/certs"
if [ -e /etc/ssl/certs/ca-certificates.crt ]; then cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"; fi

printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
  'redis:x:999:999::/data:/sbin/nologin' > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'redis:x:999:' > "$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$root/etc/nsswitch.conf"
mkdir -p "$root/tmp" "$root/data"
chmod 1777 "$root/tmp"
chown 999:999 "$root/data"
chmod 700 "$root/data"

# No shell and no interpreter, whatever the source image held.
found=$(find "$root" \( -type f -o -type l \) \( -name sh -o -name bash -o -name dash -o -name ash -o -name zsh \
  -o -name ksh -o -name mksh -o -name busybox -o -name 'perl*' -o -name 'python*' -o -name 'tclsh*' -o -name 'lua' \
  -o -name 'lua5*' \) -print)
if [ -n "$found" ]; then
  echo "server-rootfs: a shell or interpreter would be in the image: $found" >&2
  exit 1
fi
echo "server-rootfs: $("$server" --version | cut -d' ' -f1-3) in $root: $(du -sh "$root" | cut -f1)"
