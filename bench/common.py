"""Shared helpers of the benchmarks: where the big files go, the demo databases per scale, measured subprocesses,
medians and Markdown tables.

Everything big (ledgers, databases, logs) lives under $HUXIN_BENCH_DIR (default /tmp/huxin-bench), never in the repo.
Benchmarks print tables; they are not timed tests: the machine is shared, so every figure is a median of runs.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_DIR = Path(os.environ.get("HUXIN_BENCH_DIR", "/tmp/huxin-bench"))
AS_OF = dt.date(2026, 11, 20)     # a Friday in the first week of the 2026/27 winter campaign (as the tests)
CITY = "410200"                   # 开封市; the province scale is its province (河南省, 157 counties)
SCALES = ("city", "province", "national")
SEED = 7
PAGES = ("home", "weekly", "ranking", "drill", "map", "clearing", "quality")

# The targets on this 2-core machine (seconds, MB); None = no target for that scale.
TARGETS: dict[str, dict[str, float | None]] = {
    "page_warm": {"city": 0.3, "province": 0.5, "national": 2.0},
    "page_cold": {"city": 1.0, "province": 2.0, "national": 6.0},
    "browser": {"city": 2.0, "province": 3.0, "national": 6.0},
    "load": {"city": 5.0, "province": 20.0, "national": 120.0},
    "load_mem_mb": {"city": None, "province": None, "national": 4096.0},
    "peer_ratio": {"city": None, "province": 5.0, "national": 10.0},
    "app_mem_mb": {"city": None, "province": 1024.0, "national": 2048.0},
}


def scale_dir(scale: str) -> Path:
    return BENCH_DIR / scale


def ledger_dir(scale: str) -> Path:
    return scale_dir(scale) / "ledgers"


def db_file(scale: str) -> Path:
    return scale_dir(scale) / "demo.duckdb"


def scope_code(scale: str) -> str:
    from etl.demo_db import scope_for
    return scope_for(CITY, scale)


def ledger_files(scale: str) -> list[Path]:
    """The generated ledgers in load order (projects, clues, cases, then the city's two messy extras)."""
    man = json.loads((ledger_dir(scale) / "manifest.json").read_text(encoding="utf-8"))
    return [ledger_dir(scale) / f["file"] for f in man["files"]]


def venv_python() -> str:
    return sys.executable


def env_for(db: Path | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("ARREARS_APP_DIR", str(BENCH_DIR / "app-dir"))
    if db is not None:
        env["ARREARS_DB"] = str(db)
    env.update(extra)
    return env


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    rc: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0   # user + system CPU of the process: far less noisy than wall time on a busy machine


def run_measured(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT,
                 timeout: float = 3600) -> Measured:
    """Run a command; wall time and the peak resident memory of the process (and the children it waited for)
    from wait4's rusage, so other processes on the machine do not count."""
    log = BENCH_DIR / "logs"
    log.mkdir(parents=True, exist_ok=True)
    stamp = f"{os.getpid()}-{time.monotonic_ns()}"
    out_p, err_p = log / f"{stamp}.out", log / f"{stamp}.err"
    with out_p.open("wb") as out, err_p.open("wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=out, stderr=err)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        secs = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    res = Measured(secs, ru.ru_maxrss / 1024, p.returncode, out_p.read_text(errors="replace"),
                   err_p.read_text(errors="replace"), ru.ru_utime + ru.ru_stime)
    for f in (out_p, err_p):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
    return res


def median(xs: Iterable[float]) -> float:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def fmt_s(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "—"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def mark(value: float | None, target: float | None, higher_is_better: bool = False) -> str:
    """' ✓' / ' ✗' against a target (nothing when there is none)."""
    if target is None or value is None or math.isnan(value):
        return ""
    ok = value >= target if higher_is_better else value <= target
    return " ✓" if ok else " ✗"


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[str(c) for c in r] for r in rows]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


@functools.cache
def reference_loop_s() -> float:
    """Seconds for a fixed pure-Python loop (10,000,000 additions), best of three: how fast this machine's CPU is
    today. The host is shared and its speed varies from day to day (the same code's CPU time for a national load was
    66 s on one day and 175 s on another), so tables of different days are compared through it."""
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        s = 0
        for i in range(10_000_000):
            s += i
        best = min(best, time.perf_counter() - t)
    return best


def machine_note() -> str:
    load = os.getloadavg()
    return (f"{dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average {load[0]:.1f}, "
            f"reference loop {reference_loop_s():.2f} s (shared machine: medians of several runs)")


def save_json(name: str, data: Any) -> Path:
    p = BENCH_DIR / "results" / f"{name}.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return p


def load_json(name: str) -> Any:
    p = BENCH_DIR / "results" / f"{name}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
