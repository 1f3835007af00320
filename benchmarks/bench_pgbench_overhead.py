"""What running pgbench through pgconsole costs, against the same pgbench run directly.

Starts its own embedded server (a LocalCluster in a temporary directory), creates the
pgbench tables, then alternates, pair by pair (ABBA order against drift):
  direct:    the exact argv and environment pgconsole builds, run with subprocess
  pgconsole: `python -m pgconsole bench ...` in a pseudo-terminal, so the rich live view
             (progress bar, tps chart) renders every second as a user would see it
and prints the TPS of each run, the means, and the difference.

    .venv/bin/python benchmarks/bench_pgbench_overhead.py [--pairs 6] [--seconds 10] [--clients 2]
        [--builtin select-only] [--scale 10]
"""

from __future__ import annotations

import argparse
import os
import platform
import pty
import random
import signal
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pgconsole.bench.args import BenchConfig, child_env, init_argv, run_argv  # noqa: E402
from pgconsole.bench.locate import probe  # noqa: E402
from pgconsole.bench.summary import parse_summary  # noqa: E402
from pgconsole.cluster import LocalCluster  # noqa: E402
from pgconsole.conninfo import ConnParams  # noqa: E402


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                      if ln.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {ram} RAM, {platform.system()} {platform.release()}"


def run_direct(pgbench: str, cfg: BenchConfig, params: ConnParams) -> float:
    # its own session, as pgconsole starts it: with Linux autogroup scheduling each session
    # gets its own CPU share, and a difference there would measure the scheduler, not pgconsole
    r = subprocess.run(run_argv(pgbench, cfg), env=child_env(params), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=cfg.run_seconds + 60, start_new_session=True)
    s = parse_summary(r.stdout)
    if r.returncode != 0 or s.tps is None:
        raise SystemExit(f"direct pgbench failed: {r.stderr.strip()[-300:]}")
    return s.tps


_TPS_ROW = re.compile(r"^tps\s+([\d,]+\.\d)", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used by the process itself, not its children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_pgconsole(cfg: BenchConfig, params: ConnParams) -> tuple[float, float, float]:
    """The CLI in a pseudo-terminal (live view on): TPS from its final report, and the CPU
    seconds pgconsole's own process used in all and while pgbench ran."""
    argv = [sys.executable, "-m", "pgconsole", "bench", "-h", params.host, "-p", str(params.port),
            "-U", params.user, "-d", params.database, "-c", str(cfg.clients), "-j", str(cfg.jobs),
            "-T", str(cfg.run_seconds), "-b", cfg.builtin]
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40", "LANG": "C.UTF-8"}
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    cpu = 0.0
    cpu_at_first_progress = None
    while proc.poll() is None:  # the last reading before it exits
        c = _cpu_s(proc.pid)
        cpu = c if c is not None else cpu
        if cpu_at_first_progress is None and b"elapsed" in b"".join(chunks[-5:]):
            cpu_at_first_progress = cpu  # pgbench is running: startup and checks are behind
        time.sleep(0.1)
    t.join(5)
    os.close(master)
    text = _ANSI.sub("", b"".join(chunks).decode(errors="replace")).replace("\r", "\n")
    m = _TPS_ROW.findall(text)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"pgconsole bench failed (exit {proc.returncode}): {text[-500:]}")
    during = cpu - (cpu_at_first_progress if cpu_at_first_progress is not None else cpu)
    return float(m[-1].replace(",", "")), cpu, during


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--builtin", default="select-only")
    ap.add_argument("--scale", type=int, default=10)
    a = ap.parse_args()
    if a.pairs < 2:
        raise SystemExit("--pairs must be at least 2")

    # SIGTERM/SIGINT (also when started in the background) still stop the server below
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: sys.exit(130))
    root = Path(tempfile.mkdtemp(prefix="pgc-bench-"))
    cluster = LocalCluster(root)
    try:
        st = cluster.start(extra_settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                                           "autovacuum": "off"})
        params = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
        pgbench = probe(str(cluster.bin("pgbench")))
        cfg = BenchConfig(clients=a.clients, jobs=a.jobs, duration_s=a.seconds, builtin=a.builtin, scale=a.scale)
        subprocess.run(init_argv(pgbench.path, cfg) + ["-q"], env=child_env(params), check=True,
                       capture_output=True)
        print(f"machine: {machine()}")
        print(f"server: PostgreSQL (embedded) with pgbench {pgbench.version}; {a.builtin}, scale {a.scale}, "
              f"{a.clients} clients, {a.jobs} jobs, {a.seconds} s per run, {a.pairs} pairs (ABBA order)")
        run_direct(pgbench.path, BenchConfig(clients=a.clients, jobs=a.jobs, duration_s=3, builtin=a.builtin),
                   params)  # warm-up: caches, not counted
        direct, via, cpus, durings = [], [], [], []
        for i in range(a.pairs):
            order = ("direct", "pgconsole") if i % 2 == 0 else ("pgconsole", "direct")
            for who in order:
                t0 = time.monotonic()
                if who == "direct":
                    tps, extra = run_direct(pgbench.path, cfg, params), ""
                    direct.append(tps)
                else:
                    tps, cpu, during = run_pgconsole(cfg, params)
                    via.append(tps)
                    cpus.append(cpu)
                    durings.append(during)
                    extra = f", pgconsole's own CPU {cpu:.2f} s, {during:.3f} s of it while pgbench ran"
                print(f"  pair {i + 1} {who:<9} {tps:10.1f} tps  ({time.monotonic() - t0:.1f} s wall{extra})",
                      flush=True)
        md, mv = statistics.mean(direct), statistics.mean(via)
        ratios = [v / d for d, v in zip(direct, via)]
        print(f"direct:    mean {md:10.1f} tps  (stdev {statistics.stdev(direct):.1f})")
        print(f"pgconsole: mean {mv:10.1f} tps  (stdev {statistics.stdev(via):.1f})")
        rng = random.Random(1)
        boot = sorted(statistics.mean(rng.choices(ratios, k=len(ratios))) for _ in range(10000))
        lo, hi = boot[250] - 1, boot[9749] - 1
        print(f"difference of means: {(mv - md) / md * 100:+.2f}%   mean pair ratio: "
              f"{(statistics.mean(ratios) - 1) * 100:+.2f}% (95% bootstrap interval {lo * 100:+.2f}% .. "
              f"{hi * 100:+.2f}%)   median pair ratio: {(statistics.median(ratios) - 1) * 100:+.2f}%   "
              f"run-to-run noise (direct stdev/mean): {statistics.stdev(direct) / md * 100:.2f}%")
        cpu, during = statistics.mean(cpus), statistics.mean(durings)
        span = max(a.seconds - 1, 1)  # from the first progress report to the end
        print(f"pgconsole's own CPU per run: {cpu:.2f} s in all (Python start-up, checks: before pgbench "
              f"starts); {during:.3f} s while pgbench ran = {during / span * 100:.2f}% of one CPU, "
              f"{during / span / (os.cpu_count() or 1) * 100:.2f}% of this machine")
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
