"""Reload under load (issue 10): the real app on 127.0.0.1, several browser sessions rendering continuously, ten
loads in a row (some killed with SIGKILL at random points). No session may see an error or a lock message; every
render shows the old or the new data, never a mix; afterwards the database holds exactly the loaded rows."""
from __future__ import annotations

import csv
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from huxin import db
from tests.browser.conftest import app_server

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
PER_LOAD = 40
H = ["线索编号", "来源渠道", "反映时间", "所属区县", "被反映单位", "涉及人数", "涉及金额（元）", "办理状态"]


def _ledger(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(H)
        for i in range(PER_LOAD):
            # received inside the campaign and the year: both home-page counts move by PER_LOAD per load
            w.writerow([f"RL{n:02d}-{i:03d}", "12345热线", "2026-11-18", "祥符区", f"重载测试公司{n}", "2", "3000", "办理中"])
    return path


def _count(text: str, label: str) -> int | None:
    m = re.search(label + r"\s*\n?\s*([\d,]+)", text)
    return int(m.group(1).replace(",", "")) if m else None


def test_loads_while_sessions_render(city_db: Path, browser: Any, tmp_path: Path) -> None:
    dbp = tmp_path / "live.duckdb"
    shutil.copyfile(city_db, dbp)
    con = duckdb.connect(str(dbp), read_only=True)
    base_rows = con.execute("SELECT count(*) FROM clues").fetchall()[0][0]
    con.close()
    ledgers = [_ledger(tmp_path / f"l{n}.csv", n) for n in range(10)]
    rng = random.Random(20261120)
    kill_plan = {2: 0.6, 5: 1.2, 8: 2.0}          # load index -> seconds before SIGKILL
    completed: list[int] = []
    load_errors: list[str] = []
    done = threading.Event()

    def run_loads() -> None:
        try:
            for n, f in enumerate(ledgers):
                proc = subprocess.Popen([sys.executable, "-m", "etl", "--db", str(dbp), "load", str(f)], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
                if n in kill_plan:
                    time.sleep(kill_plan[n] * rng.uniform(0.5, 1.5))
                    if proc.poll() is None:
                        os.killpg(proc.pid, signal.SIGKILL)
                _, err = proc.communicate(timeout=300)
                if proc.returncode == 0:
                    completed.append(n)
                elif proc.returncode != -signal.SIGKILL:
                    load_errors.append(f"load {n}: rc={proc.returncode} {err[-500:]}")
                time.sleep(0.3)
        finally:
            done.set()

    seen: list[tuple[int, int]] = []
    problems: list[str] = []
    (tmp_path / "app").mkdir()
    with app_server(dbp, tmp_path / "app") as url:
        pages = [browser.new_context(viewport={"width": 1400, "height": 900}).new_page() for _ in range(3)]
        for pg in pages:   # warm up: one render each before the loads start
            pg.goto(url + "/", wait_until="domcontentloaded")
            pg.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
        loader = threading.Thread(target=run_loads)
        loader.start()
        deadline = time.monotonic() + 600
        i = 0
        while (not done.is_set() or i < 6) and time.monotonic() < deadline:
            pg = pages[i % len(pages)]
            i += 1
            pg.reload(wait_until="domcontentloaded")
            try:
                pg.wait_for_function(
                    "() => document.querySelectorAll('[data-testid=stMetric]').length >= 12"
                    " && !document.querySelector('[data-testid=stStatusWidget] [data-testid=stSpinner]')",
                    timeout=120_000)
            except Exception as e:  # noqa: BLE001 - reported below with the page text
                problems.append(f"render {i}: not ready ({type(e).__name__})")
                continue
            text = pg.inner_text('[data-testid="stMain"]')
            if pg.query_selector('[data-testid="stException"]') or re.search(
                    r"Traceback|IO Error|Could not set lock|Conflicting lock|database is locked", text):
                problems.append(f"render {i}: error shown: {text[:300]}")
            year, camp = _count(text, "本年受理线索"), _count(text, "本次行动受理线索")
            if year is not None and camp is not None:
                seen.append((year, camp))
        loader.join()
        for pg in pages:
            pg.context.close()
    assert not load_errors, load_errors
    assert not problems, problems[:5]
    assert len(seen) >= 6
    # never a mix: within one render both counts come from the same version, so their difference never changes,
    # and every year count is the base plus a whole number of loads
    diffs = {y - c for y, c in seen}
    assert len(diffs) == 1, diffs
    base_year = min(y for y, _ in seen)
    assert all((y - base_year) % PER_LOAD == 0 for y, _ in seen), seen
    assert max(y for y, _ in seen) > base_year, "the sessions saw at least one reload"
    # whole loads only: every successful load, and a killed one either entirely (SIGKILL after its atomic publish,
    # before the process exited) or not at all; no temporary files left behind
    con = duckdb.connect(str(dbp), read_only=True)
    try:
        rows = con.execute("SELECT count(*) FROM clues").fetchall()[0][0]
        per_load = dict(con.execute("SELECT left(clue_id, 4), count(*) FROM clues WHERE clue_id LIKE 'RL%' "
                                    "GROUP BY 1").fetchall())
    finally:
        con.close()
    present = {int(k[2:]) for k in per_load}
    assert set(per_load.values()) <= {PER_LOAD}, per_load
    assert set(completed) <= present and present - set(completed) <= set(kill_plan), (completed, present)
    assert rows == base_rows + PER_LOAD * len(present)
    db.cleanup_stale(dbp)
    assert not db.stale_temp_files(dbp)
