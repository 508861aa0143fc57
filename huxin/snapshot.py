"""Pictures of pages for briefings: the page rendered by the server in headless Chromium, in presentation mode.

Three users of this module:
- the 「导出本页图片」 button (huxin.ui): ``capture_session_page(pc)`` renders the page the user is looking at — same
  URL parameters, same filter widgets, same week, same role/county and masking — in a separate process and returns
  the PNG with the stamp band (数据截至, filters, scope, 「内部资料 注意保密」);
- ``python -m etl snapshot`` (etl/cmd_snapshot.py): ``serve_app`` starts the app on a free loopback port,
  ``Capturer`` takes one picture per page;
- the browser tests and bench/: ``serve_app``, ``wait_for_ready``, ``NetworkWatch``, ``READY_JS``.

How the capture browser gets the user's view: a session cannot be shared with another browser, so the page URL gets
a short-lived signed *capture token* (HMAC-SHA256 with a key in the app dir, ``capture.key``, mode 0600) that names
the user, role, county, the unmask choice and the session's filter-widget values. ``huxin.auth.current_user()`` asks
``capture_user()`` first; a valid token (unexpired, unused) makes that one render run as that user with that state.
The token is only ever handed to the local headless browser, lives two minutes, and is accepted once.

Offline by construction: Chromium is the system package (never Playwright's download), and in the capture browser
every host name except the app's own resolves to nothing, so no page element can stall on (or leak to) the internet.

Playwright's sync API refuses to run inside an asyncio loop, and Streamlit's script thread is close to one; the
button therefore runs the capture as a subprocess (``python -m huxin.snapshot URL --out FILE``), which also keeps a
crashed Chromium away from the server process.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Self
from urllib.parse import urlencode, urlparse

if TYPE_CHECKING:
    from huxin.auth import User

ROOT = Path(__file__).resolve().parent.parent

# key -> (navigation title, the page's heading). The home page's heading is the app name.
PAGES: dict[str, tuple[str, str]] = {
    "home": ("首页", "护薪调度台"),
    "weekly": ("周调度", "周调度"),
    "ranking": ("县区排名", "县区排名"),
    "drill": ("区域钻取", "区域钻取"),
    "map": ("预警地图", "预警地图"),
    "clearing": ("春节前清零", "春节前清零"),
    "quality": ("导入情况", "导入情况"),
}

WIDTH, HEIGHT = 1920, 1080          # 16:9; pages are laid out for this in presentation mode
MAX_HEIGHT = 12_000                 # a runaway page must not make a gigapixel PNG
PAGE_TIMEOUT_S = 120.0
TOKEN_PARAM = "capture"
TOKEN_TTL_S = 120
MAX_STATE_CHARS = 8_000             # widget state carried in the token (URL length stays far below server limits)
CAPTURE_SESSION_KEY = "_capture_user"
CONFIDENTIAL = "内部资料 注意保密"

INSTALL_HINT = "未找到 Chromium，请安装：sudo apt-get install chromium fonts-noto-cjk"
FONT_HINT = "未找到中文字体（Noto Sans CJK），图片中的汉字无法显示，请安装：sudo apt-get install fonts-noto-cjk"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                       "/usr/bin/google-chrome-stable")
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# Network-quiet, no first-run work; --no-sandbox because servers often run as root or in containers.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-default-apps",
                 "--disable-extensions", "--hide-scrollbars", "--font-render-hinting=none"]
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


class SnapshotError(RuntimeError):
    """The picture could not be made; str(e) is a Chinese sentence for the user."""


class CaptureTokenError(SnapshotError):
    pass


# ---------------------------------------------------------------------------------------------
# Prerequisites
def find_chromium(path: str | None = None) -> str:
    """The system Chromium ($BROWSER_PATH, the Debian paths, then PATH); SnapshotError with the install hint."""
    for cand in (path, os.environ.get("BROWSER_PATH"), *CHROMIUM_CANDIDATES,
                 shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return str(cand)
    raise SnapshotError(INSTALL_HINT)


def find_cjk_font() -> str:
    for p in CJK_FONTS:
        if Path(p).is_file():
            return p
    raise SnapshotError(FONT_HINT)


# ---------------------------------------------------------------------------------------------
# Capture tokens
def capture_key() -> bytes:
    """The HMAC key, created on first use (0600) in the app dir, so every app process on this machine shares it."""
    from huxin.audit import app_dir

    path = app_dir() / "capture.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) < 32:  # a half-written key from a crash: a short key would weaken every token
        raise CaptureTokenError(f"截图密钥文件 {path} 不完整，请删除后重试。")
    return key


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def make_token(name: str, role: str, county: str | None = None, unmask: bool = False,
               state: Mapping[str, Any] | None = None, ttl_s: int = TOKEN_TTL_S, now: float | None = None) -> str:
    now = time.time() if now is None else now
    payload = {"u": name, "r": role, "c": county, "m": bool(unmask), "e": int(now + ttl_s),
               "n": secrets.token_urlsafe(12), "s": dict(state or {})}
    body = _b64(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    sig = _b64(hmac.new(capture_key(), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{sig}"


_used: dict[str, float] = {}          # nonce -> expiry, per server process (a token opens one render)
_used_lock = threading.Lock()


def read_token(token: str, now: float | None = None, consume: bool = True) -> dict[str, Any]:
    """The payload of a valid token; CaptureTokenError otherwise. ``consume`` marks it used."""
    now = time.time() if now is None else now
    try:
        body, sig = token.split(".")
        good = _b64(hmac.new(capture_key(), body.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(sig, good):
            raise ValueError("signature")
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeError) as e:
        raise CaptureTokenError("截图令牌无效。") from e
    if now > float(payload.get("e", 0)):
        raise CaptureTokenError("截图令牌已过期，请重新导出。")
    if consume:
        with _used_lock:
            for k in [k for k, exp in _used.items() if exp < now]:
                del _used[k]
            if payload["n"] in _used:
                raise CaptureTokenError("截图令牌已使用过，请重新导出。")
            _used[payload["n"]] = float(payload["e"])
    return payload


# ---------------------------------------------------------------------------------------------
# The session's filter widgets -> token -> the capture session
# Keys that are identity, login or this module's own: the token carries identity explicitly.
_NEVER = {"user", "as_of", "present_toggle", "unmask_toggle", "_unmask_logged", "_filters_desc", "_stamp_slot",
          CAPTURE_SESSION_KEY, "demo_role", "demo_county", "auth_user", "auth_last_active", "auth_notice",
          "login_name", "login_password"}
_NEVER_PREFIX = ("$$", "FormSubmitter:", "_png", "png_")


def encode_value(v: Any) -> Any:
    """JSON-able form of a widget value, or raise TypeError. Dates and tuples are tagged so they come back typed."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            raise TypeError("non-finite")
        return v
    if isinstance(v, dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$d": v.isoformat()}
    if isinstance(v, list | tuple):
        items = [encode_value(x) for x in v]
        if any(isinstance(x, list | dict) and not _is_tagged_scalar(x) for x in items):
            raise TypeError("nested")
        return {"$t": items} if isinstance(v, tuple) else items
    raise TypeError(type(v).__name__)


def _is_tagged_scalar(x: Any) -> bool:
    return isinstance(x, dict) and len(x) == 1 and next(iter(x)) in ("$d", "$dt")


def decode_value(v: Any) -> Any:
    if isinstance(v, list):
        return [decode_value(x) for x in v]
    if isinstance(v, dict) and len(v) == 1:
        (tag, x), = v.items()
        if tag == "$d":
            return dt.date.fromisoformat(x)
        if tag == "$dt":
            return dt.datetime.fromisoformat(x)
        if tag == "$t":
            return tuple(decode_value(i) for i in x)
    if isinstance(v, dict):
        raise TypeError("untagged dict")
    return v


def _trigger_keys() -> set[str] | None:
    """User keys of button-like widgets in this session (their state cannot be set; Streamlit raises if one is).

    Read from Streamlit's session internals; None when they are not where 1.67 keeps them — then no boolean is
    carried over at all (a toggle filter falls back to its default, which is better than a crashed render)."""
    try:
        from streamlit.runtime.state.session_state_proxy import get_session_state

        state = get_session_state()._state
        mapper, meta = state._key_id_mapper, state._new_widget_state.widget_metadata
        out = set()
        for key in list(mapper._key_id_mapping):
            m = meta.get(mapper.get_id_from_key(key))
            if m is not None and "trigger" in str(m.value_type):
                out.add(key)
        return out
    except Exception:  # noqa: BLE001 - private API; see docstring
        return None


def transferable_state(session: Mapping[str, Any], triggers: set[str] | None) -> dict[str, Any]:
    """The session's plain widget values (selections, dates, ranges, toggles), encoded; the biggest entries are
    dropped first if the lot would make the URL too long."""
    out: dict[str, Any] = {}
    for k, v in session.items():
        if not isinstance(k, str) or k in _NEVER or k.startswith(_NEVER_PREFIX):
            continue
        if isinstance(v, bool) and (triggers is None or k in triggers):
            continue
        try:
            out[k] = encode_value(v)
        except TypeError:
            continue
    sizes = sorted(((len(json.dumps(v, ensure_ascii=False)), k) for k, v in out.items()), reverse=True)
    total = sum(s for s, _ in sizes)
    for s, k in sizes:
        if total <= MAX_STATE_CHARS:
            break
        del out[k]
        total -= s
    return out


def capture_user(st: Any) -> User | None:
    """Called first by huxin.auth.current_user(): the User a capture render runs as, or None for normal sessions.
    An invalid token stops the render with a message (the capture then reports it as a problem)."""
    from huxin.auth import User

    held = st.session_state.get(CAPTURE_SESSION_KEY)
    if held:
        return User(*held)
    token = st.query_params.get(TOKEN_PARAM)
    if not token:
        return None
    try:
        p = read_token(token)
    except CaptureTokenError as e:
        _refuse(st, str(e))
    for k, v in (p.get("s") or {}).items():
        if k not in _NEVER:
            with contextlib.suppress(Exception):
                st.session_state[k] = decode_value(v)
    st.session_state[CAPTURE_SESSION_KEY] = (p["u"], p["r"], p.get("c"))
    st.session_state["unmask_toggle"] = bool(p.get("m"))
    st.session_state["_unmask_logged"] = True  # the export itself is audited, with unmasked=True/False
    del st.query_params[TOKEN_PARAM]
    return User(p["u"], p["r"], p.get("c"))


def _refuse(st: Any, msg: str) -> NoReturn:
    """Show only the message and stop — never fall through to another user's view. It runs as every page of a
    hidden st.navigation: without one, Streamlit would list and run the files in pages/ on its own."""
    def make(key: str) -> Any:
        def refused() -> None:
            st.error(msg, icon=":material/block:")

        refused.__name__ = f"capture_refused_{key}"
        return st.Page(refused, title="截图", url_path=key, default=key == "home")

    st.navigation([make(k) for k in PAGES], position="hidden").run()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


# ---------------------------------------------------------------------------------------------
# Waiting for a Streamlit page to be fully drawn
# How much of each deck.gl map on screen is painted: the share of non-transparent pixels, sampled at 64 x 40. A map
# counts as drawn only when this is above zero and has stopped changing (wait_for_ready). The canvas appearing is not
# enough: the counties arrive as a separate file and deck.gl draws them frames later, and under software WebGL
# (SwiftShader, no GPU: headless Chromium here, and many office PCs) those frames take about a second of GPU work
# after the canvas exists (bench/RESULTS.md, fifth round). deck.gl (luma.gl 9) creates its WebGL context with
# preserveDrawingBuffer, so the canvas can be read back; the readback waits until the GPU has finished drawing.
DECK_PAINT_JS = """() => [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"] canvas')]
  .filter(c => c.checkVisibility() && c.width > 0 && c.height > 0).map(c => {
    const w = 64, h = 40, t = document.createElement('canvas');
    t.width = w; t.height = h;
    const g = t.getContext('2d', {willReadFrequently: true});
    try { g.drawImage(c, 0, 0, w, h); } catch (e) { return 1; }   // unreadable: do not wait for it forever
    const d = g.getImageData(0, 0, w, h).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return Math.round(1000 * n / (w * h)) / 1000;
  })"""
# '' when the script has finished and every element is drawn, else what is still pending. ``paint`` is
# DECK_PAINT_JS's result when the caller has it already (STATE_JS: one readback per check), else it is read here.
READY_JS = """(paint) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no app';
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return 'script ' + state;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return 'connecting';
  const pending = [];
  // only what is on screen: a chart in a closed expander or another tab is not drawn until it is opened
  const shown = s => [...document.querySelectorAll(s)].filter(e => e.checkVisibility());
  for (const s of ['[data-stale="true"]', '[data-testid="stSkeleton"]', '[data-testid="stSpinner"]'])
    if (shown(s).length) pending.push(s);
  for (const c of shown('[data-testid="stPlotlyChart"], .huxin-plot'))
    if (!c.querySelector('.main-svg') && !c.hasAttribute('data-error')) pending.push('plotly');
  const decks = shown('[data-testid="stDeckGlJsonChart"]');
  if (decks.some(c => !c.querySelector('canvas')) || (decks.length && (paint || (__DECK_PAINT__)()).some(x => x === 0)))
    pending.push('deck');
  for (const c of shown('[data-testid="stDataFrame"]'))
    if (!c.querySelector('canvas')) pending.push('dataframe');
  for (const i of shown('[data-testid="stMain"] img'))
    if (!i.complete) pending.push('img');
  if (document.fonts && document.fonts.status !== 'loaded') pending.push('fonts');
  return pending.join(',');
}""".replace("__DECK_PAINT__", DECK_PAINT_JS)
CONTENT_HEIGHT_JS = """() => {
  const m = document.querySelector('[data-testid="stMain"]');
  return Math.ceil(Math.max(m ? m.scrollHeight : 0, document.documentElement.scrollHeight));
}"""
# One round trip per check: what is pending, the content height and the maps' paint (both must stay unchanged).
STATE_JS = f"""() => {{
  const paint = ({DECK_PAINT_JS})();
  return {{pending: ({READY_JS})(paint), height: ({CONTENT_HEIGHT_JS})(), paint}};
}}"""
PROBLEMS_JS = """() => ({
  exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText.slice(0, 400)),
  errors: [...document.querySelectorAll('[data-testid="stAlertContentError"]')].map(e =>
    (e.querySelector('[data-testid="stMarkdownContainer"]') || e).innerText.trim().slice(0, 400)),
})"""
STAMP_JS = """() => { const e = document.querySelector('.st-key-huxin_stamp'); return e ? e.innerText.trim() : ''; }"""


class NetworkWatch:
    """Requests in flight on a Playwright page (the websocket is not a request), and every URL asked for."""

    def __init__(self, page: Any) -> None:
        self.inflight = 0
        self.urls: list[str] = []
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, r: Any) -> None:
        self.inflight += 1
        self.urls.append(r.url)

    def _end(self, _r: Any) -> None:
        self.inflight = max(0, self.inflight - 1)

    def foreign(self, allowed: Sequence[str] = LOCAL_HOSTS) -> list[str]:
        return sorted({u for u in self.urls if is_foreign(u, allowed)})


