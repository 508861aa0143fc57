"""Browser benchmark: seconds until each page is ready in headless Chromium — the script finished, no spinner or
stale element, every chart, table and map drawn (a map's county polygons painted, not just its canvas there), no
request in flight (huxin.snapshot.READY_JS, wait_for_ready) — on a real
`streamlit run` server, plus the peak memory (VmHWM) of that server process.

    python bench/browser_bench.py                        # province scale (the issue's browser target), 3 loads
    python bench/browser_bench.py --scales city province national --runs 5

Each load is a new browser context (a new session) opening the page's URL directly with ?as_of=. The first load of
each page ("first") is a browser that never opened the app, on a server that has served one other page (导入情况, same
date) and so, as in production, has started computing the other pages' default views in the background
(huxin.prefetch); the next loads find the data cache warm ("again"). With --no-prefetch the server runs without the
prefetch, and each first load finds the data cache cold for its page.
With --after-load S, a new database file is swapped in (as `python -m etl load` does: a copy renamed over the file,
same numbers, new data version) S seconds before each page's first load: the first visit after a morning's load, for
which the server has only its watcher (huxin.prefetch) to have computed anything.
Every run first measures the floor: the same loads of a bare Streamlit page (bench/floor_app.py), printed under the
table, so that a slow day of the shared machine's browser can be told from a slower page.
Uses the system Chromium (/usr/bin/chromium); never `playwright install`.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AS_OF,
    PAGES,
    SCALES,
    TARGETS,
    db_file,
    fmt_s,
    load_json,
    machine_note,
    mark,
    md_table,
    save_json,
)

SETTLE_S = 0.5
POLL_S = 0.1     # how often the page is checked: the figures are late by up to this much
# Seconds the viewer looks at each page before clicking the next one in the sidebar. A meeting takes minutes per page;
# back to back (0) leaves no quiet moment, and then huxin.mapwarm never runs (it needs one quiet second per tab).
DWELL_S = 2.0


def server_pid(port: int) -> int | None:
    """The streamlit process listening on this port (found by its command line)."""
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(p.name)
    return None


def proc_mem_mb(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0]) / 1024
    return out


def page_url(base: str, key: str, as_of: str) -> str:
    return f"{base}/{'' if key == 'home' else key}?as_of={as_of}"


def new_context(browser: Any) -> Any:
    return browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")


def load_page(browser: Any, url: str, timeout_s: float, ctx: Any = None) -> tuple[float, list[str], dict[str, Any]]:
    """Seconds from navigation to ready, problems shown on the page, network facts. A new tab (so a new Streamlit
    session) in ``ctx`` — a browser profile that has loaded the app before, its HTTP cache warm — or in a new,
    empty browser context."""
    from huxin.snapshot import PROBLEMS_JS, NetworkWatch, wait_for_ready

    own = ctx is None
    ctx = new_context(browser) if own else ctx
    page = None
    try:
        page = ctx.new_page()
        watch = NetworkWatch(page)
        sizes: list[int] = []
        page.on("response", lambda r: sizes.append(int(r.headers.get("content-length", "0") or 0)))
        t0 = time.monotonic()
        page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
        # seconds from navigation to the first check that found the page ready (and it then stayed so)
        ready = time.monotonic() - t0
        ready += wait_for_ready(page, watch, timeout_s=timeout_s, settle_s=SETTLE_S, poll_s=POLL_S)
        probs = page.evaluate(PROBLEMS_JS)
        problems = [*probs["exceptions"], *probs["errors"]]
        return ready, problems, {"requests": len(watch.urls), "foreign": watch.foreign(),
                                 "bytes": sum(sizes)}
    finally:
        if own:
            ctx.close()
        elif page is not None:
            page.close()


def swap_in_new_version(path: Path) -> None:
    """A load that changes nothing: huxin.db.writer copies the file and renames the copy over it, as every load does."""
    from huxin import db

    with db.writer(path):
        pass


FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
FLOOR_PATHS = ("/", "/page")


def bench_floor(runs: int, timeout_s: float) -> dict[str, Any]:
    """The same loads as bench_scale's on a bare Streamlit page (bench/floor_app.py): the floor of this machine's
    browser, measured in the same run (a shared machine's browser speed varies from day to day)."""
    from playwright.sync_api import sync_playwright

    from huxin.snapshot import CHROMIUM_ARGS, find_chromium, serve_app

    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="huxin-bench-floor-") as d, \
            serve_app(Path(d) / "none.duckdb", app_dir=Path(d), log=Path(d) / "streamlit.log", timeout_s=120,
                      script=FLOOR_APP) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            warm = new_context(browser)
            load_page(browser, base + "/", timeout_s, warm)
            for path in FLOOR_PATHS:
                times = [load_page(browser, base + path, timeout_s, None if i == 0 else warm)[0]
                         for i in range(runs)]
                res[path] = {"first": times[0], "again": times[1:]}
                print(f"  [floor] {path:9s} first {times[0]:6.2f} s, again {statistics.median(times[1:] or times):6.2f} s",
                      file=sys.stderr, flush=True)
            warm.close()
        finally:
            browser.close()
    return res


