#!/usr/bin/env python3
"""Benchmark: entrypoint as a waiter and as PID 1, against real peers, in one run.

1. Readiness lag: a PostgreSQL that starts late; how long after it first accepts a login does the
   app start, under `entrypoint --wait` and under `dbmate wait` (npm dbmate) then the app.
   "Accepts" is the server's own log line "ready to accept connections" (millisecond timestamp).
2. Stop: an app that ignores TERM, as PID 1 of a fresh PID namespace under entrypoint
   (--grace=1s), under tini-static (Debian tini), and bare; TERM is sent to PID 1 and, like
   `docker stop -t 3`, SIGKILL follows after 3 s. Prints the time from TERM to exit.
3. CPU while waiting: entrypoint waiting 5 s for a port that refuses, as % of one core.
Targets (issue 4): median lag <= 50 ms; <= 1% of a core while waiting; stop within the grace.

usage: entrypoint_bench.py [BUILD_DIR] [RUNS]     (default build/release, 5 runs)
"""
import datetime
import os
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import PGBIN, as_server, free_port, remove_scratch_pg, scratch_dir, target_line  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/release"))
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ENTRYPOINT = os.path.join(BUILD, "bin/entrypoint")
APP = os.path.join(BUILD, "test-bin/fake_app")
DBMATE = "/opt/noshell-peers/node_modules/@dbmate/linux-x64/bin/dbmate"
TINI = "/usr/bin/tini-static"






def ready_time_ns(log):
    """When the server logged "ready to accept connections" (log_line_prefix '%m': ms, UTC)."""
    stamp = None
    for line in open(log):
        if "ready to accept connections" in line:
            stamp = line[:23]  # "2026-11-23 21:20:01.123"
    t = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1e9)


def lag_runs(work, port):
    url = f"postgres://app@127.0.0.1:{port}/postgres?sslmode=disable"
    results = {"entrypoint --wait": [], "dbmate wait": []}
    for _ in range(RUNS):
        for name in results:
            stamp = os.path.join(work, "stamp")
            if os.path.exists(stamp):
                os.remove(stamp)
            if os.path.exists(f"{work}/pg.log"):
                os.remove(f"{work}/pg.log")
            if name == "entrypoint --wait":
                waiter = subprocess.Popen([ENTRYPOINT, "--log-level=warn", f"--wait={url}", "--timeout=60s", "--", APP, "stamp", stamp])
            else:
                waiter = subprocess.Popen(["/bin/sh", "-c", f"{DBMATE} --url '{url}' --wait-timeout 60s wait >/dev/null && {APP} stamp {stamp}"])
            time.sleep(0.3)
            subprocess.run(as_server([f"{PGBIN}/pg_ctl", "-D", f"{work}/pg", "-l", f"{work}/pg.log", "-o",
                                      f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c log_timezone=UTC"]) + ["start"], check=True,
                           stdout=subprocess.DEVNULL)
            waiter.wait(timeout=60)
            started = int(open(stamp).read())
            accepted = ready_time_ns(f"{work}/pg.log")
            results[name].append((started - accepted) / 1e6)
            subprocess.run(as_server([f"{PGBIN}/pg_ctl", "-D", f"{work}/pg", "-m", "immediate", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return results


def stop_time(argv):
    p = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child"] + argv)
    time.sleep(0.3)
    with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
        init = int(f.read().split()[0])
    t = time.monotonic()
    os.kill(init, signal.SIGTERM)
    try:
        p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.kill(init, signal.SIGKILL)  # what `docker stop -t 3` does next
        p.wait()
    return time.monotonic() - t


def main():
    for path, what in [(ENTRYPOINT, "build the release preset"), (APP, "build the release preset"),
                       (DBMATE, "scripts/install-deps.sh installs dbmate"), (TINI, "apt-get install tini")]:
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing: {what}")
    work = scratch_dir("noshell-ebench-")
    try:
        subprocess.run(as_server([f"{PGBIN}/initdb", "-D", f"{work}/pg", "-U", "app", "--auth=trust", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        lag = lag_runs(work, port)
        print(f"entrypoint benchmark ({RUNS} runs each)")
        print("readiness lag, PostgreSQL accepting -> app started (median, max):")
        for name, v in lag.items():
            print(f"  {name:22} {statistics.median(v):8.1f} ms {max(v):8.1f} ms")

        stops = {
            "entrypoint --grace=1s": [ENTRYPOINT, "--log-level=warn", "--grace=1s", "--", APP, "ignore-term"],
            "tini-static": [TINI, "--", APP, "ignore-term"],
            "bare PID 1": [APP, "ignore-term"],
        }
        print("stop: TERM to PID 1 of an app that ignores TERM -> exit (SIGKILL after 3 s, as docker stop -t 3):")
        stop_med = {}
        for name, argv in stops.items():
            v = [stop_time(argv) for _ in range(3)]
            stop_med[name] = statistics.median(v)
            print(f"  {name:22} {stop_med[name] * 1000:8.0f} ms")

        refused = free_port()
        t0 = time.monotonic()
        r0 = os.times()
        subprocess.run([ENTRYPOINT, "--log-level=warn", f"--wait=tcp://127.0.0.1:{refused}", "--timeout=5s", "--", APP, "exit", "0"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r1 = os.times()
        wall = time.monotonic() - t0
        cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
        print(f"CPU while waiting 5 s for a refusing port: {cpu * 1000:.1f} ms = {100 * cpu / wall:.2f}% of a core")

        print("targets:")
        m = statistics.median(lag["entrypoint --wait"])
        target_line("median readiness lag", f"{m:.1f} ms", "<= 50 ms", m <= 50)
        target_line("CPU while waiting", f"{100 * cpu / wall:.2f}%", "<= 1%", 100 * cpu / wall <= 1)
        s = stop_med["entrypoint --grace=1s"]
        target_line("stop within the grace (1 s)", f"{s * 1000:.0f} ms", "<= 1100 ms", s <= 1.1)
    finally:
        remove_scratch_pg(work)


if __name__ == "__main__":
    main()
