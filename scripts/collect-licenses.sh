#!/usr/bin/env bash
# Collects the licence notices of everything linked into the static binaries (Debian's copyright
# files of the packages they are built from) into OUTDIR, with an index. docker/Dockerfile ships
# the result in the toolbox image as /licenses.
#   scripts/collect-licenses.sh OUTDIR
set -euo pipefail
out=${1:?usage: collect-licenses.sh OUTDIR}
mkdir -p "$out"

# package            what of it is linked in
components=(
  "libc6             GNU C Library (static libc, libm, libpthread; LGPL-2.1+)"
  "libstdc++-12-dev  GNU C++ library and libgcc (GPL-3 with the GCC Runtime Library Exception)"
  "libpq-dev         PostgreSQL client library libpq (PostgreSQL licence)"
  "postgresql-server-dev-15 PostgreSQL libpgcommon and libpgport (PostgreSQL licence)"
  "libssl-dev        OpenSSL libssl and libcrypto (Apache-2.0)"
  "libhiredis-dev    hiredis (BSD-3-Clause)"
  "libabsl-dev       Abseil C++ (Apache-2.0)"
  "libspdlog-dev     spdlog (MIT)"
  "libfmt-dev        {fmt} (MIT)"
  "libpg-query-dev   libpg_query, PostgreSQL's parser as a library (BSD-3-Clause, PostgreSQL licence)"
)

{
  echo "noshell's entrypoint, healthcheck and migrate are statically linked with the components"
  echo "below. Each file here is the Debian copyright notice of the package it was built from."
  echo
  echo "glibc is LGPL-2.1+: a statically linked program must let you relink it with a modified"
  echo "glibc. The source of every component is in Debian 12 (apt-get source <package>), and"
  echo "noshell's own source and build (CMake, cmake/Dependencies.cmake) produce the object files."
  echo
} > "$out/README"
for entry in "${components[@]}"; do
  read -r pkg what <<<"$entry"
  src=/usr/share/doc/$pkg/copyright
  if [ ! -r "$src" ]; then echo "collect-licenses.sh: $src not found (is $pkg installed?)" >&2; exit 1; fi
  version=$(dpkg-query -W -f='${Version}' "$pkg")
  cp -L "$src" "$out/$pkg.copyright"
  printf '%-36s %-22s %s\n' "$pkg.copyright" "$version" "$what" >> "$out/README"
done
