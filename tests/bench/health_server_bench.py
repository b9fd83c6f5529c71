#!/usr/bin/env python3
"""Benchmark: readiness over HTTP (healthcheck --serve, the same server as entrypoint
--health-listen) against an exec probe, in one run, with the same checks (a PostgreSQL login and a
Redis PING against throwaway servers).

- Idle: the server's CPU over 20 s with the targets probed every 10 s and no requests.
- Served probes: GET /readyz over loopback at 10, 100 and 1000 probes/s, and back to back; the
  server's CPU per probe (every thread's time on CPU, from /proc/PID/task/*/schedstat, less the
  idle rate) and the wall time per probe (connect to last byte), p50 and p99, taken by a client in
  C (tests/bench/http_probe.c) so that its own cost stays out. Beside it, in alternating rounds of
  the same run, this machine's floor: tests/bench/http_floor.c, a server that makes only the
  system calls an answer needs (poll, accept4, recv, send, close) and sends the same number of
  bytes. What the floor costs is the kernel's TCP work for one connection, which no server avoids;
  what ours costs above it is ours.
- Memory: the resident size of `entrypoint --health-listen` with the two targets, minus that of
  `entrypoint` supervising the same app without it.
- Exec probe: `podman exec CONTAINER noshell healthcheck ...` into a running container of the
  toolbox image (localhost/noshell-test/toolbox:test, made by the container tests), wall and the
  CPU of podman and what it ran (skipped, with the reason, when the image or podman is missing).
Targets: served probe <= 0.05 ms CPU and <= 1 ms wall at p99; idle <= 0.1% of a core; <= 1 MB added.
Where the floor itself is above a target, the line says so, and the figure to read is ours less the floor.

usage: health_server_bench.py [BIN_DIR]     (default build/release/bin)
"""
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_port, remove_scratch_pg, scratch_dir, start_pg_and_redis, target_line  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/release/bin"))
IMAGE = "localhost/noshell-test/toolbox:test"


def cpu_seconds(pid):
    """Time on CPU of every thread of the process, in ns precision (/proc/PID/task/*/schedstat;
    /proc/PID/stat counts 10 ms ticks, too coarse for a few hundred probes). Threads that have
    exited are not counted: the server's threads live as long as it does."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def get(port, path="/readyz"):
    """One probe: (status, body)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]), data.split(b"\r\n\r\n", 1)[1]


def wait_ready(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if get(port)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def probe_round(probe, port, pid, rate, count, idle_rate):
    """`count` probes at `rate` a second (0: back to back) by the C client: (server CPU s in all,
    less `idle_rate` CPU s per s of its background work; the walls, s)."""
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    out = subprocess.run([probe, str(port), "/readyz", str(rate), str(count)], capture_output=True, text=True)
    cpu = cpu_seconds(pid) - cpu0 - idle_rate * (time.perf_counter() - t0)
    lines = out.stdout.split()
    if out.returncode != 0 or len(lines) < 2 or lines[1] != "0":
        sys.exit(f"probes failed on port {port}: {out.stdout[:200]} {out.stderr[:200]}")
    return max(cpu, 0.0), [float(w) / 1e6 for w in lines[2:]]


def served(probe, ours, floor, rate, rounds, per_round, idle_rate):
    """Alternating rounds on our server and the floor's: {name: (CPU s per probe, sorted walls)}."""
    totals = {"ours": [0.0, []], "floor": [0.0, []]}
    for _ in range(rounds):
        for name, (port, pid), idle in (("ours", ours, idle_rate), ("floor", floor, 0.0)):
            cpu, walls = probe_round(probe, port, pid, rate, per_round, idle)
            totals[name][0] += cpu
            totals[name][1] += walls
    return {name: (cpu / (rounds * per_round), sorted(walls)) for name, (cpu, walls) in totals.items()}


def percentile(walls, q):
    return walls[max(0, int(len(walls) * q) - 1)]


def exec_probe(targets, runs):
    """podman exec of the same check into a running toolbox container: (wall s, cpu s) medians."""
    if shutil.which("podman") is None:
        return None, "podman is not installed"
    if subprocess.run(["podman", "image", "exists", IMAGE]).returncode != 0:
        return None, f"{IMAGE} is missing (ctest -L containers makes it)"
    name = f"nsbench{os.getpid()}"
    # As the container tests run podman: runc, cgroupfs, no default ulimits (../shared/TOOLCHAIN.md).
    conf = os.path.join(scratch_dir("noshell-hsbench-conf-"), "containers.conf")
    with open(conf, "w") as f:
        f.write('[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n')
    os.environ["CONTAINERS_CONF"] = conf
    # The toolbox's entrypoint is noshell: the container serves readiness, and stays up for execs.
    run = subprocess.run(["podman", "run", "-d", "--name", name, "--network", "host", IMAGE, "healthcheck",
                          f"--serve=127.0.0.1:{free_port()}"] + targets, capture_output=True, text=True)
    if run.returncode != 0:
        return None, "podman run failed: " + run.stderr.strip()[:200]
    try:
        walls, cpus = [], []
        for _ in range(runs):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            r = subprocess.run(["podman", "exec", name, "/noshell", "healthcheck", "--timeout=2s"] + targets,
                               capture_output=True)
            walls.append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
            if r.returncode != 0:
                return None, "the exec probe failed: " + r.stdout.decode()[:200]
        return (statistics.median(walls), statistics.median(cpus)), ""
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True)