def sidebar_walk(ctx: Any, base: str, pages: list[str], timeout_s: float, dwell_s: float = DWELL_S) -> dict[str, float]:
    """The meeting's way through the pages: a new tab of browser profile ``ctx`` opens 首页, then each of ``pages``
    but 首页 is reached from the one before it by its sidebar link, after ``dwell_s`` on that page. Returns the
    seconds from each click to the page ready (huxin.snapshot.navigate_sidebar)."""
    from huxin.snapshot import NetworkWatch, navigate_sidebar, wait_for_ready

    out: dict[str, float] = {}
    tab = ctx.new_page()
    try:
        watch = NetworkWatch(tab)
        tab.goto(page_url(base, "home", AS_OF.isoformat()), wait_until="domcontentloaded")
        wait_for_ready(tab, watch, timeout_s=timeout_s, settle_s=SETTLE_S, poll_s=POLL_S)
        for key in [k for k in pages if k != "home"]:
            time.sleep(dwell_s)  # the viewer looks at the page before the next click
            out[key] = navigate_sidebar(tab, watch, key, timeout_s, SETTLE_S, POLL_S)
    finally:
        tab.close()
    return out


def bench_scale(scale: str, pages: list[str], runs: int, timeout_s: float,
                extra_env: dict[str, str] | None = None, think_s: float = 0,
                after_load_s: float | None = None, dwell_s: float = DWELL_S) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from huxin.snapshot import CHROMIUM_ARGS, find_chromium, serve_app

    res: dict[str, Any] = {"pages": {}}
    with tempfile.TemporaryDirectory(prefix="huxin-bench-app-") as app_dir, \
            serve_app(db_file(scale), app_dir=Path(app_dir), log=Path(app_dir) / "streamlit.log",
                      timeout_s=180, extra_env=extra_env) as base, sync_playwright() as pw:
        port = int(base.rsplit(":", 1)[1])
        pid = server_pid(port)
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            # one throwaway load: the server's first script run imports every module (a process cost, not a page's),
            # and the returning viewer's browser profile gets the app's scripts into its HTTP cache
            warm = new_context(browser)
            load_page(browser, page_url(base, "quality", AS_OF.isoformat()), timeout_s, warm)
            time.sleep(think_s)
            for key in pages:
                times, problems, net = [], [], {}
                if after_load_s is not None:  # --after-load: a new data version, then the viewers' first visit
                    swap_in_new_version(db_file(scale))
                    time.sleep(after_load_s)
                for i in range(runs):
                    # first: a browser that never opened the app, on a server that has served one other page (so,
                    # unless --no-prefetch, it has started prefetching this one: huxin.prefetch);
                    # again: a returning viewer (scripts cached by the browser) in a new tab, data cache warm
                    t, probs, net = load_page(browser, page_url(base, key, AS_OF.isoformat()), timeout_s,
                                              None if i == 0 else warm)
                    times.append(t)
                    problems += probs
                    time.sleep(think_s)  # --think: the viewer reads the page before opening the next
                res["pages"][key] = {"first": times[0], "again": times[1:], "problems": sorted(set(problems)),
                                     "requests": net.get("requests"), "foreign": net.get("foreign"),
                                     "bytes": net.get("bytes")}
                print(f"  [{scale}] {key:9s} first {times[0]:6.2f} s, again "
                      f"{statistics.median(times[1:] or times):6.2f} s" + (f"  PROBLEMS {problems[:1]}" if problems
                                                                           else ""), file=sys.stderr, flush=True)
            # the meeting's way through the pages: one tab opens 首页, then each page is reached from the one before it
            # by its link in the sidebar (pages in PAGES order)
            for _ in range(runs):
                for key, t in sidebar_walk(warm, base, pages, timeout_s, dwell_s).items():
                    res["pages"][key].setdefault("nav", []).append(t)
            for key in [k for k in pages if k != "home"]:
                print(f"  [{scale}] {key:9s} from the sidebar {statistics.median(res['pages'][key]['nav']):6.2f} s",
                      file=sys.stderr, flush=True)
            warm.close()
        finally:
            browser.close()
            if pid:
                res["server_mem_mb"] = proc_mem_mb(pid)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", nargs="+", choices=SCALES, default=["province"])
    ap.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--no-prefetch", action="store_true",
                    help="server without huxin.prefetch (ARREARS_NO_PREFETCH=1): every page's first visit finds a "
                         "cold cache; saved apart (results/browser_noprefetch.json), printed, not in RESULTS.md")
    ap.add_argument("--think", type=float, default=0, metavar="S",
                    help="seconds the viewer reads each page before the next load (a meeting goes through the pages "
                         "one after another with minutes between them; by default the loads follow back to back, "
                         "the worst case for any background work); saved apart (results/browser*_think.json)")
    ap.add_argument("--dwell", type=float, default=DWELL_S, metavar="S",
                    help=f"seconds on each page before the next click in the sidebar runs (default {DWELL_S:g}; 0 = "
                         "back to back, as in the ninth round of bench/RESULTS.md)")
    ap.add_argument("--after-load", type=float, default=None, metavar="S",
                    help="before each page's first load, swap in a new database file (same numbers, a new data "
                         "version) and wait S seconds: the first visit after a load; saved apart "
                         "(results/browser*_afterload.json)")
    args = ap.parse_args(argv)
    name = "browser_noprefetch" if args.no_prefetch else "browser"
    if args.think:
        name += "_think"
    if args.after_load is not None:
        name += "_afterload"
    results = load_json(name) or {"scales": {}}
    results.update({"when": machine_note(), "runs": args.runs, "as_of": AS_OF.isoformat(), "think_s": args.think,
                    "dwell_s": args.dwell,
                    "after_load_s": args.after_load})
    results["floor"] = bench_floor(args.runs, args.timeout)
    for scale in args.scales:
        if not db_file(scale).exists():
            print(f"[{scale}] no database; run bench/etl_bench.py first", file=sys.stderr)
            continue
        results["scales"][scale] = bench_scale(scale, args.pages, args.runs, args.timeout,
                                               {"ARREARS_NO_PREFETCH": "1"} if args.no_prefetch else None,
                                               args.think, args.after_load, args.dwell)
        save_json(name, results)
    print(report(results))
    return 0


