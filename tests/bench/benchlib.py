"""tests/bench/benchlib.py — what the benchmark scripts share: ports, the postgres user, a scratch
folder a PostgreSQL cluster can live in (and its removal), and the target lines they print."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

PGBIN = "/usr/lib/postgresql/15/bin"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def as_server(cmd):
    """`cmd` run as the postgres user when we are root (initdb refuses root)."""
    return (["runuser", "-u", "postgres", "--"] + cmd) if os.geteuid() == 0 else cmd


def scratch_dir(prefix):
    """A temp folder the postgres user can write (and root can still clean up)."""
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o755)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    return work


def remove_scratch_pg(work):
    """Stops the cluster in work/pg (immediately) and removes the scratch folder."""
    subprocess.run(as_server([f"{PGBIN}/pg_ctl", "-D", f"{work}/pg", "-m", "immediate", "stop"]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)


def target_line(what, value, target, ok, width=40):
    print(f"  {what:{width}} {value:>10}   target {target:10} {'met' if ok else 'MISSED'}")


def start_pg(work, options=""):
    """A throwaway PostgreSQL 15 in work/pg: user app, password benchpass, SCRAM over TCP on
    127.0.0.1, plus server `options` ("-c fsync=off"). Returns its port; remove_scratch_pg(work)
    stops it."""
    port = free_port()
    pw = os.path.join(work, "pw")
    with open(pw, "w") as f:
        f.write("benchpass\n")
    if os.geteuid() == 0:
        shutil.chown(pw, "postgres", "postgres")
    subprocess.run(as_server([f"{PGBIN}/initdb", "-D", f"{work}/pg", "-U", "app", f"--pwfile={pw}",
                              "--auth-host=scram-sha-256", "--auth-local=trust", "--no-sync"]),
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_server([f"{PGBIN}/pg_ctl", "-D", f"{work}/pg", "-l", f"{work}/pg.log", "-w", "-o",
                              f"-p {port} -k {work} -c listen_addresses=127.0.0.1 {options}"]) + ["start"],
                   check=True, stdout=subprocess.DEVNULL)
    return port


def start_pg_and_redis(work):
    """start_pg(work) and a Redis 7: returns (pg_port, redis_port, redis_process); kill the last."""
    pg_port, redis_port = start_pg(work), free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
                             stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    return pg_port, redis_port, redis
