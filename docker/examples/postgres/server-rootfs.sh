#!/usr/bin/env bash
# Build-stage helper of the postgres example (never copied into the image): assembles in ROOT the
# root filesystem of a PostgreSQL server image with no shell, from a Debian system that has the
# server package installed (the official postgres:MAJOR-bookworm image has it; a plain Debian image
# gets Debian's postgresql-MAJOR here, with apt).
#
#   PG_MAJOR=15 server-rootfs.sh ROOT      (in the Dockerfile, PG_MAJOR is a build argument)
#
# ROOT receives what the server package gives the official image and nothing else:
#   /usr/lib/postgresql/MAJOR/bin   postgres and initdb (ELF binaries: a script is an error); the
#                                   package's other programs are clients or need a shell
#                                   (pg_upgrade, pg_ctl's -w restarts) and stay out
#   /usr/lib/postgresql/MAJOR/lib   the server's modules, except llvmjit (JIT needs a 100 MB
#                                   libLLVM; the example runs with jit = off)
#   the shared libraries all of them load (ldd), at the paths the loader finds them
#   /usr/share/postgresql/MAJOR     catalog, extension and text-search files
#   /usr/share/zoneinfo             time zones (Debian builds with the system's tzdata)
#   /usr/lib/locale                 C.utf8 and whatever locales the source image compiled
#   /etc/passwd, /etc/group         root, nobody and postgres (999:999, as the official image)
#   /etc/nsswitch.conf, CA certificates, /tmp, /var/lib/postgresql/data, /var/run/postgresql
# It refuses to finish if anything it copied is a shell or an interpreter.
set -euo pipefail
major=${PG_MAJOR:?PG_MAJOR: which PostgreSQL major version (15, 16, 17, 18)}
root=${1:?usage: PG_MAJOR=N server-rootfs.sh ROOT}
pg=/usr/lib/postgresql/$major

if [ ! -x "$pg/bin/postgres" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "postgresql-$major" ca-certificates >/dev/null
fi
for f in "$pg/bin/postgres" "$pg/bin/initdb" "/usr/share/postgresql/$major/postgres.bki"; do
  [ -e "$f" ] || { echo "server-rootfs: $f missing: is postgresql-$major installed?" >&2; exit 1; }
done

mkdir -p "$root"
copy() {  # PATH: a file or a tree, at the same path under ROOT
  mkdir -p "$root$(dirname "$1")"
  cp -a "$1" "$root$1"
}
# Files and every shared library they load, the libraries copied as files at the paths ldd names.
copy_with_libs() {
  local f lib
  for f in "$@"; do
    if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" != '177ELF' ]; then
      echo "server-rootfs: $f is not an ELF binary (a script would need an interpreter)" >&2
      exit 1
    fi
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
    for lib in $(ldd "$f" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
      if [ ! -e "$root$lib" ]; then
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
      fi
    done
  done
}

modules=()
for m in "$pg"/lib/*.so; do
  case "$(basename "$m")" in llvmjit*) ;; *) modules+=("$m") ;; esac
done
copy_with_libs "$pg/bin/postgres" "$pg/bin/initdb" "${modules[@]}"
copy "/usr/share/postgresql/$major"
copy /usr/share/zoneinfo
mkdir -p "$root/usr/lib/locale"
cp -a /usr/lib/locale/. "$root/usr/lib/locale/"
mkdir -p "$root/etc/ssl/certs"
if [ -e /etc/ssl/certs/ca-certificates.crt ]; then cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"; fi

printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
  'postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/sbin/nologin' > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' 'postgres:x:999:' > "$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$root/etc/nsswitch.conf"
mkdir -p "$root/tmp" "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
chmod 1777 "$root/tmp"
chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
chmod 700 "$root/var/lib/postgresql/data"
chmod 2775 "$root/var/run/postgresql"

# No shell and no interpreter, whatever the source image held.
found=$(find "$root" \( -type f -o -type l \) \( -name sh -o -name bash -o -name dash -o -name ash -o -name zsh \
  -o -name ksh -o -name mksh -o -name busybox -o -name 'perl*' -o -name 'python*' -o -name 'tclsh*' \) -print)
if [ -n "$found" ]; then
  echo "server-rootfs: a shell or interpreter would be in the image: $found" >&2
  exit 1
fi
echo "server-rootfs: PostgreSQL $major server in $root: $(du -sh "$root" | cut -f1)"