def report(res: dict[str, Any]) -> str:
    scales = [s for s in SCALES if s in res["scales"]]
    rows = []
    for key in PAGES:
        row = [key]
        for s in scales:
            r = res["scales"][s]["pages"].get(key)
            if not r:
                row += ["—", "—", "—"]
                continue
            again = statistics.median(r["again"] or [r["first"]])
            bad = " ⚠" if r["problems"] or r["foreign"] else ""
            nav = statistics.median(r["nav"]) if r.get("nav") else None
            row += [fmt_s(r["first"]) + mark(r["first"], TARGETS["browser"][s]) + bad,
                    fmt_s(again) + mark(again, TARGETS["browser"][s]),
                    fmt_s(nav) + mark(nav, TARGETS["browser"][s]) if nav is not None else "—"]
        rows.append(row)
    heads = ["page"] + [f"{s} {k} s (≤{TARGETS['browser'][s]:g})" for s in scales for k in ("first", "again", "sidebar")]
    mem = [f"{s} {res['scales'][s].get('server_mem_mb', {}).get('VmHWM', float('nan')):,.0f} MB"
           + mark(res["scales"][s].get("server_mem_mb", {}).get("VmHWM"), TARGETS["app_mem_mb"][s]) for s in scales]
    out = [(f"Seconds until the page is ready in headless Chromium (a new session per load, the page URL opened "
            f"directly, as of {res['as_of']}); 'first' = a browser that never opened the app (nothing cached) on a "
            f"server that has served one other page of the same date (导入情况) and so has started prefetching the "
            f"other pages' default views (huxin.prefetch); 'again' = median of the next {res['runs'] - 1} loads by a "
            f"returning viewer (a new tab of a browser profile with the app's scripts cached; data cache warm); "
            f"'sidebar' = median of {res['runs']} clicks on the page's link in the sidebar, from the page before it in "
            f"the table, in one tab that opened 首页, {res.get('dwell_s', 0):g} s on each page before the click (the "
            f"meeting's way through the pages: Streamlit stays loaded); "
            f"{res['when']}"), "", md_table(heads, rows), "",
           "Peak memory (VmHWM) of the `streamlit run` server after all loads: " + ", ".join(mem)]
    if res.get("floor"):
        f = res["floor"]
        out += ["", "The floor, in the same run and browser: a bare Streamlit page (bench/floor_app.py, a title and the "
                    "sidebar's navigation) took " + "; ".join(
                        f"{p}: first {fmt_s(v['first'])} s, again {fmt_s(statistics.median(v['again'] or [v['first']]))} s"
                        for p, v in f.items()) + "."]
    if res.get("after_load_s") is not None:
        out.insert(1, f"With --after-load {res['after_load_s']:g}: a new database file (same numbers, a new data "
                      f"version) was swapped in {res['after_load_s']:g} s before each page's first load.")
    probs = {s: {k: r["problems"] + r["foreign"] for k, r in res["scales"][s]["pages"].items()
                 if r["problems"] or r["foreign"]} for s in scales}
    probs = {s: v for s, v in probs.items() if v}
    if probs:
        out += ["", f"⚠ Problems: {json.dumps(probs, ensure_ascii=False)[:1500]}"]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
