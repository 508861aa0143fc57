"""Subcommand snapshot: one presentation-mode PNG per page, plus an index, for the weekly briefing job.

    python -m etl snapshot --week 2026-11-16 --pages all --out 截图/2026-11-16
    python -m etl snapshot --week 2026-11-16 --pages 周调度,预警地图 --out DIR --url http://127.0.0.1:8501

Without --url the app is started on a free loopback port on the database (--db / $ARREARS_DB) and stopped again
afterwards, whatever happens. The pictures are the server-side capture the 「导出本页图片」 button makes
(huxin.snapshot), so a scheduled job and a person get the same picture.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import json
import sys
from pathlib import Path

from etl.common import add_db_arg, parse_day, resolve_db

JOB_USER = "定时截图"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("snapshot", help="页面截图（演示模式 PNG）/ page screenshots",
                       description="以演示模式（1920×1080）截取各页面，每页一张 PNG（下方注明数据截至、筛选条件、范围和"
                                   "「内部资料 注意保密」），并生成 index.html / index.json。需要 Chromium 和中文字体：\n"
                                   "  sudo apt-get install chromium fonts-noto-cjk\n"
                                   "Capture each page in presentation mode; one PNG per page plus an index.",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--week", type=parse_day, help="调度周（该周任一天，按所在周一计）/ the week (its Monday)")
    p.add_argument("--as-of", type=parse_day, help="数据截至日期；默认为该周周日与今天中较早者，无 --week 时为今天 / "
                                                   "as-of date (default: the week's Sunday, or today)")
    p.add_argument("--pages", default="all", help="all，或逗号分隔的页面名/键，如 周调度,预警地图 或 weekly,map")
    p.add_argument("--out", required=True, type=Path, help="输出目录 / output directory")
    p.add_argument("--url", help="使用已在运行的应用（如 http://127.0.0.1:8501），不另行启动 / use a running app")
    p.add_argument("--role", default="city_analyst",
                   help="以哪个角色截图（默认 city_analyst 市级分析员，个人信息脱敏）/ role the pages are rendered as")
    p.add_argument("--county", help="县区代码（--role county_user 时）/ county code for a county user")
    p.add_argument("--timeout", type=float, default=120, help="每页最长等待秒数 / per-page timeout (s)")
    add_db_arg(p)
    p.set_defaults(func=cmd_snapshot)


def select_pages(spec: str, available: list[str]) -> list[str]:
    """'all' or a comma list of keys / navigation titles (周调度) / headings -> page keys in navigation order."""
    from huxin.snapshot import PAGES

    if spec.strip().lower() in ("", "all", "全部"):
        return list(available)
    by_name = {k: k for k in PAGES}
    for k, (nav, heading) in PAGES.items():
        by_name[nav] = by_name[heading] = k
    out: list[str] = []
    for raw in spec.replace("，", ",").split(","):
        name = raw.strip()
        if not name:
            continue
        key = by_name.get(name) or by_name.get(name.lower())
        if key is None:
            names = "、".join(f"{PAGES[k][0]}（{k}）" for k in available)
            raise ValueError(f"未知页面：{name}；可选 {names}，或 all")
        if key not in available:
            raise ValueError(f"页面 {PAGES[key][0]} 尚不存在（pages/{key}.py）。")
        if key not in out:
            out.append(key)
    return sorted(out, key=list(PAGES).index)


def dates_for(week: dt.date | None, as_of: dt.date | None, today: dt.date | None = None) -> tuple[dt.date | None,
                                                                                                  dt.date]:
    """(Monday of the week or None, as-of date). A week still running is captured as of today."""
    today = today or dt.date.today()
    monday = week - dt.timedelta(days=week.weekday()) if week else None
    if as_of is None:
        as_of = min(monday + dt.timedelta(days=6), today) if monday else today
    return monday, as_of


def cmd_snapshot(args: argparse.Namespace) -> int:
    from huxin import audit, auth, snapshot

    try:
        role = auth.role_key(args.role)
        pages = select_pages(args.pages, snapshot.available_pages())
    except ValueError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 2
    if role == "county_user" and not args.county:
        print("错误：--role county_user 需要 --county 县区代码。", file=sys.stderr)
        return 2
    monday, as_of = dates_for(args.week, args.as_of)
    if monday and as_of < monday:
        print(f"错误：数据截至 {as_of} 早于调度周 {monday}。", file=sys.stderr)
        return 2
    try:
        snapshot.find_chromium()
        snapshot.find_cjk_font()
    except snapshot.SnapshotError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 3
    db = resolve_db(args)
    if not args.url and not db.exists():
        print(f"错误：数据库 {db} 不存在。请先运行 python -m etl demo 或 python -m etl load。", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    params = {"mode": "present", "as_of": as_of.isoformat(), **({"week": monday.isoformat()} if monday else {})}

    results: list[dict] = []
    failed = 0
    try:
        with contextlib.ExitStack() as stack:  # stops the server we started, however this ends
            if args.url:
                base = args.url.rstrip("/")
                snapshot.wait_healthy(base, timeout_s=15)
            else:
                base = stack.enter_context(snapshot.serve_app(db, log=out / "streamlit.log"))
            print(f"应用地址：{base}{'' if args.url else '（本次启动，结束后关闭）'}", flush=True)
            cap = stack.enter_context(snapshot.Capturer(timeout_s=args.timeout))
            for i, key in enumerate(pages, 1):
                nav = snapshot.PAGES[key][0]
                token = snapshot.make_token(JOB_USER, role, args.county, False, ttl_s=int(args.timeout) + 60)
                url = snapshot.page_url(base, key, {**params, snapshot.TOKEN_PARAM: token})
                name = f"{i:02d}-{key}-{nav}.png"
                try:
                    shot = cap.capture(url, title=nav, exported_by=JOB_USER)
                except snapshot.SnapshotError as e:
                    failed += 1
                    print(f"  ✗ {nav}：{e}", file=sys.stderr, flush=True)
                    results.append({"key": key, "title": nav, "file": None, "error": str(e)})
                    continue
                (out / name).write_bytes(shot.png)
                audit.audit("export", JOB_USER, role=role, page=key, format="png", via="cli", as_of=str(as_of),
                            week=str(monday) if monday else None, scope=args.county or "全部", file=str(out / name))
                failed += bool(shot.problems)
                mark = "✓" if not shot.problems else "!"
                print(f"  {mark} {nav:<6} {name}  {shot.width}×{shot.height}  就绪 {shot.ready_s:.1f} 秒", flush=True)
                for p in shot.problems:
                    print(f"      页面提示：{p[:300]}", file=sys.stderr)
                    if "截图令牌" in p:
                        print("      （--url 指向的应用须与本命令在同一台机器、使用同一应用目录 ARREARS_APP_DIR，"
                              "截图令牌的密钥保存在那里）", file=sys.stderr)
                results.append({"key": key, "title": nav, "file": name, **shot.meta()})
    except snapshot.SnapshotError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 3
    write_index(out, results, as_of, monday, role, args.county)
    print(f"已写入 {sum(1 for r in results if r.get('file'))} 张图片和索引 {out / 'index.html'}。")
    return 1 if failed else 0


def write_index(out: Path, results: list[dict], as_of: dt.date, monday: dt.date | None, role: str,
                county: str | None) -> None:
    from huxin.auth import ROLES

    made = dt.datetime.now()
    meta = {"as_of": as_of.isoformat(), "week": monday.isoformat() if monday else None, "role": role,
            "county": county, "made": made.isoformat(timespec="seconds"), "pages": results}
    (out / "index.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    e = html.escape
    rows = []
    for r in results:
        if r.get("file"):
            problems = "".join(f"<p class=warn>页面提示：{e(p)}</p>" for p in r.get("problems", []))
            rows.append(f"<section><h2>{e(r['title'])}</h2><p class=stamp>{e(r.get('stamp', ''))}</p>{problems}"
                        f"<a href=\"{e(r['file'])}\"><img src=\"{e(r['file'])}\" alt=\"{e(r['title'])}\"></a>"
                        f"<p class=meta>{e(r['file'])}　{r['width']}×{r['height']}　就绪 {r['ready_s']} 秒</p>"
                        "</section>")
        else:
            rows.append(f"<section><h2>{e(r['title'])}</h2><p class=warn>未能截图：{e(r.get('error', ''))}</p></section>")
    week = f"调度周 {monday:%Y-%m-%d} 起　" if monday else ""
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>护薪调度台 页面截图 {as_of}</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#222}}
img{{max-width:100%;border:1px solid #ccc}}section{{margin-bottom:3rem}}.stamp,.meta{{color:#555}}
.warn{{color:#c00000}}.secret{{color:#c00000;font-weight:bold}}</style></head><body>
<h1>护薪调度台 页面截图</h1>
<p>{e(week)}数据截至 {as_of:%Y年%m月%d日}　角色：{e(ROLES.get(role, role))}{e('　县区：' + county) if county else ''}
　生成时间：{made:%Y-%m-%d %H:%M}</p><p class=secret>内部资料 注意保密</p>
{''.join(rows)}
</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
