"""Which library draws the warning map: plotly.js (SVG) for a city or a province, deck.gl (WebGL) above that.

Without a GPU, Chromium draws WebGL in software (SwiftShader), and each deck.gl layer's first draw is shader
compilation on the CPU: 1.35-3.5 s of the GPU process's CPU per map opened, on every map (bench/RESULTS.md, eleventh
round). plotly-basic, the bundle the chart pages already load, draws a province (157 counties, 3,000 points) as SVG
in under a second of the main thread. Above PLOT_MAX_COUNTIES (the country: 2,891 counties, each an SVG path and a
hover area) and with the heat layer on (the basic bundle has no density trace), deck.gl draws it.
ARREARS_PLOT_MAX_COUNTIES=0 makes every map a deck.gl map (offices whose PCs have a GPU may prefer its panning).

A module of its own, without imports: huxin.ui asks it on every page (to preload plotly.js on the map page, or to
warm deck.gl's script on the others), and the home page must not import pydeck and shapely for that.
"""
from __future__ import annotations

import os

DEFAULT_PLOT_MAX_COUNTIES = 400


def _plot_max_counties() -> int:
    try:
        return max(0, int(os.environ.get("ARREARS_PLOT_MAX_COUNTIES", str(DEFAULT_PLOT_MAX_COUNTIES))))
    except ValueError:
        return DEFAULT_PLOT_MAX_COUNTIES


PLOT_MAX_COUNTIES = _plot_max_counties()


def draws_with_plotly(n_counties: int, heat: bool = False) -> bool:
    """Whether the map of n_counties is drawn by huxin.charts.maps.plot_map_figure (else by build_deck)."""
    return 0 < n_counties <= PLOT_MAX_COUNTIES and not heat
