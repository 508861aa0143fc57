"""Build a demo database: regions + generated ledgers loaded through the real loader (so the demo exercises it)."""
from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from etl.demo import write_demo_ledgers
from etl.load import LoadResult, init_database, load_files
from etl.regions import scope_level, scope_name
from huxin import db, geo
from huxin.config import DATA_DIR

DEFAULT_CITY = "410200"  # 开封市
SCALES = ("city", "province", "national")


def scope_for(city: str, scale: str) -> str:
    if scale == "city":
        return city
    if scale == "province":
        return city[:2] + "0000"
    return "all"


def build_demo_database(target: Path, city: str = DEFAULT_CITY, as_of: dt.date | None = None, scale: str = "city",
                        seed: int = 7, ledger_dir: Path | None = None,
                        progress: Callable[[float, str], None] | None = None) -> LoadResult:
    """Generate demo ledgers as files and load them; the finished database replaces ``target`` atomically."""
    as_of = as_of or dt.date.today()
    say = progress or (lambda f, m: None)
    if scale not in SCALES:
        raise ValueError(f"scale 应为 {'/'.join(SCALES)}")
    scope_level(city)
    scope = scope_for(city, scale)
    counties = geo.counties_in(scope)
    out_dir = ledger_dir or (DATA_DIR / "demo" / scale)
    say(0.05, f"正在生成演示台账（{scope_name(scope)}，{len(counties)} 个区县）…")
    files = write_demo_ledgers(out_dir, counties, as_of, scale=scale, seed=seed,
                               city_name=geo.region_names("city").get(city, "示例市"))
    # Build next to the target, then swap it in under the target's writer lock: a running app never sees the
    # half-built database (an empty one between init and load).
    build = target.with_name(target.name + ".demo-build")
    for p in (build, build.with_name(build.name + ".lock")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    say(0.35, "正在建立区划和边界…")
    init_database(build, scope)
    say(0.45, "正在通过导入程序加载演示台账…")
    result = load_files(build, files, today=max(as_of, dt.date.today()), command=f"demo --scale {scale}",
                        is_demo=True)
    db.publish(target, build)
    with contextlib.suppress(FileNotFoundError):
        build.with_name(build.name + ".lock").unlink()
    say(1.0, "演示数据已就绪")
    return result
