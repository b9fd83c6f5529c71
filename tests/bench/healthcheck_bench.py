#!/usr/bin/env python3
"""Benchmark: healthcheck (Postgres login + SELECT 1 and Redis PING, together) against
(a) the shell script people use today (pg_isready, psql -c 'select 1', redis-cli ping == PONG) and
(b) the floor: a minimal libpq program that connects and runs SELECT 1 (Postgres only), and
(c) the same check by `noshell healthcheck` (the three tools in one binary), which must cost no more.
All of them run against the same throwaway PostgreSQL 15 and Redis 7 in this run. Prints medians of
wall and CPU time, peak RSS, binary size, and the ratios the issue sets targets for.

usage: healthcheck_bench.py [BIN_DIR] [RUNS]     (default build/release/bin, 40 runs)
"""
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PGBIN, remove_scratch_pg, scratch_dir, start_pg_and_redis, target_line  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/release/bin"))
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 40






RUNSTAT = None


def measure(argv):
    """One run through runstat: (wall s, cpu s incl. children, peak RSS KiB of the largest process)."""
    out = subprocess.run([RUNSTAT] + argv, capture_output=True, text=True, check=True).stdout.split()
    wall_us, cpu_us, rss_kb, code = (int(x) for x in out)
    if code != 0:
        sys.exit(f"benchmark command failed ({code}): {' '.join(argv)}")
    return wall_us / 1e6, cpu_us / 1e6, rss_kb


def main():
    work = scratch_dir("noshell-bench-")
    redis = None
    try:
        pg_port, redis_port, redis = start_pg_and_redis(work)

        global RUNSTAT
        RUNSTAT = os.path.join(work, "runstat")
        subprocess.run(["cc", "-O2", "-static", "-o", RUNSTAT, os.path.join(ROOT, "tests/bench/runstat.c")], check=True)
        floor = os.path.join(work, "pg_floor")
        subprocess.run(["cc", "-O2", "-o", floor, os.path.join(ROOT, "tests/bench/pg_floor.c"),
                        "-I/usr/include/postgresql", "-lpq"], check=True)
        script = os.path.join(work, "healthcheck.sh")
        with open(script, "w") as f:
            f.write(f"""#!/bin/sh
set -e
{PGBIN}/pg_isready -q -h 127.0.0.1 -p {pg_port} -U app -d postgres
PGPASSWORD=benchpass psql -h 127.0.0.1 -p {pg_port} -U app -d postgres -XAtqc 'select 1' >/dev/null
[ "$(redis-cli -h 127.0.0.1 -p {redis_port} ping)" = PONG ]
""")
        os.chmod(script, 0o755)

        db = f"postgres://app:benchpass@127.0.0.1:{pg_port}/postgres"
        cache = f"redis://127.0.0.1:{redis_port}"
        cases = [
            ("healthcheck (pg + redis)", [os.path.join(BIN, "healthcheck"), db, cache]),
            ("shell script (pg_isready, psql, redis-cli)", [script]),
            ("libpq floor (pg only)", [floor, db]),
            ("noshell healthcheck (pg + redis)", [os.path.join(BIN, "noshell"), "healthcheck", db, cache]),
        ]
        for _, argv in cases:  # warm caches
            for _ in range(3):
                measure(argv)
        results = {name: [] for name, _ in cases}
        # Interleaved, so drift hits all alike; the two healthchecks side by side, in turn first, so
        # neither always follows the same neighbour (a heavy run leaves the server busy a moment).
        order = [cases[0], cases[3], cases[1], cases[2]]
        for i in range(RUNS):
            pair = order[:2] if i % 2 == 0 else order[1::-1]
            for name, argv in pair + order[2:]:
                results[name].append(measure(argv))

        print(f"healthcheck benchmark: {RUNS} runs each, interleaved, same servers "
              f"(PostgreSQL 15 scram-sha-256 on TCP, Redis 7)")
        print(f"{'command':44} {'wall ms':>9} {'cpu ms':>8} {'peak RSS (median)':>18}")
        med = {}
        for name, runs in results.items():
            wall = statistics.median(r[0] for r in runs) * 1000
            cpu = statistics.median(r[1] for r in runs) * 1000
            rss = statistics.median(r[2] for r in runs) / 1024
            med[name] = (wall, cpu, rss)
            print(f"{name:44} {wall:9.2f} {cpu:8.2f} {rss:16.2f}MB")
        hc, sh, fl, mc = (med[n] for n, _ in cases)
        size = os.path.getsize(os.path.join(BIN, "healthcheck")) / 1e6
        mc_size = os.path.getsize(os.path.join(BIN, "noshell")) / 1e6

        print("ratios and targets:")
        target_line("wall: healthcheck / script", f"{hc[0] / sh[0]:.3f}x", "<= 0.30x", hc[0] / sh[0] <= 0.30)
        target_line("wall: healthcheck / libpq floor", f"{hc[0] / fl[0]:.3f}x", "<= 1.20x", hc[0] / fl[0] <= 1.20)
        target_line("cpu: healthcheck / script", f"{hc[1] / sh[1]:.3f}x", "<= 0.08x", hc[1] / sh[1] <= 0.08)
        target_line("peak RSS of healthcheck", f"{hc[2]:.2f} MB", "<= 4 MB", hc[2] <= 4)
        target_line("healthcheck binary size", f"{size:.2f} MB", "<= 8 MB", size <= 8)
        # The three tools in one binary: healthcheck must not pay for the other two.
        target_line("wall: noshell healthcheck / healthcheck", f"{mc[0] / hc[0]:.3f}x", "<= 1.05x", mc[0] / hc[0] <= 1.05)
        target_line("cpu: noshell healthcheck / healthcheck", f"{mc[1] / hc[1]:.3f}x", "<= 1.05x", mc[1] / hc[1] <= 1.05)
        target_line("peak RSS of noshell healthcheck", f"{mc[2]:.2f} MB", "<= 4 MB", mc[2] <= 4)
        target_line("noshell binary size", f"{mc_size:.2f} MB", "<= 8.5 MB", mc_size <= 8.5)
    finally:
        if redis:
            redis.kill()
        remove_scratch_pg(work)


if __name__ == "__main__":
    main()
