#!/usr/bin/env python3
"""Checks that the tools' own object files run nothing at start-up: in noshell (the three tools in
one binary) every object's static initialiser runs before the tool is chosen, so an entrypoint or
migrate object may only have the initialiser every file including <iostream> gets (through
absl/status/status.h): std::ios_base::Init and its __cxa_atexit registration. A global with a
constructor or a destructor is a failure naming the object and what it calls; make it on first use.

usage: static_init_check.py OBJECT_DIR...      (exit 0 clean, 1 with the offenders listed)
"""
import os
import re
import subprocess
import sys

ALLOWED = re.compile(r"(ios_base::Init|__ioinit|__dso_handle|__cxa_atexit)")


def offenders(obj):
    out = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", "-C", obj], capture_output=True, text=True, check=True).stdout
    found, inside = set(), False
    for line in out.splitlines():
        if re.match(r"^[0-9a-f]+ <", line):
            inside = "_GLOBAL__sub_I" in line
            continue
        if inside and "R_X86_64" in line:
            target = line.split()[-1]
            if not ALLOWED.search(target):
                found.add(target)
    return found


def main():
    objects = [os.path.join(root, f) for d in sys.argv[1:] for root, _, files in os.walk(d) for f in files if f.endswith(".o")]
    if not objects:
        sys.exit("static_init_check: no object files under " + " ".join(sys.argv[1:]))
    bad = {o: offenders(o) for o in sorted(objects)}
    bad = {o: f for o, f in bad.items() if f}
    for o, f in bad.items():
        print(f"{o}: a static initialiser that does more than <iostream>'s: {', '.join(sorted(f))}")
    print(f"static_init_check: {len(objects)} objects, {len(bad)} with their own start-up work")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