def is_foreign(url: str, allowed: Sequence[str] = LOCAL_HOSTS) -> bool:
    u = urlparse(url)
    if u.scheme in ("data", "blob", "about", "chrome-error"):
        return False
    return (u.hostname or "") not in allowed


class ReadyWait:
    """The decision behind wait_for_ready, one STATE_JS result at a time (bench/nginx_two_apps.py drives it from an
    async page). Ready = nothing pending, no request in flight, and the content height and the maps' paint unchanged
    for ``settle_s``; the time counted is that of the first check that saw this final state."""

    def __init__(self, settle_s: float = 0.5) -> None:
        self.settle_s = settle_s
        self.t0 = time.monotonic()
        self.quiet_since: float | None = None
        self.seen: tuple[Any, ...] = ()
        self.last = ""     # the last thing waited for (for the timeout message)

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def see(self, state: dict[str, Any] | None, inflight: int = 0, error: str = "") -> float | None:
        """One check: STATE_JS's result (None, with ``error``, when the page could not be asked). Returns the
        seconds until ready once the page has settled, else None."""
        # the time the state was seen: a check waits while the page's main thread is busy (a map's readback waits
        # for the GPU), so the time before the call would count the page as ready too early
        now = time.monotonic()
        if state is None:
            pending, now_seen = error or "navigating", ()
        else:
            pending, now_seen = state["pending"], (state["height"], tuple(state["paint"]))
        if inflight and not pending:
            pending = f"{inflight} requests"
        if pending or now_seen != self.seen:
            self.quiet_since, self.seen = None, now_seen
        elif self.quiet_since is None:
            self.quiet_since = now
        elif now - self.quiet_since >= self.settle_s:
            return self.quiet_since - self.t0
        self.last = pending or self.last
        return None


