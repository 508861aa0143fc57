"""Every page in a real browser (headless system Chromium), on the city demo database, in both modes.

For each page: it loads without an exception or error box; its main chart/table/map is actually drawn; no request
leaves the machine (every request is recorded; only the app's own host is allowed); Chinese renders with a CJK
font (the platform fonts Chromium used for the page heading have glyphs for every Han character in it) and the
screenshot is not blank; a screenshot is saved under artifacts/screenshots/. In presentation mode (?mode=present)
the sidebar, Streamlit's header/toolbar and all input widgets are really hidden, the layout is 1920 px wide, and
the stamp (数据截至｜筛选条件｜范围｜内部资料 注意保密) is on the page.

The 「导出本页图片」 button is exercised end to end: a county user's session asks for a picture, the server renders
it in its own headless Chromium with that user's scope, and the PNG comes back as a download, audited.

One server and one browser serve the whole file (session fixtures); pages are parametrised over the page files
that exist, so a new page is tested as soon as it is added to app.py's catalogue and huxin.snapshot.PAGES.
"""
from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from huxin import snapshot as S
from tests.browser.conftest import LOCAL_HOSTS, TIMINGS
from tests.conftest import AS_OF

pytestmark = pytest.mark.browser

PAGE_KEYS = S.available_pages()
# what must be drawn on each page (every selector needs at least one visible element); other pages: any of them
MAIN: dict[str, tuple[str, ...]] = {
    "home": ('[data-testid="stMetric"]',),
    "weekly": ('[data-testid="stMetric"]', ".js-plotly-plot"),
    "ranking": (".js-plotly-plot", '[data-testid="stDataFrame"] canvas'),
    "drill": ('[data-testid="stDataFrame"] canvas',),
    "map": (".huxin-plot.js-plotly-plot",),   # a city's map is a plotly chart (the deck.gl map: test_map_network)
    "clearing": (".js-plotly-plot",),
    "quality": ('[data-testid="stDataFrame"] canvas',),
}
ANY_MAIN = (".js-plotly-plot", '[data-testid="stDataFrame"] canvas', '[data-testid="stDeckGlJsonChart"] canvas',
            '[data-testid="stTable"]', '[data-testid="stMetric"]')
WIDGETS = ("stSelectbox", "stMultiSelect", "stDateInput", "stButton", "stDownloadButton", "stCheckbox",
           "stSegmentedControl", "stButtonGroup", "stRadio", "stTextInput", "stTextArea", "stSlider", "stExpander",
           "stNumberInput", "stPageLink", "stFileUploader")
CHROME = ('[data-testid="stSidebar"]', 'header[data-testid="stHeader"]', '[data-testid="stToolbar"]',
          '[data-testid="stMainMenu"]', '[data-testid="stExpandSidebarButton"]', '[data-testid="stAppDeployButton"]',
          '[data-testid="stStatusWidget"]', '[data-testid="stSidebarNav"]')
CJK_FONT = re.compile(r"CJK|WenQuanYi|Source Han|Droid Sans Fallback|Hei|Song|Kai|Ming", re.IGNORECASE)


def visible_count(pg: Any, selector: str) -> int:
    return int(pg.evaluate("s => [...document.querySelectorAll(s)].filter(e => e.checkVisibility() && "
                           "e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0).length",
                           selector))