def main():
    work = scratch_dir("noshell-hsbench-")
    procs = []
    try:
        pg_port, redis_port, redis = start_pg_and_redis(work)
        procs.append(redis)
        targets = [f"postgres://app:benchpass@127.0.0.1:{pg_port}/postgres", f"redis://127.0.0.1:{redis_port}"]

        probe = os.path.join(work, "http_probe")
        floor_bin = os.path.join(work, "http_floor")
        for src, out in (("http_probe.c", probe), ("http_floor.c", floor_bin)):
            subprocess.run(["cc", "-O2", "-o", out, os.path.join(ROOT, "tests/bench", src)], check=True)

        port = free_port()
        server = subprocess.Popen([os.path.join(BIN, "healthcheck"), f"--serve=127.0.0.1:{port}", "--ready-interval=10s"]
                                  + targets, stdout=subprocess.DEVNULL)
        procs.append(server)
        if not wait_ready(port):
            sys.exit("healthcheck --serve did not become ready")
        body_bytes = len(get(port)[1])
        floor_port = free_port()
        floor = subprocess.Popen([floor_bin, str(floor_port), str(body_bytes)])
        procs.append(floor)
        if not wait_ready(floor_port):
            sys.exit("http_floor did not start")
        cpu0 = cpu_seconds(server.pid)
        time.sleep(20)
        idle = (cpu_seconds(server.pid) - cpu0) / 20
        print(f"idle, targets probed every 10 s, no requests: {idle * 100:.3f}% of a core")
        print("readiness over HTTP (healthcheck --serve, PostgreSQL login + Redis PING in the background), GET /readyz,")
        print("beside this machine's floor (http_floor: the same bytes, only the system calls), in alternating rounds:")
        print(f"  {'probes/s':>9} {'CPU/probe ours':>15} {'floor':>9} {'ours-floor':>11} {'p50 ours':>9} {'floor':>9} "
              f"{'p99 ours':>9} {'floor':>9}")
        results = {}
        # 0: back to back: the serving itself, with no wake-up from idle per probe.
        for rate, rounds, per_round in ((10, 6, 20), (100, 4, 200), (1000, 3, 1000), (0, 3, 1000)):
            r = served(probe, (port, server.pid), (floor_port, floor.pid), rate, rounds, per_round, idle)
            (cpu, walls), (fcpu, fwalls) = r["ours"], r["floor"]
            results[rate] = (cpu, fcpu, percentile(walls, 0.99), percentile(fwalls, 0.99))
            label = str(rate) if rate else "back2back"
            print(f"  {label:>9} {cpu * 1000:12.4f} ms {fcpu * 1000:6.4f} ms {(cpu - fcpu) * 1000:+8.4f} ms "
                  f"{percentile(walls, 0.5) * 1000:6.3f} ms {percentile(fwalls, 0.5) * 1000:6.3f} ms "
                  f"{percentile(walls, 0.99) * 1000:6.3f} ms {percentile(fwalls, 0.99) * 1000:6.3f} ms")

        app = ["--", "/bin/sleep", "60"]
        plain = subprocess.Popen([os.path.join(BIN, "entrypoint"), "--subreaper", "--log-level=warn"] + app)
        hport = free_port()
        health = subprocess.Popen([os.path.join(BIN, "entrypoint"), "--log-level=warn", f"--health-listen=127.0.0.1:{hport}"]
                                  + [f"--ready={t}" for t in targets] + app)
        procs += [plain, health]
        wait_ready(hport)
        time.sleep(1)
        added = (rss_kb(health.pid) - rss_kb(plain.pid)) / 1024
        print(f"resident memory: entrypoint {rss_kb(plain.pid) / 1024:.2f} MB, with --health-listen and two "
              f"--ready targets {rss_kb(health.pid) / 1024:.2f} MB: {added:+.2f} MB")

        exec_result, why = exec_probe(targets, 10)
        if exec_result is None:
            print(f"exec probe: skipped ({why})")
        else:
            print(f"exec probe (podman exec ... noshell healthcheck, the same checks), median of 10: "
                  f"{exec_result[0] * 1000:.1f} ms wall, {exec_result[1] * 1000:.1f} ms CPU of podman and its children")
            print(f"  a served probe costs {results[100][0] / exec_result[1]:.5f}x the exec probe's CPU")

        print("targets:")
        for rate in (10, 100, 1000):
            cpu, fcpu, p99, fp99 = results[rate]
            floor_note = f" (floor {fcpu * 1000:.4f} ms)" if fcpu > 0.00005 else ""
            target_line(f"CPU per probe at {rate}/s", f"{cpu * 1000:.4f} ms{floor_note}", "<= 0.05 ms", cpu <= 0.00005)
            target_line(f"  ours less the floor at {rate}/s", f"{(cpu - fcpu) * 1000:+.4f} ms", "<= 0.05 ms", cpu - fcpu <= 0.00005)
            floor_note = f" (floor {fp99 * 1000:.3f} ms)" if fp99 > 0.001 else ""
            target_line(f"wall p99 at {rate}/s", f"{p99 * 1000:.3f} ms{floor_note}", "<= 1 ms", p99 <= 0.001)
        target_line("idle CPU, 10 s interval", f"{idle * 100:.3f}%", "<= 0.1%", idle <= 0.001)
        target_line("added resident memory", f"{added:.2f} MB", "<= 1 MB", added <= 1)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        remove_scratch_pg(work)


if __name__ == "__main__":
    main()