# The page's title (st.title, in huxin.ui.header) and STATE_JS in one round trip (wait_for_ready's ``not_title``).
_TITLE_AND_STATE_JS = """() => { const h = document.querySelector('[data-testid="stMain"] h1');
  return [h ? h.innerText.trim() : '', (__STATE__)()]; }""".replace("__STATE__", STATE_JS)


def wait_for_ready(page: Any, watch: NetworkWatch | None = None, timeout_s: float = PAGE_TIMEOUT_S,
                   settle_s: float = 0.5, poll_s: float = 0.15, not_title: str | None = None,
                   wait: ReadyWait | None = None) -> float:
    """Block until the Streamlit script has finished, every chart/table/map is drawn, no request is in flight,
    and all that (with the content height and the maps' paint) has stayed so for ``settle_s`` (ReadyWait).
    Returns the seconds until the page was first seen in that final state; SnapshotError on timeout.
    ``not_title``: the page's title must first differ from this (the previous page, still shown after a click, does
    not count); ``wait``: a ReadyWait started earlier, whose start the seconds are counted from."""
    wait = wait or ReadyWait(settle_s)
    while True:
        try:
            if not_title is None:
                state, error = page.evaluate(STATE_JS), ""
            else:
                title, state = page.evaluate(_TITLE_AND_STATE_JS)
                state, error = (state, "") if title and title != not_title else (None, "上一页面")
        except Exception as e:  # noqa: BLE001 - navigation in progress: the context is being replaced
            state, error = None, f"navigating ({type(e).__name__})"
        ready = wait.see(state, watch.inflight if watch is not None else 0, error)
        if ready is not None:
            return ready
        if wait.elapsed() > timeout_s:
            raise SnapshotError(f"页面在 {timeout_s:.0f} 秒内未加载完成（仍在等待：{wait.last or '页面稳定'}）。")
        time.sleep(poll_s)