def ink_share(png: bytes) -> float:
    """Share of pixels that are not (near) white."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("L").resize((320, 200))
    px = list(im.getdata())
    return sum(1 for v in px if v < 235) / len(px)


def colours(png: bytes) -> int:
    from PIL import Image

    return len(Image.open(io.BytesIO(png)).convert("RGB").resize((480, 300)).getcolors(1 << 20) or [])


def heading_glyphs(pg: Any, text: str) -> tuple[int, list[dict[str, Any]]]:
    """Glyphs drawn with a CJK font for the page heading, from Chromium's own account of the platform fonts it used
    (DevTools CSS.getPlatformFontsForNode) — a heading drawn as empty boxes has none."""
    found = pg.evaluate("""t => {
        for (const h of document.querySelectorAll('h1')) {
          const w = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
          for (let n = w.nextNode(); n; n = w.nextNode())
            if (n.textContent.includes(t)) { n.parentElement.setAttribute('data-glyph-probe', '1'); return true; }
        }
        return false; }""", text)
    assert found, f"heading {text!r} not found"
    cdp = pg.context.new_cdp_session(pg)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-glyph-probe]"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return sum(f["glyphCount"] for f in fonts if CJK_FONT.search(f["familyName"])), fonts


@pytest.fixture(scope="module")
def contexts(browser: Any) -> Any:
    """One browser context per mode for all pages (scripts and fonts are fetched once, as in an office browser);
    every test still gets its own tab, so its own Streamlit session."""
    made = {present: browser.new_context(viewport={"width": S.WIDTH, "height": S.HEIGHT} if present else
                                         {"width": 1600, "height": 1000}, locale="zh-CN")
            for present in (False, True)}
    yield made
    for ctx in made.values():
        ctx.close()


def open_page(contexts: Any, base: str, key: str, present: bool) -> tuple[Any, S.NetworkWatch, float]:
    pg = contexts[present].new_page()
    watch = S.NetworkWatch(pg)  # from the first request on: the document, scripts, fonts, websocket upgrade, data
    t0 = time.monotonic()
    pg.goto(S.page_url(base, key, {"as_of": AS_OF.isoformat(), "mode": "present" if present else ""}),
            wait_until="domcontentloaded")
    S.wait_for_ready(pg, watch, timeout_s=150)
    return pg, watch, time.monotonic() - t0


def check_page(pg: Any, watch: S.NetworkWatch, key: str, shots: Path, name: str, min_height: int) -> None:
    # no exception, no error box (calendar warnings are st.warning: allowed)
    problems = pg.evaluate(S.PROBLEMS_JS)
    assert not problems["exceptions"], problems["exceptions"]
    assert not problems["errors"], problems["errors"]
    assert "Traceback" not in pg.inner_text('[data-testid="stMain"]')

    # the main content is drawn
    for sel in MAIN.get(key, ()):
        assert visible_count(pg, sel) > 0, f"{key}: nothing visible for {sel}"
    if key not in MAIN:
        assert any(visible_count(pg, s) for s in ANY_MAIN), f"{key}: no chart, table, map or metric drawn"
    if visible_count(pg, ".js-plotly-plot"):
        assert visible_count(pg, ".js-plotly-plot g.trace") > 0, f"{key}: plotly charts without any trace"

    # Chinese renders: heading box non-empty, its Han characters drawn from a CJK font
    heading = S.PAGES.get(key, (key, key))[1]
    box = pg.get_by_role("heading", name=heading, exact=True).first.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 10, f"heading {heading!r} has no size: {box}"
    glyphs, fonts = heading_glyphs(pg, heading)
    han = len(re.findall(r"[\u4e00-\u9fff]", heading))
    assert glyphs >= han, f"heading {heading!r}: {glyphs} CJK glyphs for {han} characters; fonts used: {fonts}"

    # the whole page as a picture: saved for the CI log, and not blank
    S.fit_height(pg, watch, min_height)
    png = pg.screenshot(type="png")
    (shots / name).write_bytes(png)
    assert ink_share(png) > 0.03 and colours(png) > 200, f"{key}: screenshot {shots / name} looks blank"

    # nothing left the machine
    foreign = watch.foreign(LOCAL_HOSTS)
    assert not foreign, f"{key}: requests to other hosts: {foreign}"


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_page_interactive(key: str, city_app: str, contexts: Any, shots_dir: Path) -> None:
    pg, watch, took = open_page(contexts, city_app, key, present=False)
    try:
        TIMINGS.setdefault(key, {})["interactive"] = round(took, 2)
        check_page(pg, watch, key, shots_dir, f"{key}.png", 1000)
        assert visible_count(pg, '[data-testid="stSidebar"]') == 1
        assert pg.get_by_role("button", name=re.compile("导出本页图片")).count() == 1, "no 「导出本页图片」 button"
    finally:
        pg.close()


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_page_present(key: str, city_app: str, contexts: Any, shots_dir: Path) -> None:
    pg, watch, took = open_page(contexts, city_app, key, present=True)
    try:
        TIMINGS.setdefault(key, {})["present"] = round(took, 2)
        hidden = {sel: visible_count(pg, sel) for sel in CHROME}
        assert not any(hidden.values()), f"{key}: visible in presentation mode: {hidden}"
        shown = [w for w in WIDGETS if visible_count(pg, f'[data-testid="{w}"]')]
        assert not shown, f"{key}: input widgets visible in presentation mode: {shown}"
        block = pg.locator('[data-testid="stMainBlockContainer"]').bounding_box()
        assert block and abs(block["width"] - S.WIDTH) <= 1 and abs(block["x"]) <= 1, block
        assert pg.evaluate("document.documentElement.scrollWidth") <= S.WIDTH, "horizontal overflow"
        stamp = pg.evaluate(S.STAMP_JS)
        for part in (f"数据截至 {AS_OF:%Y年%m月%d日}", "筛选条件：", "范围：", "内部资料 注意保密"):
            assert part in stamp, f"{key}: stamp {stamp!r} lacks {part!r}"
        check_page(pg, watch, key, shots_dir, f"{key}-present.png", S.HEIGHT)
    finally:
        pg.close()


def _pick(pg: Any, label: str, option: str) -> None:
    """Choose an option in a Streamlit selectbox by its label."""
    pg.get_by_label(label).first.click()
    pg.get_by_role("option", name=option, exact=False).first.click()


@pytest.mark.skipif("ranking" not in PAGE_KEYS, reason="the ranking page is not there yet")
def test_export_picture_button(city_app: str, city_app_dir: Path, browser: Any, shots_dir: Path) -> None:
    """A county user's view, exported: the picture is rendered by the server with that user's scope."""
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN", accept_downloads=True)
    pg = ctx.new_page()
    try:
        watch = S.NetworkWatch(pg)
        pg.goto(S.page_url(city_app, "ranking", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
        S.wait_for_ready(pg, watch, timeout_s=150)
        _pick(pg, "演示角色", "县区用户")
        S.wait_for_ready(pg, watch, timeout_s=150)
        badge = pg.locator('[data-testid="stMarkdownContainer"]').filter(has_text=re.compile(r"^范围："))
        county = badge.first.inner_text().split("范围：", 1)[1].strip()
        assert county, "no county badge for the county user"

        pg.get_by_role("button", name=re.compile("导出本页图片")).click()
        dl_button = pg.get_by_role("button", name=re.compile("下载图片"))
        dl_button.wait_for(timeout=180_000)
        with pg.expect_download(timeout=30_000) as info:
            dl_button.click()
        png = Path(info.value.path()).read_bytes()
        assert info.value.suggested_filename == f"县区排名_{AS_OF:%Y%m%d}.png"
    finally:
        ctx.close()
    (shots_dir / "export-ranking-county.png").write_bytes(png)

    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("RGB")
    assert im.width == S.WIDTH and im.height > S.HEIGHT
    band = im.crop((im.width * 3 // 4, im.height - 60, im.width, im.height))
    assert any(r > 150 and g < 80 and b < 80 for r, g, b in band.getdata()), "no red 「内部资料 注意保密」 in the band"

    deadline = time.monotonic() + 10  # the download callback writes the audit record
    rec: dict[str, Any] = {}
    while time.monotonic() < deadline and not rec:
        lines = (city_app_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()
        recs = [json.loads(x) for x in lines if '"png"' in x]
        rec = next((r for r in reversed(recs) if r.get("page") == "ranking" and r.get("format") == "png"), {})
        time.sleep(0.3)
    assert rec, "the PNG download was not audited"
    assert rec["event"] == "export" and rec["role"] == "county_user" and rec["unmasked"] is False
    # the stamp was read from the page the server rendered: it ran with the county user's scope and date
    assert "县区用户" in rec["stamp"] and county in rec["stamp"], rec["stamp"]
    assert f"数据截至 {AS_OF:%Y年%m月%d日}" in rec["stamp"], rec["stamp"]


def test_going_through_the_pages_from_the_sidebar_keeps_the_date(city_app: str, page: Any) -> None:
    """A meeting replayed as of a past date: each page reached from the sidebar is ready (huxin.snapshot
    .navigate_sidebar) and computed as of that date. The second page after the first used to show today's data
    (Streamlit drops the value of the previous page's date widget; huxin.ui keeps it)."""
    watch = S.NetworkWatch(page)
    page.goto(S.page_url(city_app, "weekly", {"as_of": AS_OF.isoformat()}), wait_until="domcontentloaded")
    S.wait_for_ready(page, watch, timeout_s=150)
    shown = """() => (document.querySelector('[data-testid="stMain"]').innerText.match(/数据截至 (\\S+?日)/) || [])[1]"""
    want = f"{AS_OF:%Y年%m月%d日}"
    assert page.evaluate(shown) == want
    for key, title in (("ranking", "县区排名"), ("clearing", "春节前清零"), ("home", "护薪调度台"), ("quality", "导入情况"),
                       ("weekly", "周调度")):
        S.navigate_sidebar(page, watch, key, timeout_s=150)
        assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() == title
        assert page.evaluate(shown) == want, key
        assert page.evaluate("() => location.pathname").endswith("/" + ("" if key == "home" else key))
