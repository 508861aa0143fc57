"""Pure chart and map builders (-> go.Figure / pdk.Deck), tested without Streamlit."""

from typing import Any


def figure_json(fig: Any) -> str:
    """A go.Figure as the JSON plotly.js draws. plotly's own encoder handles numpy, dates and NaN, which becomes a
    gap. The page's charts (huxin.webchart) take this text, so it can be cached instead of the figure."""
    return fig.to_json(validate=False, engine="json")