def navigate_sidebar(page: Any, watch: NetworkWatch | None, key: str, timeout_s: float = PAGE_TIMEOUT_S,
                     settle_s: float = 0.5, poll_s: float = 0.15) -> float:
    """Click page ``key``'s link in the sidebar and block until that page is ready (wait_for_ready); returns the
    seconds from the click. This is how a meeting goes from one page to the next: Streamlit stays loaded and the
    click reruns the script for the new page in the same session."""
    old = page.evaluate(_TITLE_AND_STATE_JS)[0]
    # 首页 is the default page: its link is the app's root (…/), every other page's link ends with its key
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{"" if key == "home" else key}"]').first
    wait = ReadyWait(settle_s)   # timed from the click
    link.click()
    return wait_for_ready(page, watch, timeout_s, settle_s, poll_s, not_title=old, wait=wait)


# ---------------------------------------------------------------------------------------------
# The picture
@dataclass
class Shot:
    url: str
    title: str
    png: bytes
    stamp: str
    ready_s: float
    total_s: float
    width: int
    height: int
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def meta(self) -> dict[str, Any]:
        return {"url": strip_token(self.url), "title": self.title, "stamp": self.stamp,
                "ready_s": round(self.ready_s, 2), "total_s": round(self.total_s, 2), "width": self.width,
                "height": self.height, "problems": self.problems, "blocked": self.blocked}


