"""The 春节前清零 page's derived tables, cached like huxin.data's queries (on the data version, the rules and the
arguments): pages/clearing.py lays them out, huxin.charts.clearing builds them. At national scale the open items are
~150,000 clues and cases; joining, sorting and labelling them on every rerun cost 1.5 s of a warm page run.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from huxin import data
from huxin.charts import clearing as C


@data.cached
def clearing_items(scope: data.Scope, as_of: dt.date) -> pd.DataFrame:
    """Open clues and cases as one list (C.oldest_items), oldest first."""
    items = C.oldest_items(data.open_clue_items(scope, as_of), data.cases(scope, as_of, open_only=True), as_of)
    return items.sort_values(["opened", "amount"], ascending=[True, False], kind="stable", ignore_index=True)


@data.cached
def clearing_top_items(scope: data.Scope, as_of: dt.date, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the n oldest, the n largest by amount owed) open items."""
    items = clearing_items(scope, as_of)
    return (items.head(n).reset_index(drop=True),
            items.sort_values(["amount", "opened"], ascending=[False, True], kind="stable").head(n)
            .reset_index(drop=True))


@data.cached
def clearing_county_frame(scope: data.Scope, as_of: dt.date, base: dt.date) -> pd.DataFrame:
    """One row per county of scope, worst first (C.county_clearing_frame) over [base, as_of]."""
    table = data.county_table(scope, as_of, base)
    if scope.counties is not None and not table.empty:
        # county_table keeps every county for the city-wide ranking; this page shows the user's own counties only
        table = table[table["code"].isin(scope.counties)]
    return C.county_clearing_frame(table, data.clearing(scope, as_of)["series"], base, as_of)
