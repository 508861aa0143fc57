"""Plotly figure -> PNG, offline, with kaleido driving the system Chromium.

Why not ``fig.to_image``: plotly passes kaleido's ``mathjax`` option only when it is truthy, so kaleido falls back to
loading MathJax from a CDN — on an office network without internet that stalls every export. Calling kaleido
directly with ``mathjax=False`` and the browser path avoids any network access (plotly.js comes from the installed
plotly package). Chinese labels need a CJK font installed for Chromium (Debian: fonts-noto-cjk).

Failures are raised as ``StaticImageError`` with a Chinese message a page can show as it is.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT_S = 90
# Each export starts a Chromium; on a small server one at a time is kinder than several in parallel.
_LOCK = threading.Lock()


class StaticImageError(RuntimeError):
    """The figure could not be rendered; str(e) is a Chinese message for the user."""


def browser_path() -> str | None:
    """The Chromium/Chrome to use: $BROWSER_PATH if it points at an executable, else the first one on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        p = Path(env)
        return str(p) if p.is_file() and os.access(p, os.X_OK) else None
    for name in BROWSER_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser_message() -> str:
    env = os.environ.get("BROWSER_PATH")
    where = f"环境变量 BROWSER_PATH 指向的 {env} 不存在或不可执行" if env else "未找到 Chromium 浏览器"
    return (f"无法生成图表图片：{where}。请安装 Chromium（Debian/Ubuntu：apt install chromium fonts-noto-cjk），"
            "或设置 BROWSER_PATH 指向浏览器程序。页面图表右上角的相机按钮仍可直接保存 PNG。")


def available() -> bool:
    return browser_path() is not None


def _run(coro_fn: Any) -> Any:
    """Run an async function to completion in a fresh thread: works whether or not the caller's thread has a running
    event loop (Streamlit's script thread, a download-button worker thread, the CLI)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro_fn())
        except Exception as e:  # noqa: BLE001 — handed over and re-raised in the caller's thread
            box["error"] = e

    th = threading.Thread(target=target, name="kaleido-export", daemon=True)
    th.start()
    th.join()
    if "error" in box:
        raise box["error"]
    if "value" not in box:  # the render was cancelled (CancelledError / interpreter shutdown)
        raise StaticImageError("图表导出为图片被中断，请重试。")
    return box["value"]


def figures_to_png(figs: Sequence[go.Figure], width: int = 1200, height: int | None = None,
                   scale: float = 2.0) -> list[bytes]:
    """Render several figures in one browser session (Chromium starts once). height=None: each figure's own."""
    if not figs:
        return []
    path = browser_path()
    if path is None:
        raise StaticImageError(missing_browser_message())
    try:
        import kaleido
    except ImportError:
        raise StaticImageError("无法生成图表图片：未安装 kaleido（pip install kaleido）。") from None

    async def render() -> list[bytes]:
        out = []
        async with kaleido.Kaleido(n=1, timeout=TIMEOUT_S, mathjax=False, path=path) as k:
            for fig in figs:
                h = height or fig.layout.height or 500
                out.append(await k.calc_fig(fig, opts={"format": "png", "width": width, "height": h,
                                                        "scale": scale}))
        return out

    try:
        with _LOCK:
            pngs = _run(render)
    except StaticImageError:
        raise
    except Exception as e:
        raise StaticImageError(f"图表导出为图片失败（{type(e).__name__}：{str(e)[:200]}）。"
                               "请确认 Chromium 可以启动；页面图表右上角的相机按钮仍可直接保存 PNG。") from e
    for png in pngs:
        if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(b"\x89PNG"):
            raise StaticImageError("图表导出为图片失败：浏览器没有返回 PNG 图像。")
    return [bytes(p) for p in pngs]


def figure_to_png(fig: go.Figure, width: int = 1200, height: int | None = None, scale: float = 2.0) -> bytes:
    return figures_to_png([fig], width, height, scale)[0]