def strip_token(url: str) -> str:
    u = urlparse(url)
    q = [p for p in u.query.split("&") if p and not p.startswith(TOKEN_PARAM + "=")]
    return u._replace(query="&".join(q)).geturl()


class Capturer:
    """One headless Chromium for many pictures (the CLI takes every page with one browser).

    with Capturer() as cap:
        shot = cap.capture("http://127.0.0.1:8501/weekly?mode=present&as_of=2026-11-20", title="周调度")
    """

    def __init__(self, chromium: str | None = None, width: int = WIDTH, height: int = HEIGHT,
                 timeout_s: float = PAGE_TIMEOUT_S) -> None:
        self.chromium = find_chromium(chromium)
        self.font = find_cjk_font()
        self.width, self.height, self.timeout_s = width, height, timeout_s
        self._pw: Any = None
        self._browser: Any = None
        self._contexts: dict[str, Any] = {}

    def __enter__(self) -> Self:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as e:
            raise SnapshotError("缺少 Python 包 playwright，请运行：pip install -r requirements.txt") from e
        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=self.chromium, headless=True,
                                                     args=CHROMIUM_ARGS)
        except Exception as e:
            self._pw.stop()
            raise SnapshotError(f"Chromium（{self.chromium}）无法启动：{str(e).splitlines()[0]}。"
                                f"如未安装完整，请运行：sudo apt-get install chromium fonts-noto-cjk") from e
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            self._browser.close()
        with contextlib.suppress(Exception):
            self._pw.stop()

    def _context(self, host: str) -> Any:
        """One browser context per app host (shares the script/font cache between pages of one run).
        Requests to any other host are answered at once with an error rather than waiting for the network."""
        ctx = self._contexts.get(host)
        if ctx is None:
            ctx = self._browser.new_context(viewport={"width": self.width, "height": self.height}, locale="zh-CN",
                                            timezone_id="Asia/Shanghai", device_scale_factor=1,
                                            ignore_https_errors=True, service_workers="block")
            ctx.route(lambda url: is_foreign(url, (*LOCAL_HOSTS, host)), lambda route: route.abort())
            self._contexts[host] = ctx
        return ctx

    def capture(self, url: str, title: str = "", exported_by: str = "", fallback_stamp: str = "") -> Shot:
        t0 = time.monotonic()
        host = urlparse(url).hostname or "127.0.0.1"
        page = self._context(host).new_page()
        try:
            watch = NetworkWatch(page)
            try:
                page.goto(url, wait_until="domcontentloaded", timeout=self.timeout_s * 1000)
            except Exception as e:
                raise SnapshotError(f"无法打开 {strip_token(url)}：{str(e).splitlines()[0]}") from e
            ready = wait_for_ready(page, watch, self.timeout_s)
            self._fit_height(page, watch)
            found = page.evaluate(PROBLEMS_JS)
            problems = [f"异常：{x}" for x in found["exceptions"]] + [f"错误提示：{x}" for x in found["errors"]]
            stamp = page.evaluate(STAMP_JS) or fallback_stamp
            png = page.screenshot(type="png", animations="disabled", caret="hide")
            blocked = watch.foreign((*LOCAL_HOSTS, host))
            size = page.viewport_size or {"width": self.width, "height": self.height}
        finally:
            page.close()
        png = add_stamp_band(png, stamp_band_lines(stamp, title, exported_by), self.font)
        return Shot(url, title, png, stamp, ready, time.monotonic() - t0, size["width"], size["height"],
                    problems, blocked)

    def _fit_height(self, page: Any, watch: NetworkWatch) -> None:
        fit_height(page, watch, self.height, self.timeout_s)


