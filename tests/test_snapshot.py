"""Page pictures: capture tokens, carrying a session's view to the capture render, the stamp, the ui furniture,
and ``python -m etl snapshot`` end to end (that part needs Chromium: skipped without it, a failure in CI)."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from huxin import snapshot as S
from tests.conftest import AS_OF, ROOT

QIXIAN = "410221"  # 杞县, a county of 开封市


# ---------------------------------------------------------------------------------------------
# Tokens
def test_token_round_trip_and_key_file_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARREARS_APP_DIR", str(tmp_path))
    tok = S.make_token("张三", "county_user", QIXIAN, unmask=False, state={"k": ["a", {"$d": "2026-11-16"}]})
    p = S.read_token(tok)
    assert (p["u"], p["r"], p["c"], p["m"]) == ("张三", "county_user", QIXIAN, False)
    assert p["s"] == {"k": ["a", {"$d": "2026-11-16"}]}
    assert stat.S_IMODE((tmp_path / "capture.key").stat().st_mode) == 0o600
    assert len((tmp_path / "capture.key").read_bytes()) == 32


def test_token_is_single_use_expires_and_cannot_be_forged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARREARS_APP_DIR", str(tmp_path))
    tok = S.make_token("u", "city_analyst")
    S.read_token(tok)
    with pytest.raises(S.CaptureTokenError, match="已使用过"):
        S.read_token(tok)

    old = S.make_token("u", "city_analyst", ttl_s=120, now=1_000_000.0)
    with pytest.raises(S.CaptureTokenError, match="已过期"):
        S.read_token(old)

    # a payload upgraded to city_admin with unmask, keeping the old signature
    body, sig = S.make_token("u", "county_user", QIXIAN).split(".")
    payload = json.loads(S._unb64(body))
    payload.update(r="city_admin", c=None, m=True)
    forged = S._b64(json.dumps(payload).encode()) + "." + sig
    with pytest.raises(S.CaptureTokenError, match="无效"):
        S.read_token(forged)
    for junk in ("", "abc", "a.b.c", "!!!.???"):
        with pytest.raises(S.CaptureTokenError):
            S.read_token(junk)

    # another app dir = another key: its tokens mean nothing here
    other = tmp_path / "other"
    monkeypatch.setenv("ARREARS_APP_DIR", str(other))
    foreign = S.make_token("u", "city_admin")
    monkeypatch.setenv("ARREARS_APP_DIR", str(tmp_path))
    with pytest.raises(S.CaptureTokenError, match="无效"):
        S.read_token(foreign)


# ---------------------------------------------------------------------------------------------
# The session's widget values
def test_widget_values_survive_the_trip_typed() -> None:
    values = {"d": dt.date(2026, 11, 16), "rng": (dt.date(2026, 1, 1), dt.date(2026, 11, 20)), "lst": ["红", "橙"],
              "n": 3, "x": 1.5, "s": "本年", "none": None, "t": dt.datetime(2026, 11, 20, 8, 30), "b": True}
    wire = json.loads(json.dumps({k: S.encode_value(v) for k, v in values.items()}))
    back = {k: S.decode_value(v) for k, v in wire.items()}
    assert back == values
    assert isinstance(back["rng"], tuple) and isinstance(back["d"], dt.date)
    for bad in ({"a": 1}, [[1, 2]], float("nan"), b"bytes", object()):
        with pytest.raises(TypeError):
            S.encode_value(bad)


def test_transferable_state_keeps_filters_and_drops_identity_buttons_and_bulk() -> None:
    session = {"map_levels": ["red"], "map_points": False, "rk_period": "year", "period": (AS_OF, AS_OF),
               "go_button": False, "user": "someone", "demo_role": "city_admin", "unmask_toggle": True,
               "as_of": AS_OF, "login_password": "secret123", "_capture_user": ("a", "b", None),
               "FormSubmitter:login_form-登录": False, "$$ID-abc-None": 3, "_png_weekly": {"png": b"x"},
               "selection": {"rows": [1]}, "frame": object()}
    out = S.transferable_state(session, triggers={"go_button"})
    assert out == {"map_levels": ["red"], "map_points": False, "rk_period": "year",
                   "period": {"$t": [{"$d": AS_OF.isoformat()}, {"$d": AS_OF.isoformat()}]}}
    # unknown widget kinds (Streamlit internals moved): no boolean at all rather than a button's
    assert "map_points" not in S.transferable_state(session, triggers=None)
    # a huge text (the weekly briefing draft) is dropped first so the URL stays short
    big = S.transferable_state({**session, "draft": "字" * (S.MAX_STATE_CHARS + 10)}, triggers={"go_button"})
    assert "draft" not in big and "map_levels" in big


# ---------------------------------------------------------------------------------------------
# The capture render (AppTest: the same app.py, auth and ui code a served app runs)
def test_capture_token_renders_as_the_token_user_with_their_state(make_db: Any, app_test: Any) -> None:
    db = make_db()
    tok = S.make_token("李四", "county_user", QIXIAN, state={"rk_period": "year", "f_levels": ["red"],
                                                           "the_week": {"$d": "2026-11-16"}})
    # the session's own demo role is city_admin: the token decides who the render runs as
    at = app_test(db, role="city_admin", query={S.TOKEN_PARAM: tok, "mode": "present"})
    assert not at.exception and not at.error
    assert at.session_state[S.CAPTURE_SESSION_KEY] == ("李四", "county_user", QIXIAN)
    assert at.session_state["rk_period"] == "year" and at.session_state["f_levels"] == ["red"]
    assert at.session_state["the_week"] == dt.date(2026, 11, 16)
    assert S.TOKEN_PARAM not in at.query_params  # not left in the URL for links built from it
    stamp = " ".join(c.value for c in at.caption)
    assert "县区用户（杞县 410221）" in stamp and "筛选条件：无" in stamp and "内部资料 注意保密" in stamp
    assert any("范围：杞县" in m.value for m in at.markdown)
    # later reruns of that session stay that user (the token is spent)
    at.run()
    assert not at.exception and at.session_state[S.CAPTURE_SESSION_KEY][1] == "county_user"


def test_bad_or_reused_token_shows_nothing_but_the_refusal(make_db: Any, app_test: Any) -> None:
    db = make_db()
    tok = S.make_token("李四", "county_user", QIXIAN)
    first = app_test(db, query={S.TOKEN_PARAM: tok})
    assert not first.error
    again = app_test(db, query={S.TOKEN_PARAM: tok})
    assert [e.value for e in again.error] == ["截图令牌已使用过，请重新导出。"]
    assert not again.metric and not again.title  # no page content behind the refusal
    forged = app_test(db, query={S.TOKEN_PARAM: tok[:-3] + "AAA"})
    assert [e.value for e in forged.error] == ["截图令牌无效。"] and not forged.metric


def _stamp_script() -> None:
    from huxin import ui

    ui.page("home", "测试页")
    ui.set_filters_desc("排序：得分；搜索：**粗体**<b>")


def test_present_stamp_carries_filters_literally_and_interactive_has_the_button(make_db: Any, use_db: Any,
                                                                                monkeypatch: pytest.MonkeyPatch,
                                                                                ) -> None:
    from streamlit.testing.v1 import AppTest

    use_db(make_db())
    at = AppTest.from_function(_stamp_script, default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.query_params["mode"] = "present"
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    stamp = next(c for c in captions if "筛选条件" in c)
    assert "筛选条件：排序：得分；搜索：\\*\\*粗体\\*\\*\\<b\\>" in stamp  # escaped: shown as typed, not bold/HTML
    assert "数据截至 2026年11月20日" in stamp and "内部资料 注意保密" in stamp
    assert not [b for b in at.button if "导出本页图片" in b.label]

    at = AppTest.from_function(_stamp_script, default_timeout=60)
    at.session_state["as_of"] = AS_OF
    at.run()
    button = next(b for b in at.sidebar.button if "导出本页图片" in b.label)
    # without Chromium the user is told what to install, in Chinese
    monkeypatch.setattr(S, "find_chromium", lambda path=None: (_ for _ in ()).throw(S.SnapshotError(S.INSTALL_HINT)))
    button.click().run()
    assert [e.value for e in at.sidebar.error] == ["未找到 Chromium，请安装：sudo apt-get install chromium fonts-noto-cjk"]


def test_find_chromium_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nope"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(S, "CHROMIUM_CANDIDATES", (str(tmp_path / "chromium"),))
    with pytest.raises(S.SnapshotError) as e:
        S.find_chromium()
    assert str(e.value) == "未找到 Chromium，请安装：sudo apt-get install chromium fonts-noto-cjk"
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert S.find_chromium() == str(fake)


# ---------------------------------------------------------------------------------------------
# The stamp band
def test_stamp_band_is_added_under_the_picture() -> None:
    from PIL import Image

    src = Image.new("RGB", (S.WIDTH, S.HEIGHT), (240, 244, 250))
    buf = io.BytesIO()
    src.save(buf, "PNG")
    lines = S.stamp_band_lines("数据截至 2026年11月20日　｜　筛选条件：无　｜　范围：开封市　｜　内部资料 注意保密", "周调度",
                               "张三", when=dt.datetime(2026, 11, 23, 9, 5))
    assert lines == ["数据截至 2026年11月20日　｜　筛选条件：无　｜　范围：开封市",
                     "护薪调度台 · 周调度　导出：张三　导出时间：2026-11-23 09:05"]
    out = Image.open(io.BytesIO(S.add_stamp_band(buf.getvalue(), lines))).convert("RGB")
    assert out.width == S.WIDTH and 60 < out.height - S.HEIGHT < 200
    assert out.crop((0, 0, S.WIDTH, S.HEIGHT)).getcolors() == [(S.WIDTH * S.HEIGHT, (240, 244, 250))]
    band = out.crop((0, S.HEIGHT, S.WIDTH, out.height))
    left, right = band.crop((0, 0, S.WIDTH // 2, band.height)), band.crop((S.WIDTH * 3 // 4, 0, S.WIDTH, band.height))
    assert sum(1 for p in left.getdata() if max(p) < 140) > 500          # grey text: the stamp lines
    assert sum(1 for r, g, b in right.getdata() if r > 150 and g < 60 and b < 60) > 300  # red 内部资料 注意保密
    # a very long filter text wraps instead of running under the red mark
    long = S.add_stamp_band(buf.getvalue(), ["筛选条件：" + "很长的条件" * 120])
    assert Image.open(io.BytesIO(long)).height > out.height


def test_urls() -> None:
    assert S.page_url("http://127.0.0.1:8501/", "home", {"mode": "present", "x": ""}) == \
        "http://127.0.0.1:8501/?mode=present"
    url = S.page_url("http://127.0.0.1:8501", "weekly", {"week": "2026-11-16", S.TOKEN_PARAM: "abc.def"})
    assert url == "http://127.0.0.1:8501/weekly?week=2026-11-16&capture=abc.def"
    assert S.strip_token(url) == "http://127.0.0.1:8501/weekly?week=2026-11-16"
    assert S.is_foreign("https://fonts.gstatic.com/x.svg") and not S.is_foreign("http://localhost:1/x")
    assert not S.is_foreign("data:image/png;base64,xx") and not S.is_foreign("blob:http://127.0.0.1/x")


# ---------------------------------------------------------------------------------------------
# The CLI
def test_cli_page_selection_and_dates() -> None:
    from etl.cmd_snapshot import dates_for, select_pages

    avail = ["home", "weekly", "ranking", "map"]
    assert select_pages("all", avail) == avail
    assert select_pages("预警地图，周调度,weekly", avail) == ["weekly", "map"]  # navigation order, no duplicates
    assert select_pages("首页,县区排名", avail) == ["home", "ranking"]
    with pytest.raises(ValueError, match="未知页面：周报.*周调度（weekly）"):
        select_pages("周调度,周报", avail)
    with pytest.raises(ValueError, match="尚不存在"):
        select_pages("clearing", avail)
    # a finished week is captured as of its Sunday; the running week as of today; any day picks its Monday
    assert dates_for(dt.date(2026, 11, 18), None, today=dt.date(2026, 11, 30)) == (dt.date(2026, 11, 16),
                                                                                dt.date(2026, 11, 22))
    assert dates_for(dt.date(2026, 11, 16), None, today=dt.date(2026, 11, 20)) == (dt.date(2026, 11, 16),
                                                                                dt.date(2026, 11, 20))
    assert dates_for(None, None, today=dt.date(2026, 11, 20)) == (None, dt.date(2026, 11, 20))


def test_cli_without_chromium_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from etl.__main__ import main

    monkeypatch.setattr(S, "find_chromium", lambda path=None: (_ for _ in ()).throw(S.SnapshotError(S.INSTALL_HINT)))
    rc = main(["snapshot", "--week", "2026-11-16", "--out", str(tmp_path / "out"), "--db", str(tmp_path / "x.db")])
    assert rc == 3
    assert "sudo apt-get install chromium fonts-noto-cjk" in capsys.readouterr().err
    assert main(["snapshot", "--pages", "周报", "--out", str(tmp_path / "o")]) == 2


@pytest.mark.browser
def test_cli_snapshot_end_to_end(city_db: Path, tmp_path: Path) -> None:
    """Starts the app on a free port, writes a PNG per page and an index, audits each, stops the server."""
    from tests.browser.conftest import require_chromium

    require_chromium()
    out, app_dir = tmp_path / "截图", tmp_path / "app"
    env = {**os.environ, "ARREARS_APP_DIR": str(app_dir)}
    res = subprocess.run([sys.executable, "-m", "etl", "snapshot", "--db", str(city_db), "--week", "2026-11-16",
                          "--as-of", AS_OF.isoformat(), "--pages", "周调度,quality", "--out", str(out)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [p["key"] for p in index["pages"]] == ["weekly", "quality"]
    assert index["week"] == "2026-11-16" and index["as_of"] == AS_OF.isoformat()
    from PIL import Image

    for p in index["pages"]:
        assert not p["problems"] and not p["blocked"], p
        assert "week=2026-11-16" in p["url"] and "mode=present" in p["url"] and S.TOKEN_PARAM not in p["url"]
        assert f"数据截至 {AS_OF:%Y年%m月%d日}" in p["stamp"] and "市级分析员" in p["stamp"], p["stamp"]
        im = Image.open(out / p["file"])
        assert im.width == S.WIDTH and im.height > S.HEIGHT
    html = (out / "index.html").read_text(encoding="utf-8")
    assert all(p["file"] in html for p in index["pages"]) and "内部资料 注意保密" in html
    audits = [json.loads(x) for x in (app_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(a["event"], a["page"], a["format"]) for a in audits if a["event"] == "export"] == \
        [("export", "weekly", "png"), ("export", "quality", "png")]
    # it stopped the server it started
    port = int(re.search(r"127\.0\.0\.1:(\d+)", res.stdout).group(1))
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


class FakePage:
    """What wait_for_ready sees of a page: one STATE_JS result per check, the last one repeated."""

    def __init__(self, states: list[dict]) -> None:
        self.states, self.checks = states, 0

    def evaluate(self, js: str) -> dict:
        assert js == S.STATE_JS
        self.checks += 1
        return self.states[min(self.checks - 1, len(self.states) - 1)]


def _state(pending: str = "", height: int = 900, paint: tuple[float, ...] = ()) -> dict:
    return {"pending": pending, "height": height, "paint": list(paint)}


def test_wait_for_ready_counts_from_the_final_state_of_the_maps_paint() -> None:
    # the canvas is painted with labels and points first (0.188), the counties a few checks later (0.387): ready
    # is the first check that saw the final picture, not the first check that saw any paint
    page = FakePage([_state("script running"), _state(paint=(0.188,)), _state(paint=(0.188,)),
                     _state(paint=(0.387,))])
    t0 = time.monotonic()
    ready = S.wait_for_ready(page, settle_s=0.05, poll_s=0.01)
    assert page.checks >= 4 + 5
    assert 0.025 <= ready <= time.monotonic() - t0 - 0.05
    # and a height change restarts the wait just the same
    page = FakePage([_state(height=500), _state(height=500), _state(height=500), _state(height=900)])
    assert S.wait_for_ready(page, settle_s=0.05, poll_s=0.01) >= 0.025


def test_wait_for_ready_times_out_on_an_unpainted_map() -> None:
    with pytest.raises(S.SnapshotError, match="deck"):
        S.wait_for_ready(FakePage([_state("deck", paint=(0.0,))]), timeout_s=0.2, poll_s=0.01)
