"""Page benchmark: the server-side time of a full script run of every page (Streamlit AppTest), with a cold cache
(st.cache_data cleared before the run) and a warm cache (a new session right after), at each scale; and the peak
memory of the process that ran them (it holds what an app process holds: the cache, DuckDB's buffers, the modules).

    python bench/pages_bench.py                                  # all scales, 3 runs per page
    python bench/pages_bench.py --scales province --runs 5 --pages home ranking
    python bench/pages_bench.py --profile national map           # pyinstrument profile of one cold run

Each scale runs in a fresh process on $HUXIN_BENCH_DIR/<scale>/demo.duckdb (built by bench/etl_bench.py). Before
timing, every page is run once so that imports (plotly, pydeck, …) are not counted as "cold cache"; a new app process
pays those once per process, not once per data version.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AS_OF,
    BENCH_DIR,
    PAGES,
    ROOT,
    SCALES,
    TARGETS,
    db_file,
    env_for,
    fmt_s,
    load_json,
    machine_note,
    mark,
    md_table,
    run_measured,
    save_json,
    venv_python,
)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_page(page: str, as_of: dt.date, timeout: float) -> tuple[float, float, list[str]]:
    """(wall seconds, CPU seconds of this process — every thread, DuckDB's included —, problems) of one run of a
    page in a new session. On a shared machine the CPU time is the steadier figure: wall time there includes waiting
    for a core."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.session_state["as_of"] = as_of
    at.session_state["demo_role"] = "city_admin"
    if page != "home":
        at.switch_page(f"pages/{page}.py")
    t0, c0 = time.perf_counter(), time.process_time()
    at.run()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    problems = [str(e.value)[:300] for e in at.exception]
    if page != "home" and not at.title:
        problems.append("page rendered no title")
    return secs, cpu, problems


def _clear() -> None:
    import streamlit as st
    st.cache_data.clear()


def _bench_scale(scale: str, pages: list[str], runs: int, as_of: dt.date, timeout: float) -> dict[str, Any]:
    from huxin import db
    os.environ["ARREARS_DB"] = str(db_file(scale))
    db.forget_readers()
    out: dict[str, Any] = {"scale": scale, "pages": {}, "rss_after_mb": {}}
    # warm-up: imports and first-run costs of every page (not "cold cache"), then caches cleared
    first: dict[str, float] = {}
    for p in pages:
        first[p], _, problems = run_page(p, as_of, timeout)
        if problems:
            out.setdefault("problems", {})[p] = problems
    out["first_run"] = first
    for p in pages:
        cold, warm, cold_cpu, warm_cpu, probs = [], [], [], [], []
        for _ in range(runs):
            _clear()
            c, cc, e1 = run_page(p, as_of, timeout)
            w, wc, e2 = run_page(p, as_of, timeout)
            cold.append(c)
            warm.append(w)
            cold_cpu.append(cc)
            warm_cpu.append(wc)
            probs += e1 + e2
        out["pages"][p] = {"cold": cold, "warm": warm, "cold_cpu": cold_cpu, "warm_cpu": warm_cpu,
                           "problems": sorted(set(probs))}
        out["rss_after_mb"][p] = _rss_mb()
        print(f"  [{scale}] {p:9s} cold {statistics.median(cold):7.3f} s (CPU {statistics.median(cold_cpu):7.3f})"
              f"  warm {statistics.median(warm):7.3f} s (CPU {statistics.median(warm_cpu):7.3f})"
              + (f"  PROBLEMS {sorted(set(probs))[:2]}" if probs else ""), file=sys.stderr, flush=True)
    # all pages warm in one process: what an app process holds after everyone has looked at everything
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _profile(scale: str, page: str, as_of: dt.date, warm: bool = False) -> None:
    from pyinstrument import Profiler

    from huxin import db
    os.environ["ARREARS_DB"] = str(db_file(scale))
    db.forget_readers()
    run_page(page, as_of, 900)   # imports (and, for a warm profile, the cache)
    if not warm:
        _clear()
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    # The page runs in AppTest's script thread: profile that thread, not the one waiting for it.
    prof = Profiler(interval=0.005)
    orig = LocalScriptRunner._run_script_thread

    def profiled(self: Any) -> None:
        prof.start()
        try:
            orig(self)
        finally:
            prof.stop()

    LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
    try:
        secs, cpu, problems = run_page(page, as_of, 900)
    finally:
        LocalScriptRunner._run_script_thread = orig  # type: ignore[method-assign]
    out = BENCH_DIR / "profiles" / f"{scale}-{page}-{'warm' if warm else 'cold'}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(prof.output_html(), encoding="utf-8")
    out.with_suffix(".txt").write_text(prof.output_text(unicode=True, show_all=False), encoding="utf-8")
    print(prof.output_text(unicode=True, color=False, show_all=False))
    print(f"{'warm' if warm else 'cold'} run {secs:.2f} s (CPU {cpu:.2f} s) {problems or ''}; HTML profile: {out}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=list(SCALES))
    ap.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=AS_OF)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--profile", nargs=2, metavar=("SCALE", "PAGE"), help="profile one run (pyinstrument)")
    ap.add_argument("--warm", action="store_true", help="with --profile: profile a warm-cache run")
    args = ap.parse_args(argv)
    if args.profile:
        _profile(args.profile[0], args.profile[1], args.as_of, args.warm)
        return 0
    results = {"when": machine_note(), "as_of": args.as_of, "runs": args.runs, "scales": {}}
    for scale in args.scales:
        if not db_file(scale).exists():
            print(f"[{scale}] no database; run bench/etl_bench.py first", file=sys.stderr)
            continue
        print(f"[{scale}] …", file=sys.stderr, flush=True)
        env = env_for()
        m = run_measured([venv_python(), __file__, "_one", scale, ",".join(args.pages), str(args.runs),
                          args.as_of.isoformat(), str(args.timeout)], env, timeout=24 * 3600)
        if m.rc:
            print(m.stderr[-4000:], file=sys.stderr)
            continue
        sys.stderr.write(m.stderr)
        r = json.loads(m.stdout.strip().splitlines()[-1])
        r["process_peak_mb"] = m.peak_mb
        r["runs"] = args.runs
        results["scales"][scale] = r
    name = "pages"
    prev = load_json(name) or {"scales": {}}
    prev["scales"].update(results["scales"])
    prev.update({k: v for k, v in results.items() if k != "scales"})
    save_json(name, prev)
    print(report(prev))
    return 0


def report(res: dict[str, Any]) -> str:
    scales = [s for s in SCALES if s in res["scales"]]
    out = [(f"Server-side time of a full page run (AppTest, new session), as of {res['as_of']}; {res['when']}. "
            "Wall = elapsed; CPU = CPU seconds of the app process for that run (all threads, DuckDB's included). "
            "✓/✗ against the target.")]
    for s in scales:
        rows = []
        for p in PAGES:
            r = res["scales"][s]["pages"].get(p)
            if r is None:
                continue
            med = {k: statistics.median(r[k]) for k in ("cold", "cold_cpu", "warm", "warm_cpu")}
            rows.append([p + (" ⚠" if r["problems"] else ""),
                         fmt_s(med["cold"]) + mark(med["cold"], TARGETS["page_cold"][s]),
                         fmt_s(med["cold_cpu"]) + mark(med["cold_cpu"], TARGETS["page_cold"][s]),
                         fmt_s(med["warm"]) + mark(med["warm"], TARGETS["page_warm"][s]),
                         fmt_s(med["warm_cpu"]) + mark(med["warm_cpu"], TARGETS["page_warm"][s])])
        pk = res["scales"][s]["peak_mb"]
        out += ["", f"**{s}** (target cold ≤ {TARGETS['page_cold'][s]:g} s, warm ≤ {TARGETS['page_warm'][s]:g} s; "
                f"median of {res['scales'][s].get('runs', res['runs'])} runs); "
                f"peak memory of the process that ran every page: {pk:,.0f} MB"
                + mark(pk, TARGETS["app_mem_mb"][s]), "",
                md_table(["page", "cold wall s", "cold CPU s", "warm wall s", "warm CPU s"], rows)]
    probs = {s: {p: r["problems"] for p, r in res["scales"][s]["pages"].items() if r["problems"]} for s in scales}
    probs = {s: v for s, v in probs.items() if v}
    if probs:
        out += ["", f"⚠ Problems (exceptions shown by a page): {json.dumps(probs, ensure_ascii=False)[:1500]}"]
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_one":
        r = _bench_scale(sys.argv[2], sys.argv[3].split(","), int(sys.argv[4]), dt.date.fromisoformat(sys.argv[5]),
                         float(sys.argv[6]))
        print(json.dumps(r, default=str))
    else:
        sys.exit(main())