def fit_height(page: Any, watch: NetworkWatch | None = None, min_height: int = HEIGHT,
               timeout_s: float = PAGE_TIMEOUT_S) -> None:
    """Streamlit scrolls inside its main element, so a full-page screenshot would stop at the viewport: grow the
    viewport to the content instead (never below ``min_height``), and wait for charts to re-layout to it."""
    for _ in range(4):
        size = page.viewport_size or {"width": WIDTH, "height": 0}
        want = min(max(min_height, int(page.evaluate(CONTENT_HEIGHT_JS))), MAX_HEIGHT)
        if want <= size["height"]:
            return
        page.set_viewport_size({"width": size["width"], "height": want})
        wait_for_ready(page, watch, timeout_s, settle_s=0.6)


def stamp_band_lines(stamp: str, title: str = "", exported_by: str = "",
                     when: dt.datetime | None = None) -> list[str]:
    """Band under the picture: the page's own stamp (数据截至｜筛选条件｜范围), then who exported it and when."""
    when = when or dt.datetime.now()
    first = stamp.replace(CONFIDENTIAL, "").strip(" 　｜|") or "数据截至：见页面"
    second = "　".join(x for x in (f"护薪调度台 · {title}" if title else "护薪调度台",
                                   f"导出：{exported_by}" if exported_by else "",
                                   f"导出时间：{when:%Y-%m-%d %H:%M}") if x)
    return [first, second]


