#!/usr/bin/env python3
"""Benchmark: migrate against dbmate (npm package) and a psql floor, in one run on one server.

A generated dbmate-format folder of 200 migrations (each: a table, an index, three rows) is applied
to a fresh database by each of: `migrate up`; `dbmate up` (its Go binary, run directly); and the
floor: the same SQL piped to one `psql` session with BEGIN/COMMIT around each file (no history, no
lock). Then the time, CPU and peak RSS of a run with nothing to do, median of N runs, for migrate
and dbmate, beside its floor: one login and `SELECT 1` by our own client (healthcheck). Logins are
SCRAM-SHA-256 over TCP, as in production.
Targets: apply <= 1.03x the floor (issue 3); nothing to do (issue 11): wall <= 1.3x a login + one
query, <= 0.25x dbmate's wall, CPU <= 0.15x dbmate's; <= 8 MB peak RSS; binary <= 8 MB. Beside the
CPU ratio, its floor: the login and query plus only the system calls that read the folder's files
(tests/bench/readfiles.c), which any run that checks every file for edits pays.

usage: migrate_bench.py [BIN_DIR] [RUNS]     (default build/release/bin, 20 runs)
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import remove_scratch_pg, scratch_dir, start_pg, target_line  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/release/bin"))
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
DBMATE = "/opt/noshell-peers/node_modules/@dbmate/linux-x64/bin/dbmate"
N = 200






def main():
    if not os.access(DBMATE, os.X_OK):
        sys.exit(f"{DBMATE} is missing: scripts/install-deps.sh installs dbmate from npm")
    work = scratch_dir("noshell-mbench-")
    try:
        port = start_pg(work, "-c fsync=off")
        runstat = os.path.join(work, "runstat")
        subprocess.run(["cc", "-O2", "-static", "-o", runstat, os.path.join(ROOT, "tests/bench/runstat.c")], check=True)
        readfiles = os.path.join(work, "readfiles")
        subprocess.run(["cc", "-O2", "-static", "-o", readfiles, os.path.join(ROOT, "tests/bench/readfiles.c")], check=True)
        empty = os.path.join(work, "empty")
        os.mkdir(empty)

        mig = os.path.join(work, "migrations")
        os.mkdir(mig)
        floor_sql = []
        for i in range(1, N + 1):
            up = (f"CREATE TABLE t{i} (id bigserial PRIMARY KEY, name text NOT NULL, created timestamptz DEFAULT now());\n"
                  f"CREATE INDEX t{i}_name ON t{i} (name);\n"
                  f"INSERT INTO t{i} (name) VALUES ('a'), ('b'), ('c');\n")
            with open(os.path.join(mig, f"{20240101000000 + i}_table_{i}.sql"), "w") as f:
                f.write(f"-- migrate:up\n{up}\n-- migrate:down\nDROP TABLE t{i};\n")
            floor_sql.append(f"BEGIN;\n{up}COMMIT;\n")
        floor_file = os.path.join(work, "floor.sql")
        with open(floor_file, "w") as f:
            f.write("".join(floor_sql))

        def url(db):
            return f"postgres://app:benchpass@127.0.0.1:{port}/{db}?sslmode=disable"

        def createdb(db):
            subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "app", "-d", "postgres", "-XAtqc",
                            f"CREATE DATABASE {db}"], check=True, env=dict(os.environ, PGPASSWORD="benchpass"))

        def timed(argv, env=None):
            t = time.perf_counter()
            r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                sys.exit(f"failed: {' '.join(argv)}\n{r.stderr}")
            return time.perf_counter() - t

        applies = {"migrate": [], "dbmate": [], "psql floor": []}
        for k in range(3):  # three fresh databases each, interleaved
            for name in applies:
                db = f"{name.split()[0]}{k}"
                createdb(db)
                if name == "migrate":
                    applies[name].append(timed([os.path.join(BIN, "migrate"), f"--dir={mig}", "--log-level=warn", "up"],
                                               env={"DATABASE_URL": url(db), "PATH": os.environ["PATH"]}))
                elif name == "dbmate":
                    applies[name].append(timed([DBMATE, "--url", url(db), "--migrations-dir", mig, "--no-dump-schema", "up"]))
                else:
                    applies[name].append(timed(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "app", "-d", db, "-X",
                                                "-q", "-v", "ON_ERROR_STOP=1", "-f", floor_file],
                                               env=dict(os.environ, PGPASSWORD="benchpass")))

        def stat(argv, env):
            out = subprocess.run([runstat] + argv, env=env, capture_output=True, text=True, check=True).stdout.split()
            wall_us, cpu_us, rss_kb, code = (int(x) for x in out)
            if code != 0:
                sys.exit(f"failed ({code}): {' '.join(argv)}")
            return wall_us / 1000, cpu_us / 1000, rss_kb / 1024

        env = {"PATH": os.environ["PATH"], "DATABASE_URL": url("migrate0")}
        noop = {
            "migrate": ([os.path.join(BIN, "migrate"), f"--dir={mig}", "--log-level=warn", "up"], env),
            "dbmate": ([DBMATE, "--url", url("dbmate0"), "--migrations-dir", mig, "--no-dump-schema", "up"],
                       {"PATH": os.environ["PATH"]}),
            "login+query": ([os.path.join(BIN, "healthcheck"), "--timeout=5s", url("migrate0")], {"PATH": os.environ["PATH"]}),
            "read files": ([readfiles, mig], {}),
            "read none": ([readfiles, empty], {}),
        }
        samples = {k: [] for k in noop}
        for _ in range(RUNS):
            for k, (argv, e) in noop.items():
                samples[k].append(stat(argv, e))

        print(f"migrate benchmark: {N} generated dbmate-format migrations, PostgreSQL 15 on loopback")
        print("apply all (median of 3 fresh databases):")
        med = {k: statistics.median(v) * 1000 for k, v in applies.items()}
        for k, v in med.items():
            print(f"  {k:12} {v:9.1f} ms")
        print(f"nothing to do (median of {RUNS}):")
        nm = {}
        for k, v in samples.items():
            nm[k] = tuple(statistics.median(x[i] for x in v) for i in range(3))
            if k not in ("read files", "read none"):
                print(f"  {k:12} wall {nm[k][0]:7.2f} ms   cpu {nm[k][1]:7.2f} ms   peak RSS {nm[k][2]:6.2f} MB")
        # What any run that reads every file costs at least: the login and query, plus the folder's
        # open/fstat/read/close by a C loop doing nothing else (its own start and exit taken off).
        reads = max(0.0, nm["read files"][1] - nm["read none"][1])
        floor = nm["login+query"][1] + reads
        print(f"  {'read floor':12} cpu {reads:7.2f} ms for the {N} files' open/fstat/read/close alone (a C loop)")
        size = os.path.getsize(os.path.join(BIN, "migrate")) / 1e6
        dsize = os.path.getsize(DBMATE) / 1e6

        print("ratios and targets:")
        r = med["migrate"] / med["psql floor"]
        target_line("apply: migrate / psql floor", f"{r:.3f}x", "<= 1.03x", r <= 1.03, width=42)
        print(f"  {'apply: dbmate / psql floor':42} {med['dbmate'] / med['psql floor']:>9.3f}x")
        r = nm["migrate"][0] / nm["login+query"][0]
        target_line("nothing to do, wall: migrate / login+query", f"{r:.3f}x", "<= 1.3x", r <= 1.3, width=42)
        r = nm["migrate"][0] / nm["dbmate"][0]
        target_line("nothing to do, wall: migrate / dbmate", f"{r:.3f}x", "<= 0.25x", r <= 0.25, width=42)
        r = nm["migrate"][1] / nm["dbmate"][1]
        target_line("nothing to do, cpu: migrate / dbmate", f"{r:.3f}x", "<= 0.15x", r <= 0.15, width=42)
        print(f"  {'  floor: (login+query + read floor) / dbmate':42} {floor / nm['dbmate'][1]:>9.3f}x")
        target_line("nothing to do, peak RSS of migrate", f"{nm['migrate'][2]:.2f} MB", "<= 8 MB", nm["migrate"][2] <= 8, width=42)
        target_line("migrate binary size", f"{size:.2f} MB", "<= 8 MB", size <= 8, width=42)
        print(f"  {'dbmate binary size':42} {dsize:>7.2f} MB")
    finally:
        remove_scratch_pg(work)


if __name__ == "__main__":
    main()
