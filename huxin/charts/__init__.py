"""Pure chart and map builders (-> go.Figure / pdk.Deck), tested without Streamlit."""

import json
from typing import Any

from _plotly_utils.utils import PlotlyJSONEncoder


class _CompactEncoder(PlotlyJSONEncoder):
    """plotly's encoder (numpy, dates; NaN and infinities become null) without its ASCII escapes: when it replaces
    a NaN it dumps the text again with json's defaults, which escape every Chinese character."""

    def encode(self, o: Any) -> str:
        text = json.JSONEncoder.encode(self, o)
        if "NaN" not in text and "Infinity" not in text:
            return text
        return json.dumps(json.loads(text, parse_constant=self.coerce_to_strict), ensure_ascii=False,
                          separators=(",", ":"))


def figure_json(fig: Any) -> str:
    """A go.Figure as the JSON plotly.js draws. plotly's own encoder handles numpy, dates and NaN, which becomes a
    gap. The page's charts (huxin.webchart) take this text, so it can be cached instead of the figure. Compact and
    UTF-8: Chinese text as itself, not as \\uXXXX escapes and spaces (fig.to_json's): the province map's text is 1.31
    million characters instead of about 4.1 million, and huxin.webchart sends it as UTF-8 bytes as it is."""
    return json.dumps(fig.to_plotly_json(), cls=_CompactEncoder, ensure_ascii=False, separators=(",", ":"))
