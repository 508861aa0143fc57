"""Serving more viewers than one process can: two (or more) app processes on the same database file behind nginx
with sticky sessions, page loads from several headless browsers at once, and a ledger reload in the middle.

    python bench/nginx_two_apps.py                          # city scale, 2 apps, 4 viewers × 2 rounds of 7 pages
    python bench/nginx_two_apps.py --scale province --viewers 6 --rounds 3

What it does (everything on loopback addresses; everything it starts is stopped at the end, however it ends):
1. copies the scale's benchmark database ($HUXIN_BENCH_DIR/<scale>/demo.duckdb) to a work directory;
2. starts N `streamlit run app.py` processes on it (huxin.snapshot.serve_app: free ports, headless) and nginx
   (/usr/sbin/nginx, config from bench/nginx.conf.template: a new browser goes round robin, then a cookie pins it
   to that process — sticky sessions —, websocket proxying);
3. V viewers (browser contexts of one headless Chromium, each with its own nginx cookie) load every page R times
   through nginx, concurrently; each load waits until the page is ready (huxin.snapshot.READY_JS);
4. when half of the loads are done, `python -m etl load` loads a small extra clue ledger into the live file (the
   atomic copy-and-rename of huxin.db.writer) while the viewers keep loading pages;
5. reports errors (exceptions or error boxes on a page, JS errors, HTTP 5xx, timeouts, a browser whose requests
   reached two processes) — none are allowed: exit code 1 otherwise — and timings before / during / after the
   reload, per app process; and checks that every process serves the new numbers after the reload.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    AS_OF,
    BENCH_DIR,
    PAGES,
    ROOT,
    SCALES,
    db_file,
    fmt_s,
    machine_note,
    md_table,
    save_json,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
EXTRA_CLUES = 50


# ---------------------------------------------------------------------------------------------
# nginx
def write_nginx_conf(work: Path, listen: int, backends: list[int]) -> Path:
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / d).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in backends)
    pinned = "\n".join(f'        "127.0.0.1:{p}" "127.0.0.1:{p}";' for p in backends)
    text = TEMPLATE.read_text(encoding="utf-8")
    # ${name} placeholders (plain replacement: nginx's own $variables stay as they are)
    for name, value in (("work", str(work)), ("listen", f"127.0.0.1:{listen}"), ("servers", servers),
                        ("pinned", pinned),
                        # as root, keep the workers as root too: the temp dirs above belong to the user running this
                        ("user_directive", "user root;" if os.geteuid() == 0 else "")):
        text = text.replace("${" + name + "}", value)
    conf = work / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


@contextlib.contextmanager
def run_nginx(work: Path, conf: Path, listen: int):  # type: ignore[no-untyped-def]
    test = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(work), "-e", str(work / "error.log")],
                          check=False, capture_output=True, text=True)
    if test.returncode:
        raise SystemExit(f"nginx -t failed:\n{test.stderr}")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(work), "-e", str(work / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=open(work / "nginx.stderr", "wb"),  # noqa: SIM115
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{listen}/_stcore/health", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"nginx did not start: {(work / 'error.log').read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def parse_access_log(path: Path) -> dict[str, Any]:
    """Requests and websockets per app process, 5xx responses, and requests of a pinned browser that reached a
    process other than the one its cookie names (must be none)."""
    rx = re.compile(r'^(\S+) (\d+) (\S+) "([^"]*)" pinned=(\S*) upstream=(\S*) rt=(\S+) upgrade="([^"]*)"'
                    r'(?: bytes=(\d+) gzip=(\S+))?')
    per_up: Counter[str] = Counter()
    ws: Counter[str] = Counter()
    misrouted: list[str] = []
    s5xx = n = unpinned = 0
    js_bytes = js_gzipped = js_files = 0
    js_raw = 0.0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = rx.match(line)
        if not m:
            continue
        n += 1
        _, status, _, uri, pinned, up, _, upgrade, nbytes, ratio = m.groups()
        if uri.startswith("/static/") and uri.endswith(".js") and nbytes:
            js_files += 1
            js_bytes += int(nbytes)
            zipped = ratio not in (None, "-", "")
            js_gzipped += zipped
            js_raw += int(nbytes) * (float(ratio) if zipped else 1.0)  # $gzip_ratio = original / compressed
        if up and up != "-":
            per_up[up] += 1
        if pinned in ("", "-"):
            unpinned += 1
        elif up != pinned:
            misrouted.append(f"{uri} pinned to {pinned} went to {up}")
        if upgrade.lower() == "websocket" and status == "101":
            ws[up] += 1
        if status.startswith("5"):
            s5xx += 1
    return {"requests": n, "per_upstream": dict(per_up), "websockets_per_upstream": dict(ws), "http_5xx": s5xx,
            "unpinned_requests": unpinned, "misrouted": misrouted[:20], "misrouted_count": len(misrouted),
            "streamlit_js": {"responses": js_files, "gzipped": js_gzipped, "bytes_sent": js_bytes,
                             "bytes_uncompressed": round(js_raw)}}


# ---------------------------------------------------------------------------------------------
# the extra ledger loaded in the middle
def write_extra_clues(path: Path, db: Path, n: int) -> Path:
    import duckdb

    from huxin.vocab import CLUE_HEADERS

    con = duckdb.connect(str(db), read_only=True)
    try:
        codes = [r[0] for r in con.execute(
            "SELECT code FROM regions WHERE level = 'county' ORDER BY code LIMIT 5").fetchall()]
    finally:
        con.close()
    stamp = time.strftime("%H%M%S")
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CLUE_HEADERS))
        w.writeheader()
        for i in range(n):
            w.writerow({"线索编号": f"NGX{stamp}-{i:04d}", "来源渠道": "12345热线", "反映时间": AS_OF.isoformat(),
                        "所属区县": codes[i % len(codes)], "行业领域": "工程建设", "被反映单位": f"压测建筑劳务有限公司{i % 7}",
                        "涉及人数": 3, "涉及金额（元）": 12000, "办理状态": "签收"})
    return path


# ---------------------------------------------------------------------------------------------
# viewers
async def wait_ready(page: Any, watch: Any, timeout_s: float, settle_s: float = 0.5) -> float:
    """huxin.snapshot.wait_for_ready for an async Playwright page (the same STATE_JS and ReadyWait)."""
    from huxin.snapshot import STATE_JS, ReadyWait

    wait = ReadyWait(settle_s)
    while True:
        try:
            state, error = await page.evaluate(STATE_JS), ""
        except Exception as e:  # noqa: BLE001 - navigation in progress
            state, error = None, f"navigating ({type(e).__name__})"
        ready = wait.see(state, watch.inflight, error)
        if ready is not None:
            return ready
        if wait.elapsed() > timeout_s:
            raise TimeoutError(f"not ready after {timeout_s:.0f} s (waiting for {wait.last})")
        await asyncio.sleep(0.15)


async def home_metric(browser: Any, base: str, label: str, timeout_s: float) -> str | None:
    """The value of one metric of the home page (e.g. 本年受理线索) in a new session."""
    from huxin.snapshot import NetworkWatch

    ctx = await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        page = await ctx.new_page()
        watch = NetworkWatch(page)
        await page.goto(f"{base}/?as_of={AS_OF.isoformat()}", wait_until="domcontentloaded")
        await wait_ready(page, watch, timeout_s)
        return await page.evaluate("""(label) => {
            for (const m of document.querySelectorAll('[data-testid="stMetric"]')) {
              const l = m.querySelector('[data-testid="stMetricLabel"]');
              if (l && l.innerText.trim() === label)
                return m.querySelector('[data-testid="stMetricValue"]').innerText.trim();
            }
            return null; }""", label)
    finally:
        await ctx.close()


async def viewer(vid: int, browser: Any, base: str, pages: list[str], rounds: int, timeout_s: float,
                 state: dict[str, Any], results: list[dict[str, Any]]) -> None:
    from huxin.snapshot import PROBLEMS_JS, NetworkWatch

    ctx = await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    js_errors: list[str] = []
    http_errors: list[str] = []
    try:
        page = await ctx.new_page()
        page.on("pageerror", lambda e: js_errors.append(str(e)[:300]))
        page.on("response", lambda r: http_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        watch = NetworkWatch(page)
        for rnd in range(rounds):
            for key in pages[vid % len(pages):] + pages[:vid % len(pages)]:  # viewers start on different pages
                phase = state["phase"]
                url = f"{base}/{'' if key == 'home' else key}?as_of={AS_OF.isoformat()}"
                rec: dict[str, Any] = {"viewer": vid, "round": rnd, "page": key, "phase": phase, "errors": []}
                n_js, n_http = len(js_errors), len(http_errors)
                t0 = time.monotonic()
                try:
                    await page.goto(url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
                    rec["seconds"] = await wait_ready(page, watch, timeout_s)
                    probs = await page.evaluate(PROBLEMS_JS)
                    rec["errors"] += [f"page: {p}" for p in probs["exceptions"] + probs["errors"]]
                except Exception as e:  # noqa: BLE001 - a timeout or a broken page is a result, not a crash
                    rec["seconds"] = time.monotonic() - t0
                    rec["errors"].append(f"{type(e).__name__}: {str(e)[:300]}")
                rec["errors"] += [f"js: {x}" for x in js_errors[n_js:]] + [f"http: {x}" for x in http_errors[n_http:]]
                rec["phase_end"] = state["phase"]
                cookies = await ctx.cookies()
                rec["sticky"] = next((c["value"] for c in cookies if c["name"] == "huxin_backend"), None)
                results.append(rec)
                state["done"] += 1
                if state["done"] >= state["reload_after"]:
                    state["go"].set()
    finally:
        await ctx.close()


async def reload_when_due(db: Path, extra: Path, state: dict[str, Any]) -> dict[str, Any]:
    await state["go"].wait()
    state["phase"] = "during"
    t0 = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "etl", "--db", str(db), "load", "--today", AS_OF.isoformat(), str(extra),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    out, err = await proc.communicate()
    state["phase"] = "after"
    return {"rc": proc.returncode, "seconds": time.monotonic() - t0,
            "stdout": out.decode(errors="replace")[-800:], "stderr": err.decode(errors="replace")[-800:]}


async def drive(base: str, direct: list[str], db: Path, extra: Path, pages: list[str], viewers: int, rounds: int,
                timeout_s: float) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from huxin.snapshot import CHROMIUM_ARGS, find_chromium

    total = viewers * rounds * len(pages)
    state: dict[str, Any] = {"phase": "before", "done": 0, "reload_after": total // 2, "go": asyncio.Event()}
    results: list[dict[str, Any]] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            label = "本年受理线索"
            before = {u: await home_metric(browser, u, label, timeout_s) for u in direct}
            t0 = time.monotonic()
            reload_task = asyncio.create_task(reload_when_due(db, extra, state))
            await asyncio.gather(*(viewer(v, browser, base, pages, rounds, timeout_s, state, results)
                                   for v in range(viewers)))
            state["go"].set()
            reload = await reload_task
            elapsed = time.monotonic() - t0
            after = {u: await home_metric(browser, u, label, timeout_s) for u in direct}
        finally:
            await browser.close()
    return {"results": results, "reload": reload, "elapsed": elapsed, "metric": label, "metric_before": before,
            "metric_after": after}


# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    from huxin.snapshot import free_port, serve_app

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=SCALES, default="city")
    ap.add_argument("--apps", type=int, default=2)
    ap.add_argument("--viewers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--pages", nargs="+", choices=PAGES, default=list(PAGES))
    ap.add_argument("--timeout", type=float, default=180, help="seconds a page may take before it counts as an error")
    args = ap.parse_args(argv)
    if not Path(NGINX).exists():
        raise SystemExit("nginx not found: apt-get install -y nginx")
    if not db_file(args.scale).exists():
        raise SystemExit(f"no {args.scale} database; run bench/etl_bench.py --scales {args.scale} first")

    work = BENCH_DIR / f"nginx-{time.strftime('%Y%m%d-%H%M%S')}"
    work.mkdir(parents=True)
    live = work / "live.duckdb"
    shutil.copyfile(db_file(args.scale), live)
    extra = write_extra_clues(work / "线索台账_补充.csv", live, EXTRA_CLUES)
    app_dir = work / "app-dir"
    app_dir.mkdir()
    listen = free_port()
    print(f"work dir {work}; {args.apps} apps on {args.scale} data; nginx on 127.0.0.1:{listen}", file=sys.stderr)
    with contextlib.ExitStack() as stack:
        bases = [stack.enter_context(serve_app(live, app_dir=app_dir, log=work / f"app{i}.log", timeout_s=240))
                 for i in range(args.apps)]
        ports = [int(b.rsplit(":", 1)[1]) for b in bases]
        conf = write_nginx_conf(work, listen, ports)
        stack.enter_context(run_nginx(work, conf, listen))
        run = asyncio.run(drive(f"http://127.0.0.1:{listen}", bases, live, extra, args.pages, args.viewers,
                                args.rounds, args.timeout))
    log = parse_access_log(work / "access.log")
    res = summarize(run, log, args, ports)
    res["work_dir"] = str(work)
    save_json("nginx", res)
    print(report(res))
    return 0 if res["ok"] else 1


def summarize(run: dict[str, Any], log: dict[str, Any], args: argparse.Namespace, ports: list[int]) -> dict[str, Any]:
    results = run["results"]
    errors = [f"viewer {r['viewer']} {r['page']} ({r['phase']}): {e}" for r in results for e in r["errors"]]
    if log["http_5xx"]:
        errors.append(f"nginx logged {log['http_5xx']} responses with status 5xx")
    if log["misrouted_count"]:
        errors.append(f"{log['misrouted_count']} requests of pinned browsers reached another process: "
                      f"{log['misrouted'][:3]}")
    if run["reload"]["rc"] != 0:
        errors.append(f"reload failed (rc {run['reload']['rc']}): {run['reload']['stderr']}")
    used = [u for u, n in log["per_upstream"].items() if n]
    if len(used) < min(args.apps, args.viewers):
        errors.append(f"only {len(used)} of {args.apps} processes received requests: {log['per_upstream']}")

    def num(v: str | None) -> int | None:
        return None if v is None else int(v.replace(",", ""))
    before = {u: num(v) for u, v in run["metric_before"].items()}
    after = {u: num(v) for u, v in run["metric_after"].items()}
    for u, now in after.items():
        if before.get(u) is None or now is None or now - before[u] != EXTRA_CLUES:
            errors.append(f"{u}: {run['metric']} {before.get(u)} → {after.get(u)} after the reload "
                          f"(expected +{EXTRA_CLUES})")
    # which process served each viewer: its cookie names it
    viewer_up = {r["viewer"]: r["sticky"] or "?" for r in results}
    by_phase: dict[str, list[float]] = defaultdict(list)
    for r in results:
        # a load that overlapped the reload counts as "during"
        by_phase[r["phase"] if r["phase"] == r["phase_end"] else "during"].append(r["seconds"])
    return {"when": machine_note(), "scale": args.scale, "apps": args.apps, "viewers": args.viewers,
            "rounds": args.rounds, "pages": args.pages, "loads": len(results), "elapsed_s": run["elapsed"],
            "reload": run["reload"], "metric": run["metric"], "metric_before": before, "metric_after": after,
            "nginx": log, "timings": {k: sorted(v) for k, v in by_phase.items()}, "errors": errors,
            "ok": not errors, "ports": ports, "viewers_per_process": dict(Counter(viewer_up.values()))}


def report(res: dict[str, Any]) -> str:
    rows = []
    for phase in ("before", "during", "after"):
        v = res["timings"].get(phase, [])
        if v:
            rows.append([phase, len(v), fmt_s(statistics.median(v)),
                         fmt_s(v[min(len(v) - 1, int(0.9 * len(v)))]), fmt_s(max(v))])
    ng = res["nginx"]
    lines = [(f"{res['apps']} app processes on one {res['scale']} database behind nginx (new browsers round robin, "
              "then pinned to their process by a cookie); "
             f"{res['viewers']} concurrent headless-Chromium viewers × {res['rounds']} rounds × {len(res['pages'])} "
             f"pages = {res['loads']} page loads in {res['elapsed_s']:.0f} s; {res['when']}"), "",
             md_table(["phase (reload)", "page loads", "median s", "p90 s", "max s"], rows), "",
             f"- reload: `python -m etl load` of {EXTRA_CLUES} new clues in the middle took "
             f"{res['reload']['seconds']:.1f} s (exit {res['reload']['rc']}); {res['metric']} per process before → "
             f"after: " + ", ".join(f"{res['metric_before'][u]:,} → {res['metric_after'][u]:,}"
                                    if res['metric_before'][u] is not None and res['metric_after'][u] is not None
                                    else f"{res['metric_before'][u]} → {res['metric_after'][u]}"
                                    for u in res["metric_after"]),
             f"- viewers per process: {res['viewers_per_process']}",
             (f"- nginx: {ng['requests']} requests; per process {ng['per_upstream']}; websockets per process "
             f"{ng['websockets_per_upstream']}; {ng['unpinned_requests']} requests before a browser was pinned "
             f"(first page, health checks), {ng['misrouted_count']} requests of a pinned browser elsewhere; "
             f"{ng['http_5xx']} × 5xx"),
             *([(f"- Streamlit's scripts (/static/…js) through nginx: {ng['streamlit_js']['responses']} responses, "
                 f"{ng['streamlit_js']['gzipped']} of them compressed by nginx; "
                 f"{ng['streamlit_js']['bytes_sent'] / 1e6:.1f} MB sent for "
                 f"{ng['streamlit_js']['bytes_uncompressed'] / 1e6:.1f} MB of script")]
               if ng.get("streamlit_js", {}).get("responses") else []),
             f"- errors: {len(res['errors'])}" + ("" if not res["errors"] else "\n  - " + "\n  - ".join(
                 res["errors"][:20]))]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
