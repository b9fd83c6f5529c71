#!/usr/bin/env python3
"""Regenerates cmake/hot_objects.txt: the object files whose code a healthcheck run executes (and
their constants), which the build places together (cmake/HotLayout.cmake writes the linker script).

Why: the kernel maps up to 64 KiB of a file around every page fault ("fault-around"), so code that
is scattered over a 7 MB static binary costs far more resident memory than its size: one run of
healthcheck executed ~270 KB of functions spread over 46 different 64 KiB windows (2.9 MB
resident). Grouping the sections that hold them at the start of .text (and their constants at the
start of .rodata) keeps the peak RSS small. The list names objects, not functions: it survives
compiler and library updates that rename or inline functions, and a review reads it. Objects
missing from a later build are simply not matched (the hot_layout_fresh test says when too many
are); the layout only ever changes placement, never what is linked.

usage: scripts/gen-hot-layout.py UNSTRIPPED_STATIC_BINARY LINKER_MAP CALLGRIND_OUT [...] > cmake/hot_objects.txt
  (configure with -DNOSHELL_STRIP=OFF -DNOSHELL_HOT_LAYOUT=OFF -DCMAKE_EXE_LINKER_FLAGS=-Wl,-Map=FILE,
   run healthcheck under valgrind --tool=callgrind for each scenario (postgres, redis, http(s), tcp,
   file, ping), then pass every callgrind output file; keep the header comment of the old list)
"""
import bisect
import os
import re
import subprocess
import sys

binary, mapfile, outs = sys.argv[1], sys.argv[2], sys.argv[3:]

# Input sections from the linker map: (address, size, section name, object).
sections = []
pending = None
for line in open(mapfile):
    m = re.match(r"^ (\.(?:text|rodata)\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", line)
    if m:
        sections.append((int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4)))
        pending = None
        continue
    m = re.match(r"^ (\.(?:text|rodata)\S*)\s*$", line)
    if m:
        pending = m.group(1)
        continue
    m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", line)
    if m and pending:
        sections.append((int(m.group(1), 16), int(m.group(2), 16), pending, m.group(3)))
    pending = None
sections = sorted(s for s in sections if s[0] and s[1])
starts = [s[0] for s in sections]

# Executed functions (callgrind names) -> addresses (nm).
syms = {}
for line in subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    f = line.split()
    if len(f) == 4 and f[2] in "tTwWiI":
        syms.setdefault(f[3], int(f[0], 16))
demangled = subprocess.run(["c++filt"], input="\n".join(syms), capture_output=True, text=True).stdout.splitlines()
by_name = dict(syms)
for mangled, dem in zip(syms, demangled):
    by_name.setdefault(dem, syms[mangled])

executed = set()
for out in outs:
    text = subprocess.run(["callgrind_annotate", "--threshold=100", out], capture_output=True, text=True).stdout
    for m in re.finditer(r"^\s*[\d,]+ \([ \d.]+%\)\s+\S*?:(.+?) \[", text, re.M):
        executed.add(m.group(1))


def member(obj):
    """(archive, object) of a map's input file: our own archives as a whole ("*")."""
    obj = obj.replace("\\", "/")
    m = re.match(r"(.*/)?([^/(]+)\((.+)\)$", obj)
    if not m:
        return "-", os.path.basename(obj)
    archive = m.group(2)
    return archive, "*" if archive.startswith("libnoshell_") else m.group(3)


hot = []  # (archive, object) whose code runs
for name in sorted(executed):
    addr = by_name.get(name)
    if addr is None:
        continue
    i = bisect.bisect_right(starts, addr) - 1
    if i < 0:
        continue
    a, size, section, obj = sections[i]
    if not (a <= addr < a + size) or not section.startswith(".text"):
        continue
    if member(obj) not in hot:
        hot.append(member(obj))

with_rodata = {member(obj) for a, size, section, obj in sections if section.startswith(".rodata")}
for archive, obj in sorted(hot):
    print(f"text   {archive:<32} {obj}")
for archive, obj in sorted(hot):
    if (archive, obj) in with_rodata:
        print(f"rodata {archive:<32} {obj}")
print(f"{len(hot)} objects", file=sys.stderr)
