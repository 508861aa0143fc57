"""A/B in the browser: two versions of the dashboard (git revisions, the working tree, or one of them with other
environment variables) served on fresh servers one after the other, the order alternating from round to round (A B,
B A, ...), so that the shared machine's drift, which changes the browser's speed by half from one hour to the next
(bench/RESULTS.md, ninth round), hits both alike. Every conclusion of the ninth to twelfth rounds came from runs
like these.

    python bench/ab_browser.py --a HEAD~1 --scale province --pages weekly map --rounds 6
    python bench/ab_browser.py --a HEAD --b HEAD --b-env ARREARS_PLOT_MAX_COUNTIES=0 --scale city --pages map --sidebar

Each round and version: a new `streamlit run` server on the scale's demo database (bench/etl_bench.py makes them),
导入情况 loaded once by a returning viewer's browser profile, then for each page a first visit (a new browser context:
nothing cached, the server having served the pages before it) and --again loads by the returning viewer (new tabs,
scripts cached). With --sidebar, one tab then opens 首页 and goes through the pages by their sidebar links, DWELL_S
on each (browser_bench's 'sidebar'). Readiness is browser_bench's (huxin.snapshot.wait_for_ready).

A revision is served from a `git worktree` of it (removed afterwards); "." is the working tree as it is. The
measuring code is always this tree's, so both versions are timed alike. Prints, per page and kind, each version's
median [min–max] and the median of the paired differences B − A of the rounds.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_bench import DWELL_S, load_page, new_context, page_url, sidebar_walk
from bench.common import AS_OF, PAGES, SCALES, db_file, fmt_s, machine_note, md_table
from huxin.snapshot import ROOT

Times = dict[str, list[float]]   # "page kind" -> seconds, one per round


@contextlib.contextmanager
def checkout(rev: str, path: Path) -> Iterator[Path]:
    """The dashboard at git revision ``rev`` in a new worktree at ``path`` (removed afterwards); "." = this tree."""
    if rev == ".":
        yield ROOT
        return
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev], check=True,
                   capture_output=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False,
                       capture_output=True)


def one_round(root: Path, env: dict[str, str], scale: str, pages: list[str], again: int, sidebar: bool,
              dwell_s: float, timeout_s: float) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from huxin import snapshot as S

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="huxin-ab-") as d, \
            S.serve_app(db_file(scale), app_dir=Path(d), log=Path(d) / "streamlit.log", timeout_s=240, extra_env=env,
                      root=root) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=S.find_chromium(), args=S.CHROMIUM_ARGS, headless=True)
        try:
            warm = new_context(browser)
            load_page(browser, page_url(base, "quality", AS_OF.isoformat()), timeout_s, warm)
            for key in pages:
                out[f"{key} first"] = load_page(browser, page_url(base, key, AS_OF.isoformat()), timeout_s)[0]
                if again:
                    out[f"{key} again"] = statistics.median(
                        load_page(browser, page_url(base, key, AS_OF.isoformat()), timeout_s, warm)[0]
                        for _ in range(again))
            if sidebar:
                out.update({f"{key} sidebar": t for key, t in sidebar_walk(warm, base, pages, timeout_s, dwell_s).items()})
            warm.close()
        finally:
            browser.close()
    return out


def report(a: Times, b: Times, label_a: str, label_b: str) -> str:
    def spread(xs: list[float]) -> str:
        return f"{fmt_s(statistics.median(xs))} [{fmt_s(min(xs))}–{fmt_s(max(xs))}]" if xs else "—"

    rows = []
    for k in a:
        pairs = list(zip(a[k], b.get(k, []), strict=False))
        diff = statistics.median(y - x for x, y in pairs) if pairs else None
        rows.append([k, str(len(pairs)), spread(a[k]), spread(b.get(k, [])),
                     "—" if diff is None else f"{round(diff, 2) + 0.0:+.2f}"])   # + 0.0: no "-0.00"
    return md_table(["page, load", "rounds", f"A: {label_a} s", f"B: {label_b} s", "B − A, median of pairs s"], rows)


def parse_env(items: list[str]) -> dict[str, str]:
    env = {}
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k:
            raise SystemExit(f"--a-env/--b-env expect NAME=VALUE, got {item!r}")
        env[k] = v
    return env


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, metavar="REV", help='version A: a git revision, or "." for the working tree')
    ap.add_argument("--b", default=".", metavar="REV", help='version B (default ".": the working tree)')
    ap.add_argument("--a-env", action="append", default=[], metavar="NAME=VALUE", help="environment of A's server")
    ap.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE", help="environment of B's server")
    ap.add_argument("--scale", choices=SCALES, default="province")
    ap.add_argument("--pages", nargs="+", choices=PAGES, default=["home", "weekly", "map"])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--again", type=int, default=1, help="returning viewer's loads per page and round (median)")
    ap.add_argument("--sidebar", action="store_true", help="also go through the pages by the sidebar")
    ap.add_argument("--dwell", type=float, default=DWELL_S, metavar="S")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args(argv)
    if not db_file(args.scale).exists():
        print(f"[{args.scale}] no database; run bench/etl_bench.py first", file=sys.stderr)
        return 2
    label_a = args.a + "".join(f" {e}" for e in args.a_env)
    label_b = args.b + "".join(f" {e}" for e in args.b_env)
    res: dict[str, Times] = {"A": {}, "B": {}}
    with tempfile.TemporaryDirectory(prefix="huxin-ab-trees-") as trees, \
            checkout(args.a, Path(trees) / "a") as root_a, checkout(args.b, Path(trees) / "b") as root_b:
        versions = {"A": (root_a, parse_env(args.a_env)), "B": (root_b, parse_env(args.b_env))}
        for r in range(args.rounds):
            for name in ("A", "B") if r % 2 == 0 else ("B", "A"):
                root, env = versions[name]
                got = one_round(root, env, args.scale, args.pages, args.again, args.sidebar, args.dwell, args.timeout)
                for k, v in got.items():
                    res[name].setdefault(k, []).append(v)
                print(f"  round {r + 1} {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in got.items()),
                      file=sys.stderr, flush=True)
    print(f"Browser A/B at {args.scale} scale, as of {AS_OF}, {args.rounds} rounds alternating (A B, B A, ...), a "
          f"fresh server per round and version; {machine_note()}\n")
    print(report(res["A"], res["B"], label_a, label_b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