def add_stamp_band(png: bytes, lines: Sequence[str], font_path: str | None = None) -> bytes:
    """The picture with a white band at the bottom: the lines in grey, 「内部资料 注意保密」 in red on the right."""
    from PIL import Image, ImageDraw, ImageFont

    im = Image.open(io.BytesIO(png)).convert("RGB")
    scale = im.width / WIDTH
    size = max(12, round(24 * scale))
    font = ImageFont.truetype(font_path or find_cjk_font(), size)
    bold = ImageFont.truetype(font_path or find_cjk_font(), round(size * 1.15))
    pad, gap = round(18 * scale), round(10 * scale)
    mark_w = math.ceil(bold.getlength(CONFIDENTIAL))
    room = im.width - 3 * pad - mark_w
    wrapped: list[str] = []
    for line in lines:
        cur = ""
        for ch in line:
            if font.getlength(cur + ch) > room and cur:
                wrapped.append(cur)
                cur = ""
            cur += ch
        wrapped.append(cur)
    line_h = size + gap
    band_h = 2 * pad + line_h * len(wrapped) - gap
    out = Image.new("RGB", (im.width, im.height + band_h), "white")
    out.paste(im, (0, 0))
    d = ImageDraw.Draw(out)
    y0 = im.height
    d.line([(0, y0), (im.width, y0)], fill=(200, 200, 200), width=max(1, round(2 * scale)))
    for i, line in enumerate(wrapped):
        d.text((pad, y0 + pad + i * line_h), line, font=font, fill=(70, 70, 70))
    d.text((im.width - pad - mark_w, y0 + (band_h - bold.size) // 2 - round(3 * scale)), CONFIDENTIAL, font=bold,
           fill=(192, 0, 0))
    buf = io.BytesIO()
    out.save(buf, "PNG", optimize=False, compress_level=6)
    return buf.getvalue()


def available_pages() -> list[str]:
    """Page keys in navigation order whose page exists (pages/<key>.py; the home page is in app.py)."""
    return [k for k in PAGES if k == "home" or (ROOT / "pages" / f"{k}.py").exists()]


# ---------------------------------------------------------------------------------------------
# URLs
def page_path(key: str) -> str:
    return "/" if key == "home" else f"/{key}"


def page_url(base: str, key: str, params: Mapping[str, str]) -> str:
    q = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    return base.rstrip("/") + page_path(key) + ("?" + urlencode(q) if q else "")


def own_base_url() -> str:
    """This Streamlit server as seen from the server itself (never the address the user's browser used: behind a
    proxy that is not reachable from here, and it would take the capture off the loopback interface)."""
    from streamlit import config

    addr = (config.get_option("server.address") or "").strip()
    host = addr if addr and addr not in ("0.0.0.0", "::", "[::]") else "127.0.0.1"  # bind-all -> loopback
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    scheme = "https" if config.get_option("server.sslCertFile") else "http"
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"{scheme}://{host}:{config.get_option('server.port')}" + (f"/{base}" if base else "")


# ---------------------------------------------------------------------------------------------
# The button: capture the page of the current Streamlit session
_capture_lock = threading.Lock()   # one Chromium at a time per server: a small office server has two cores


def capture_session_page(pc: Any, timeout_s: float = PAGE_TIMEOUT_S) -> Shot:
    """The page ``pc`` (huxin.ui.PageContext) as this session shows it, in presentation mode, with the stamp band."""
    import streamlit as st

    find_chromium()
    find_cjk_font()
    params = {k: v for k, v in st.query_params.to_dict().items() if k not in (TOKEN_PARAM, "mode", "as_of")}
    state = transferable_state(st.session_state.to_dict(), _trigger_keys())
    token = make_token(pc.user.name, pc.user.role, pc.user.county, pc.scope.unmask, state)
    url = page_url(own_base_url(), pc.key, {**params, "mode": "present", "as_of": pc.as_of.isoformat(),
                                            TOKEN_PARAM: token})
    if not _capture_lock.acquire(timeout=timeout_s):
        raise SnapshotError("其他用户正在导出图片，请稍后再试。")
    try:
        return run_capture_process(url, pc.title, pc.user.name, pc.stamp_text(), timeout_s)
    finally:
        _capture_lock.release()


def run_capture_process(url: str, title: str, exported_by: str, fallback_stamp: str = "",
                        timeout_s: float = PAGE_TIMEOUT_S) -> Shot:
    with tempfile.TemporaryDirectory(prefix="huxin-shot-") as tmp:
        out = Path(tmp) / "page.png"
        cmd = [sys.executable, "-m", "huxin.snapshot", "-", "--out", str(out), "--title", title,
               "--by", exported_by, "--fallback-stamp", fallback_stamp, "--timeout", str(timeout_s)]
        try:
            # the URL carries the token: through stdin, not the command line other local users can list
            res = subprocess.run(cmd, cwd=ROOT, input=url, capture_output=True, text=True, timeout=timeout_s + 60,
                                 check=False)
        except subprocess.TimeoutExpired as e:
            raise SnapshotError(f"生成图片超时（超过 {timeout_s + 60:.0f} 秒）。") from e
        if res.returncode != 0 or not out.exists():
            msg = (res.stderr or res.stdout).strip().splitlines()
            raise SnapshotError(msg[-1] if msg else f"生成图片失败（退出码 {res.returncode}）。")
        meta = json.loads(res.stdout.strip().splitlines()[-1])
        return Shot(url, title, out.read_bytes(), meta["stamp"], meta["ready_s"], meta["total_s"], meta["width"],
                    meta["height"], meta["problems"], meta["blocked"])


# ---------------------------------------------------------------------------------------------
# A server of our own (CLI, tests, bench)
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(base: str, proc: subprocess.Popen[bytes] | None = None, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SnapshotError(f"Streamlit 启动失败（退出码 {proc.returncode}）。")
        with contextlib.suppress(OSError), urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise SnapshotError(f"{base} 在 {timeout_s:.0f} 秒内没有应答（应用未运行或地址有误）。")


@contextlib.contextmanager
def serve_app(db: Path, app_dir: Path | None = None, port: int | None = None, log: Path | None = None,
              timeout_s: float = 90, extra_env: Mapping[str, str] | None = None, script: Path | None = None,
              root: Path = ROOT) -> Iterator[str]:
    """``streamlit run app.py`` on 127.0.0.1 (a free port unless given) on database ``db``; yields the base URL and
    stops the server — its whole process group — afterwards, however the block ends. ``script`` runs another
    Streamlit script the same way (bench/floor_app.py); ``root`` serves another checkout of the dashboard, its own
    app.py, pages and .streamlit config (bench/ab_browser.py)."""
    script = script or root / "app.py"
    port = port or free_port()
    env = {**os.environ, "ARREARS_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           **({"ARREARS_APP_DIR": str(app_dir)} if app_dir else {}), **(extra_env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--server.runOnSave", "false", "--browser.gatherUsageStats", "false", "--", "--db", str(db)]
    for d in (app_dir, log.parent if log else None):
        if d is not None:
            d.mkdir(parents=True, exist_ok=True)
    out = log.open("ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc, timeout_s)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
        if log:
            out.close()  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------
# python -m huxin.snapshot URL --out FILE   (the button's worker process)
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m huxin.snapshot", description="页面截图（一个页面）/ one page to PNG")
    p.add_argument("url", help="页面地址；- 表示从标准输入读取 / page URL, or - to read it from stdin")
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--title", default="")
    p.add_argument("--by", default="")
    p.add_argument("--fallback-stamp", default="")
    p.add_argument("--timeout", type=float, default=PAGE_TIMEOUT_S)
    p.add_argument("--width", type=int, default=WIDTH)
    p.add_argument("--height", type=int, default=HEIGHT)
    a = p.parse_args(argv)
    url = sys.stdin.readline().strip() if a.url == "-" else a.url
    try:
        with Capturer(width=a.width, height=a.height, timeout_s=a.timeout) as cap:
            shot = cap.capture(url, a.title, a.by, a.fallback_stamp)
    except SnapshotError as e:
        print(str(e), file=sys.stderr)
        return 1
    a.out.write_bytes(shot.png)
    print(json.dumps(shot.meta(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
