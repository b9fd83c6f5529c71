#!/usr/bin/env python3
"""Benchmark: a PostgreSQL first start on an empty data directory, `entrypoint --postgres` against
the official image's shell steps (tests/bench/shell_first_start.sh: initdb, pg_ctl, psql, gunzip,
bash), on the same PostgreSQL 15 binaries, in one run.

Each round starts from an empty PGDATA with POSTGRES_PASSWORD, POSTGRES_DB and two init scripts
(a .sql that makes a table and a .sql.gz that fills it), and measures the time from the start of
the process to the first successful query over TCP with the password (a query that sees the init
scripts' rows; polled every 10 ms by our healthcheck). The rounds alternate. Then the size each way
adds to an image that holds the server: for noshell, the noshell binary (entrypoint and
healthcheck in one) and libnoshell_popen.so, as docker/examples/postgres copies them; for the shell
way, the programs the script runs beyond the server (bash, psql, pg_ctl, gzip, coreutils' ls, ...)
and the libraries they load that the server does not, measured on this machine's Debian 12 files
(gosu, which upstream adds to start as root, is not counted).

usage: pg_first_start_bench.py [BUILD_DIR] [ROUNDS]     (default build/release, 5 rounds)
"""
import gzip
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PGBIN, free_port, scratch_dir  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/release"))
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ENTRYPOINT = os.path.join(BUILD, "bin/entrypoint")
HEALTHCHECK = os.path.join(BUILD, "bin/healthcheck")
NOSHELL = os.path.join(BUILD, "bin/noshell")
SHIM = os.path.join(BUILD, "lib/libnoshell_popen.so")
SHELL_STEPS = os.path.join(ROOT, "tests/bench/shell_first_start.sh")
PASSWORD = "Bench-s3cret"
ROWS = 1000


def demote():
    """In the child: become the postgres user (initdb refuses root)."""
    import pwd
    pw = pwd.getpwnam("postgres")
    os.setgid(pw.pw_gid)
    os.setgroups([])
    os.setuid(pw.pw_uid)


def init_scripts(work):
    d = os.path.join(work, "initdb.d")
    os.mkdir(d)
    with open(os.path.join(d, "10-schema.sql"), "w") as f:
        f.write("CREATE TABLE notes (id int PRIMARY KEY, body text);\n")
    with gzip.open(os.path.join(d, "20-data.sql.gz"), "wt") as f:
        f.write("".join(f"INSERT INTO notes VALUES ({i}, 'row {i}');\n" for i in range(ROWS)))
    return d


def first_start(kind, work, scripts):
    """Seconds from starting the container's command to the first successful query."""
    data = os.path.join(work, f"data-{kind}")
    os.mkdir(data, 0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    server = ["postgres", "-c", f"port={port}", "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
    env = {"PATH": f"{PGBIN}:/usr/bin:/bin", "PGDATA": data, "POSTGRES_PASSWORD": PASSWORD, "POSTGRES_DB": "app",
           "PGPORT": str(port), "LANG": "C.UTF-8", "HOME": work}
    if kind == "noshell":
        cmd = [ENTRYPOINT, f"--postgres={PGBIN}", f"--popen-shim={SHIM}", f"--initdb-scripts={scripts}", "--"] + server
    else:
        cmd = ["bash", SHELL_STEPS, scripts] + server
    probe = [HEALTHCHECK, "--timeout=1s", f"--pg-query=SELECT count(*) = {ROWS} FROM notes",
             f"postgres://postgres:{PASSWORD}@127.0.0.1:{port}/app?sslmode=disable"]
    log = open(os.path.join(work, f"{kind}.log"), "ab")
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log, preexec_fn=demote if os.geteuid() == 0 else None)
    took = None
    while time.monotonic() - start < 60:
        if subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            took = time.monotonic() - start
            break
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    # A fast shutdown: INT reaches postgres (forwarded by entrypoint; the shell steps exec'd it).
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if took is None:
        log.close()
        sys.exit(f"{kind}: no successful query within 60 s; log: {work}/{kind}.log")
    shutil.rmtree(data, ignore_errors=True)
    return took


def program_path(name):
    for d in (PGBIN, "/usr/bin", "/bin"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return os.path.realpath(p)
    sys.exit(f"{name} not found")


def libraries(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    libs = set()
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) > 2 and parts[2].startswith("/"):
            libs.add(os.path.realpath(parts[2]))
        elif parts and parts[0].startswith("/"):
            libs.add(os.path.realpath(parts[0]))
    return libs


def shell_way_bytes():
    """Bytes the shell steps need beyond the server: their programs and the libraries only they load."""
    server_libs = libraries(f"{PGBIN}/postgres") | libraries(f"{PGBIN}/initdb")
    programs = ["bash", "psql", "pg_ctl", "gzip", "ls", "cat", "id", "mkdir", "chmod", "find", "getent", "mktemp"]
    files = set()
    for name in programs:
        p = program_path(name)
        files.add(p)
        files |= libraries(p) - server_libs
    # gunzip is a shell script around gzip; psql on Debian is reached through the server's bin dir.
    files.add(os.path.realpath(program_path("gunzip")))
    return sum(os.path.getsize(f) for f in files), len(files)


def main():
    for f in (ENTRYPOINT, HEALTHCHECK, NOSHELL, SHIM):
        if not os.path.exists(f):
            sys.exit(f"{f} is missing: build the release preset first")
    work = scratch_dir("noshell-pgfirst-")
    try:
        scripts = init_scripts(work)
        times = {"noshell": [], "shell": []}
        for _ in range(ROUNDS):
            for kind in ("noshell", "shell"):
                times[kind].append(first_start(kind, work, scripts))
        ours = statistics.median(times["noshell"])
        theirs = statistics.median(times["shell"])
        print(f"PostgreSQL 15 first start on an empty PGDATA (init .sql + .sql.gz, {ROWS} rows) -> first query over TCP,"
              f" median of {ROUNDS}:")
        rows = [("entrypoint --postgres", times["noshell"]), ("shell steps (bash, pg_ctl, psql, gunzip)", times["shell"])]
        for label, t in rows:
            print(f"  {label:42} {statistics.median(t) * 1000:7.0f} ms   (min {min(t) * 1000:.0f}, max {max(t) * 1000:.0f})")
        print(f"  {'ratio':42} {ours / theirs:7.2f}x")
        added = sum(os.path.getsize(f) for f in (NOSHELL, SHIM))
        shell_bytes, shell_files = shell_way_bytes()
        print("size added to an image that holds the server's files:")
        print(f"  {'noshell: the noshell binary, the shim':42} {added / 1e6:7.2f} MB")
        print(f"  {f'shell steps: {shell_files} programs and libraries':42} {shell_bytes / 1e6:7.2f} MB"
              f"   (bash, psql, pg_ctl, gzip, coreutils...; and a base image with libc's tools)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
