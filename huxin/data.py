"""The data-access module: every query the pages, exports and CLI run. Pages never see SQL or DuckDB.

- One read-only connection per process (huxin.db.reader), a cursor per query, bound parameters only.
- Every function takes the user's ``Scope``: the county restriction is applied in SQL, and personal data is masked
  here unless the scope may unmask — so a page cannot forget either.
- Inside a Streamlit server, results are cached with st.cache_data keyed on the data version (the database file's
  identity), so a reload invalidates everything and nothing else does. The key is the arguments bound with their
  defaults, and a Scope without its label, so the city roles share their entries.
- Everything is computed as of a date D from event dates, so last week's meeting can be replayed.
"""
from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from huxin import db
from huxin import rules as R
from huxin.config import Rules, db_path, load_rules
from huxin.privacy import mask_frame
from huxin.workdays import (
    Campaign,
    WorkCalendar,
    campaign_for,
    holidays_key,
    work_calendar,
)

SQL_DIR = Path(__file__).parent / "sql"
T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Scope and filters
@dataclass(frozen=True)
class Scope:
    """Which records a user may read. counties=None means every county in the database."""
    counties: tuple[str, ...] | None = None
    unmask: bool = False
    label: str = ""

    def allows(self, county_code: str | None) -> bool:
        return self.counties is None or county_code in self.counties

    def for_cache(self) -> Scope:
        """The same records without the label: the label (the role's name) is for stamps only, so the city roles
        (管理员, 分析员, 大屏) share one cache entry for the same view instead of computing it once each."""
        return self if not self.label else Scope(counties=self.counties, unmask=self.unmask)

    def narrowed(self, county: str | None) -> Scope:
        """A drill-down into one county, never widening the user's own scope."""
        if county is None:
            return self
        if self.counties is not None and county not in self.counties:
            return Scope(counties=(), unmask=self.unmask, label=self.label)
        return Scope(counties=(county,), unmask=self.unmask, label=self.label)


ALL = Scope()


@dataclass(frozen=True)
class Filters:
    """Drill-down filters (all optional; tuples so the object is hashable for caching)."""
    sources: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()           # clue status codes
    levels: tuple[str, ...] = ()             # warning levels 红橙黄蓝
    verdicts: tuple[str, ...] = ()
    investment_types: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    townships: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""
    missing_safeguard: str | None = None     # a column of vocab.SAFEGUARDS

    def describe(self) -> str:
        parts = []
        for label, vals in (("来源", self.sources), ("行业", self.industries), ("状态", self.statuses),
                            ("预警", self.levels), ("结论", self.verdicts), ("投资类型", self.investment_types),
                            ("主管部门", self.sectors), ("乡镇", self.townships)):
            if vals:
                parts.append(f"{label}：{'、'.join(vals)}")
        if self.date_from or self.date_to:
            parts.append(f"日期：{self.date_from or '…'} 至 {self.date_to or '…'}")
        if self.search:
            parts.append(f"搜索：{self.search}")
        if self.missing_safeguard:
            from huxin.vocab import SAFEGUARDS
            parts.append(f"缺失制度：{SAFEGUARDS.get(self.missing_safeguard, self.missing_safeguard)}")
        return "；".join(parts) or "无"


NO_FILTERS = Filters()


# ---------------------------------------------------------------------------------------------
# Connection, SQL files and caching
def current_db() -> Path:
    return db_path()


# A script run reads one version of the database from start to end, even if the ETL swaps in a new file midway,
# so a page never shows a mix of old and new numbers. Streamlit runs each session's script in its own thread.
_pinned = threading.local()


def begin_run() -> str:
    """Pin the current database version for this thread's script run (app.py calls it first thing)."""
    path = str(current_db())
    ver, con = db.reader(current_db())
    _pinned.value = (path, ver, con)
    if _in_streamlit():
        forget_old_versions(ver)
    return ver


_newest: str | None = None
_newest_lock = threading.Lock()


def forget_old_versions(version: str) -> bool:
    """On the first sight of a new data version (a run's begin_run, or huxin.prefetch's watcher, whichever comes
    first), free the cached results of the versions before it; True if it did. Every run from then on reads the new
    file, so they are never read again, but they stayed in memory until their TTL (6 h): with the watcher computing
    each new version's views as well, a national server reached 2.4 GB after five loads (bench/RESULTS.md, eighth
    round). The cache cannot be emptied by version, so it is emptied, before anything of the new version is in it
    — once per version, so nothing computed on the new data is thrown away. (A run that pinned the old version just
    before may still add old entries; they go at their TTL. A run computing during the clear writes into the
    detached old cache: it gets its result, the cache just does not keep it.)"""
    global _newest
    with _newest_lock:
        first_look, changed = _newest is None, _newest != version
        _newest = version
    if changed and not first_look:
        import streamlit as st
        st.cache_data.clear()
    return changed and not first_look


def end_run() -> None:
    _pinned.value = None


def _connection() -> tuple[str, duckdb.DuckDBPyConnection]:
    pin = getattr(_pinned, "value", None)
    if pin is not None and pin[0] == str(current_db()):
        return pin[1], pin[2]
    return db.reader(current_db())


def together(*calls: Callable[[], Any], workers: int = 3) -> list[Any]:
    """Run independent data functions at the same time (threads) and return their results in order; exceptions
    propagate. Each thread reads the database version this script run pinned (begin_run), and inside Streamlit it
    carries the run's context, so the data cache works as in the script thread (and computes a value once when two
    threads ask for it). DuckDB runs a query without holding the GIL, so one call's query overlaps another's pandas
    work: the weekly page at national scale computes four aggregates, the key matters and the clearing this way."""
    pin = getattr(_pinned, "value", None)
    ctx = None
    if _in_streamlit():
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        ctx = get_script_run_ctx(suppress_warning=True)

    def run(fn: Callable[[], Any]) -> Any:
        if ctx is not None:
            from streamlit.runtime.scriptrunner import add_script_run_ctx
            add_script_run_ctx(threading.current_thread(), ctx)
        _pinned.value = pin
        try:
            return fn()
        finally:
            _pinned.value = None

    if len(calls) <= 1 or workers <= 1:
        return [fn() for fn in calls]
    with ThreadPoolExecutor(max_workers=min(workers, len(calls)), thread_name_prefix="huxin-data") as pool:
        return [f.result() for f in [pool.submit(run, fn) for fn in calls]]


def data_version() -> str:
    return _connection()[0]


# Shared pieces of SQL: huxin/sql/_<name>.sql, included where a query says {<name>} (in this order, since a piece may
# include a later one). Their first two lines are a comment about the file and are dropped.
_SQL_PIECES = ("drill_clues", "clue_due", "clue_filters", "case_filters")


@functools.lru_cache(maxsize=64)
def sql(name: str) -> str:
    """A query from huxin/sql/, with the shared pieces it names included (static text, never user input)."""
    return with_pieces((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=64)
def with_pieces(text: str) -> str:
    """Query text with each {piece} it names replaced by huxin/sql/_<piece>.sql."""
    for piece in _SQL_PIECES:
        token = "{" + piece + "}"
        if token in text:
            text = text.replace(token, (SQL_DIR / f"_{piece}.sql").read_text(encoding="utf-8").split("\n", 2)[2])
    return text


@functools.lru_cache(maxsize=4)
def _calendar_frame(cal: WorkCalendar) -> pd.DataFrame:
    return cal.frame()


def _deadline_frame(rules: Rules) -> pd.DataFrame:
    return pd.DataFrame(list(rules.deadline_by_source) or [("", rules.deadline_days)], columns=["source", "n"])


def query(text: str, params: dict[str, Any] | list[Any] | None = None, rules: Rules | None = None,
          tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Run one query on a fresh cursor of the process's read-only connection; calendar tables are registered, and
    ``tables`` (name -> frame) too."""
    _, con = _connection()
    cur = con.cursor()
    try:
        cur.execute(f"USE {db.DB_ALIAS}")
        rules = rules or load_rules()
        cur.register("cal", _calendar_frame(work_calendar()))
        cur.register("deadline_days", _deadline_frame(rules))
        for name, frame in (tables or {}).items():
            cur.register(name, frame)
        return to_frame(cur.sql(text, params=params or {}).to_arrow_table())
    finally:
        cur.close()


# DuckDB's own .df() builds pandas columns value by value: 2-4 s for the 300,000 projects of a national roll-up
# (bench/RESULTS.md, "Third round"); through Arrow it takes a tenth of that. to_frame gives the dtypes .df() gives
# (dates as datetime64[us], nullable integers and booleans where there are NULLs, DECIMAL/HUGEINT as float64);
# tests/test_fetch.py compares both ways on every data function.
_NULLABLE_INT = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
                 pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
                 pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype()}


def _column(col: pa.ChunkedArray) -> pd.Series | np.ndarray:
    t = col.type
    if pa.types.is_date(t):
        return col.cast(pa.timestamp("us")).to_pandas()
    if pa.types.is_decimal(t):                       # DECIMAL, and HUGEINT sums: .df() gives float64
        return col.cast(pa.float64()).to_pandas()
    if pa.types.is_integer(t) and col.null_count:    # .df(): a nullable integer dtype when there are NULLs
        return col.to_pandas(types_mapper=_NULLABLE_INT.get)
    if pa.types.is_boolean(t) and col.null_count:
        return col.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    if (pa.types.is_string(t) or pa.types.is_large_string(t)) and col.null_count == len(col):
        return pd.Series([None] * len(col), dtype=object)   # .df(): object, not str, when there is no string at all
    return col.to_pandas()


def _plain_type(t: pa.DataType) -> bool:
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
            or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_date(t) or pa.types.is_decimal(t)
            or (pa.types.is_timestamp(t) and t.tz is None) or pa.types.is_null(t))


def _unique_names(names: list[str]) -> list[str]:
    """Repeated column names made unique the way .df() does it (a, a -> a, a_1)."""
    seen: set[str] = set()
    out = []
    for n in names:
        m, i = n, 1
        while m in seen:
            m, i = f"{n}_{i}", i + 1
        seen.add(m)
        out.append(m)
    return out


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A DuckDB result (as Arrow) as the DataFrame DuckDB's .df() would give, built column by column from Arrow.
    Columns of other types (lists, structs, intervals, time zones; none of our queries returns them) are converted
    by pyarrow and may differ from .df() in dtype."""
    names = _unique_names(table.column_names)
    cols = {n: _column(table.column(i)) if _plain_type(table.schema.field(i).type) else table.column(i).to_pandas()
            for i, n in enumerate(names)}
    return pd.DataFrame(cols, columns=names)


def _in_streamlit() -> bool:
    try:
        from streamlit.runtime import exists
        return exists()
    except Exception:  # noqa: BLE001 — no Streamlit runtime (CLI, tests) whatever the reason
        return False


@functools.cache
def _st_cache() -> Callable[..., Any]:
    import streamlit as st

    @st.cache_data(show_spinner=False, max_entries=2000, ttl=6 * 3600)
    def _cached_call(version: str, rules_key: str, name: str, args: tuple, kwargs: tuple) -> Any:
        return _REGISTRY[name](*args, **dict(kwargs))

    return _cached_call


_REGISTRY: dict[str, Callable[..., Any]] = {}


def cached(fn: Callable[..., T]) -> Callable[..., T]:
    """Cache on (data version, rules, arguments) inside Streamlit; call straight through elsewhere (CLI, tests)."""
    _REGISTRY[fn.__name__] = fn
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        if not _in_streamlit():
            return fn(*args, **kwargs)
        rules_key = repr(load_rules()) + holidays_key()
        # One key per value: regions(), regions(ALL) and regions(scope=ALL) are one entry, not three (the arguments
        # bound with their defaults), and a scope's label is not part of it (Scope.for_cache).
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        args = tuple(_for_cache(a) for a in bound.args)
        kw = tuple(sorted((k, _for_cache(v)) for k, v in bound.kwargs.items()))
        return _st_cache()(data_version(), rules_key, fn.__name__, args, kw)

    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


def _for_cache(arg: Any) -> Any:
    return arg.for_cache() if isinstance(arg, Scope) else arg


def _counties_param(scope: Scope) -> list[str] | None:
    return None if scope.counties is None else list(scope.counties)


def _mask(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    return df if scope.unmask else mask_frame(df)


# ---------------------------------------------------------------------------------------------
# Database facts
@cached
def meta() -> dict[str, str]:
    rows = query("SELECT key, value FROM meta")
    return dict(zip(rows["key"], rows["value"], strict=True))


def is_demo() -> bool:
    return meta().get("is_demo") == "1"


@cached
def freshness() -> dict[str, Any]:
    """Newest record dates and the last load time, for 「数据截至…，最近导入…」."""
    row = query("""SELECT (SELECT max(received_date) FROM clues) AS clues,
                          (SELECT max(greatest(opened_date, coalesce(closed_date, opened_date))) FROM cases) AS cases,
                          (SELECT max(closed_date) FROM clues) AS closed,
                          (SELECT max(finished_at) FROM load_batches) AS last_load""").iloc[0]
    newest = max((d for d in (row["clues"], row["cases"], row["closed"]) if pd.notna(d)), default=None)
    return {"data_as_of": None if newest is None else pd.Timestamp(newest).date(),
            "last_load": None if pd.isna(row["last_load"]) else pd.Timestamp(row["last_load"]).to_pydatetime()}


@cached
def regions(scope: Scope = ALL, level: str = "county") -> pd.DataFrame:
    """code, name, lon, lat (and parent) of the regions in scope."""
    return query("""SELECT code, name, parent_code, city_code, province_code, lon, lat FROM regions
                    WHERE level = $level AND ($counties IS NULL OR list_contains($counties, code)
                                              OR $level <> 'county')
                    ORDER BY code""", {"level": level, "counties": _counties_param(scope)})


@cached
def region_geojson(scope: Scope = ALL) -> pd.DataFrame:
    """code, name, geojson (GeoJSON geometry text, simplified at init) of the counties in scope that have
    boundaries, by code. The map reads the text with shapely directly (huxin.mapview)."""
    return query("""SELECT code, name, geojson FROM regions WHERE level = 'county' AND geojson IS NOT NULL
                    AND geojson <> '' AND ($counties IS NULL OR list_contains($counties, code)) ORDER BY code""",
                 {"counties": _counties_param(scope)})


@cached
def region_shapes(scope: Scope = ALL) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the counties in scope (simplified at init)."""
    df = region_geojson(scope)
    feats = [{"type": "Feature", "properties": {"code": c, "name": n},
              "geometry": json.loads(g)} for c, n, g in zip(df["code"], df["name"], df["geojson"], strict=True)]
    return {"type": "FeatureCollection", "features": feats}


def scope_name() -> str:
    return meta().get("scope_name", "")


# ---------------------------------------------------------------------------------------------
# Calendar facts for a date
@dataclass(frozen=True)
class Context:
    as_of: dt.date
    start: dt.date               # period start F
    campaign: Campaign
    calendar_warnings: tuple[str, ...] = field(default_factory=tuple)


def context(as_of: dt.date, start: dt.date | None = None) -> Context:
    rules = load_rules()
    camp = campaign_for(as_of, rules)
    cal = work_calendar()
    f = start or dt.date(as_of.year, 1, 1)
    warns = cal.warnings_for(min(f, camp.start), max(as_of, camp.deadline))
    return Context(as_of, f, camp, tuple(warns))


def _agg_params(scope: Scope, as_of: dt.date, start: dt.date, rules: Rules) -> dict[str, Any]:
    cal = work_calendar()
    camp = campaign_for(as_of, rules)
    # Before a campaign has started its baseline is as_of itself: never look at records after as_of.
    return {"as_of": as_of, "from": start, "start": min(camp.start, as_of),
            "window_start": cal.workdays_back(as_of, rules.pace_window_workdays),
            "default_n": rules.deadline_days, "counties": _counties_param(scope)}


@cached
def county_aggregates(scope: Scope, as_of: dt.date, start: dt.date) -> pd.DataFrame:
    """Per-county counts (huxin.rules.AGG_COLUMNS) as of as_of for the period [start, as_of]."""
    rules = load_rules()
    return query(sql("county_aggregates"), _agg_params(scope, as_of, start, rules), rules,
                 tables={"repeat_daily": repeat_daily()})


@cached
def county_table(scope: Scope, as_of: dt.date, start: dt.date) -> pd.DataFrame:
    """The league table (huxin.rules.county_table) with rank change against one week earlier.

    Counties outside a county user's scope still appear in the ranking (the published ranking is city-wide), but
    only as aggregates — this function never returns records.
    """
    rules = load_rules()
    cal = work_calendar()
    camp = campaign_for(as_of, rules)
    agg = county_aggregates(ALL if scope.counties is not None else scope, as_of, start)
    prev_day = as_of - dt.timedelta(days=7)
    # Last week's computation: the same period start for a long period (year/campaign to date), the period shifted
    # by a week when it is shorter than that (a weekly period Monday–Sunday compares with the previous week).
    prev_start = start if start <= prev_day else start - dt.timedelta(days=7)
    prev = county_aggregates(ALL if scope.counties is not None else scope, prev_day, prev_start)
    return R.county_table(agg, prev, as_of, camp.deadline, cal, rules)


def totals_from(table: pd.DataFrame) -> dict[str, Any]:
    """City totals from a county table (sums of counts; rates recomputed from the sums, never averaged)."""
    s = {c: int(table[c].sum()) if c in table else 0 for c in
         ("received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_cases", "open_stock",
          "open_stock_at_start", "cases_opened", "workers_involved", "stock_window_start", "active_projects",
          "projects_all_core", "repeat_clues")}
    s["amount_owed"] = float(table["amount_owed"].sum()) if "amount_owed" in table else 0.0
    s["amount_recovered"] = float(table["amount_recovered"].sum()) if "amount_recovered" in table else 0.0
    s["closure_rate"] = R.rate(s["closed"], s["received"])
    s["on_time_rate"] = R.rate(s["closed_on_time"], s["closed"])
    s["repeat_rate"] = R.rate(s["repeat_clues"], s["received"])
    s["safeguard_rate"] = R.rate(s["projects_all_core"], s["active_projects"])
    s["cases_open"] = s["open_cases"]
    return s


@cached
def totals(scope: Scope, as_of: dt.date, start: dt.date) -> dict[str, Any]:
    """Totals over the counties in scope (a county user gets their own county's totals).

    Summed from the per-county aggregates (every count totals_from sums is one of them), the same frame
    county_table ranks, so no league table and no last week's ranking is computed for a total: the weekly page's
    "last week" totals would otherwise compute the week before last as well (a second of DuckDB at national scale).
    """
    agg = county_aggregates(ALL if scope.counties is not None else scope, as_of, start)
    if scope.counties is not None:
        agg = agg[agg["code"].isin(scope.counties)]
    return totals_from(agg)


@cached
def stock_series(scope: Scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Daily open stock per county and for the scope total ('' county) over [start, end]:
    columns county_code, d, open_stock, year_end_stock (cases on government/SOE/PPP projects)."""
    rules = load_rules()
    raw = query(sql("stock_series"), {"as_of": end, "start": start, "counties": _counties_param(scope),
                                      "year_end_types": list(rules.year_end_investment_types)}, rules)
    days = pd.date_range(start, end, freq="D")
    codes = regions(scope)["code"].tolist()
    if raw.empty:
        idx = pd.MultiIndex.from_product([codes, days], names=["county_code", "d"])
        out = pd.DataFrame({"open_stock": 0, "year_end_stock": 0}, index=idx).reset_index()
    else:
        raw["d"] = pd.to_datetime(raw["d"])
        # All counties at once (event days x counties, carried forward), not a Python loop per county: the loop was
        # most of a province's cold clearing page and grows with the ~2,900 counties of a national database.
        vals = ["open_stock", "year_end_stock"]
        wide = raw.pivot(index="d", columns="county_code", values=vals)
        wide = wide.reindex(wide.index.union(days)).sort_index().ffill().fillna(0).loc[days]
        out = pd.DataFrame({"county_code": pd.array(np.repeat(np.array(codes, dtype=object), len(days)), dtype="str"),
                            "d": np.tile(days.to_numpy(), len(codes)),
                            **{v: wide[v].reindex(columns=codes, fill_value=0).to_numpy().T.reshape(-1)
                               for v in vals}})
    total = out.groupby("d", as_index=False)[["open_stock", "year_end_stock"]].sum()
    total.insert(0, "county_code", "")
    out = pd.concat([total, out], ignore_index=True)
    out["open_stock"] = out["open_stock"].astype("int64")
    out["year_end_stock"] = out["year_end_stock"].astype("int64")
    out["d"] = pd.to_datetime(out["d"]).dt.date
    return out


@cached
def clearing(scope: Scope, as_of: dt.date) -> dict[str, Any]:
    """Spring Festival clearing for the scope: countdown, series, projections (total and the two tracks)."""
    rules = load_rules()
    cal = work_calendar()
    camp = campaign_for(as_of, rules)
    win = cal.workdays_back(as_of, rules.pace_window_workdays)
    first = min(camp.start, as_of)
    # one series from the earlier of the campaign start and the pace window's start (early in a campaign the window
    # reaches back before it); the burn-down shows it from the campaign start
    full = stock_series(scope, min(first, win), as_of)
    series = full[full["d"] >= first].reset_index(drop=True) if win < first else full
    tot = full[full["county_code"] == ""].set_index("d")

    def at(col: str, d: dt.date) -> int:
        return int(tot[col].get(d, 0)) if d in tot.index and d >= first else 0

    def stock_on(col: str, d: dt.date) -> int | None:
        return int(tot[col].get(d, 0))

    now = at("open_stock", as_of)
    proj = R.projection(now, stock_on("open_stock", win), rules.pace_window_workdays, as_of, camp.deadline, cal,
                        rules)
    ye_now = at("year_end_stock", as_of)
    ye_proj = R.projection(ye_now, stock_on("year_end_stock", win), rules.pace_window_workdays, as_of,
                           camp.year_end_deadline, cal, rules)
    other_now = now - ye_now
    other_win = (stock_on("open_stock", win) or 0) - (stock_on("year_end_stock", win) or 0)
    other_proj = R.projection(other_now, other_win, rules.pace_window_workdays, as_of, camp.deadline, cal, rules)
    return {"campaign": camp, "as_of": as_of, "series": series,
            "stock_at_start": at("open_stock", camp.start) if camp.start <= as_of else now,
            "projection": proj, "year_end_projection": ye_proj, "other_projection": other_proj,
            "days_left": (camp.deadline - as_of).days,
            "working_days_left": max(cal.workdays_between(as_of, camp.deadline), 0),
            "year_end_days_left": (camp.year_end_deadline - as_of).days}


# ---------------------------------------------------------------------------------------------
# Records
def _filter_params(f: Filters) -> dict[str, Any]:
    return {"sources": list(f.sources), "industries": list(f.industries), "verdicts": list(f.verdicts),
            "townships": list(f.townships), "date_from": f.date_from, "date_to": f.date_to,
            "search": (f.search or "").strip()[:100], "investment_types": list(f.investment_types),
            "sectors": list(f.sectors)}


@cached
def clues(scope: Scope, as_of: dt.date, filters: Filters = NO_FILTERS, open_only: bool = False,
          limit: int = 5000, project: str | None = None, employers: tuple[str, ...] = ()) -> pd.DataFrame:
    """Clues received on or before as_of, with due date, status at as_of, overdue days and warning level.
    project: only the clues of that project ('' = those without one); employers: only those of these exact names."""
    rules = load_rules()
    text = with_pieces("""WITH {clue_due},
    j AS (
        SELECT d.*, p.name AS project_name, p.investment_type, p.sector, r.name AS county_name
        FROM clue_due d LEFT JOIN projects p USING (project_id) LEFT JOIN regions r ON r.code = d.county_code
    )
    SELECT clue_id, county_code, county_name, township, source, industry, employer, credit_code, project_id,
           project_name, investment_type, sector, workers, amount, received_date, due_date, workdays_to_due,
           is_open, CASE WHEN is_open THEN NULL ELSE closed_date END AS closed_date, status, verdict,
           resolved_workers, resolved_amount, complainant, phone, id_number
    FROM j WHERE ($open_only = false OR is_open)
      AND ($project IS NULL OR coalesce(project_id, '') = $project)
      AND (len($employers) = 0 OR list_contains($employers, employer))
      AND ($use_ids = false OR clue_id IN (SELECT clue_id FROM passing_ids))
      {clue_filters}
    ORDER BY received_date DESC, clue_id LIMIT $limit""")
    params = {"as_of": as_of, "default_n": rules.deadline_days, "counties": _counties_param(scope),
              "open_only": open_only, "statuses": list(filters.statuses), "limit": int(limit), "project": project,
              "employers": list(employers), "use_ids": bool(filters.levels), **_filter_params(filters)}
    # With a warning-level filter only open clues can pass: find them with the light query first, so a province's
    # or the country's open clues are not all read in full (names, phones) to keep a few.
    ids = drill_open_clues(scope, as_of, filters)[["clue_id"]] if filters.levels else _NO_IDS
    df = query(text, params, rules, {"passing_ids": ids})
    df = add_clue_warnings(df, as_of, rules)
    if filters.levels:
        df = df[df["warning_level"].isin(filters.levels)]
    return _mask(df, scope).reset_index(drop=True)


def add_clue_warnings(df: pd.DataFrame, as_of: dt.date, rules: Rules) -> pd.DataFrame:
    """Overdue flags, working days overdue and the warning level of each open clue (closed clues get none)."""
    if df.empty:
        for c in ("overdue", "overdue_workdays", "warning_level", "warning_reasons", "status_at"):
            df[c] = pd.Series(dtype=object)
        return df
    due = pd.to_datetime(df["due_date"]).dt.date
    df["overdue"] = df["is_open"] & (due < as_of)
    df["overdue_workdays"] = np.where(df["overdue"], -df["workdays_to_due"], 0)
    df["government_project"] = df["investment_type"].eq("government")
    open_rows = df[df["is_open"]]
    df["warning_level"] = None
    df["warning_reasons"] = ""
    if not open_rows.empty:
        w = R.clue_warning_frame(open_rows, rules)
        df.loc[w.index, "warning_level"] = w["warning_level"]
        df.loc[w.index, "warning_reasons"] = w["warning_reasons"]
    df["status_at"] = np.where(df["is_open"], np.where(df["overdue"], "超期未办结", "办理中"), "已办结")
    return df


@cached
def projects(scope: Scope, as_of: dt.date, filters: Filters = NO_FILTERS, active_only: bool = True,
             reasons: bool = True) -> pd.DataFrame:
    """Projects with their clue counts, amount owed, missing safeguards and risk warning as of as_of
    (reasons=False: warning levels without their reasons, see R.project_warning_frame)."""
    rules = load_rules()
    # The clue counts need no due dates: the clues counted are those of _clue_due.sql (not returned, received by D,
    # in scope), read without its working-day calendar joins.
    text = """WITH
    clue_open AS (
        SELECT project_id, received_date, amount, workers, (closed_date IS NULL OR closed_date > $as_of) AS is_open
        FROM clues
        WHERE status <> 'returned' AND received_date <= $as_of AND project_id IS NOT NULL
          AND ($counties IS NULL OR list_contains($counties, county_code))
    ),
    pc AS (
        SELECT project_id,
               count(*) FILTER (WHERE is_open) AS open_clues,
               count(*) FILTER (WHERE received_date > $as_of - $repeat_days) AS clues_90d,
               count(*) AS clues_total,
               coalesce(sum(amount) FILTER (WHERE is_open), 0) AS clue_amount_open,
               coalesce(sum(workers) FILTER (WHERE is_open), 0) AS workers_open
        FROM clue_open GROUP BY project_id
    ),
    kc AS (
        SELECT project_id, count(*) FILTER (WHERE closed_date IS NULL OR closed_date > $as_of) AS open_cases,
               coalesce(sum(amount_owed - coalesce(amount_paid, 0))
                        FILTER (WHERE closed_date IS NULL OR closed_date > $as_of), 0) AS case_owed
        FROM cases WHERE opened_date <= $as_of AND project_id IS NOT NULL GROUP BY project_id
    )
    SELECT p.project_id, p.name, p.county_code, r.name AS county_name, p.township, p.sector, p.investment_type,
           p.builder, p.contractor, p.contract_amount, p.start_date, p.status, p.workers_on_site,
           p.lon_wgs84, p.lat_wgs84, p.coord_system, p.real_name, p.wage_account, p.contractor_pays,
           p.wage_deposit, p.wage_deposit_ok, p.notice_board, p.payment_guarantee, p.monthly_full_pay,
           p.roster_updated_date,
           coalesce(pc.open_clues, 0) AS open_clues, coalesce(pc.clues_90d, 0) AS clues_90d,
           coalesce(pc.clues_total, 0) AS clues_total,
           greatest(coalesce(pc.clues_90d, 0) - 1, 0) AS repeat_clues,
           coalesce(kc.open_cases, 0) AS open_cases,
           coalesce(kc.case_owed, 0) + coalesce(pc.clue_amount_open, 0) AS amount_owed,
           coalesce(pc.workers_open, 0) AS workers_open
    FROM projects p LEFT JOIN pc USING (project_id) LEFT JOIN kc USING (project_id)
    LEFT JOIN regions r ON r.code = p.county_code
    WHERE ($counties IS NULL OR list_contains($counties, p.county_code))
      AND ($active_only = false OR (p.status IN ('active', 'suspended')
                                    AND (p.start_date IS NULL OR p.start_date <= $as_of)))
      AND (len($investment_types) = 0 OR list_contains($investment_types, p.investment_type))
      AND (len($sectors) = 0 OR list_contains($sectors, p.sector))
      AND (len($townships) = 0 OR list_contains($townships, p.township))
      AND ($search = '' OR contains(lower(p.name), lower($search)) OR contains(lower(p.project_id), lower($search))
           OR contains(lower(coalesce(p.builder, '')), lower($search))
           OR contains(lower(coalesce(p.contractor, '')), lower($search)))
    ORDER BY p.project_id
    """
    fp = _filter_params(filters)
    params = {"as_of": as_of, "counties": _counties_param(scope),
              "repeat_days": rules.repeat_window_days, "active_only": active_only,
              "investment_types": fp["investment_types"], "sectors": fp["sectors"], "townships": fp["townships"],
              "search": fp["search"]}
    df = query(text, params, rules)
    df = R.project_warning_frame(df, rules, reasons=reasons)
    if filters.levels:
        df = df[df["warning_level"].isin(filters.levels)]
    if filters.missing_safeguard:
        df = df[df[filters.missing_safeguard].ne(True)]
    return df.reset_index(drop=True)


@cached
def cases(scope: Scope, as_of: dt.date, filters: Filters = NO_FILTERS, open_only: bool = False,
          project: str | None = None, employers: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cases opened on or before as_of, with status at as_of, project investment type and the 两清零 deadline.
    project: only the cases of that project ('' = those without one); employers: only those of these exact names."""
    rules = load_rules()
    camp = campaign_for(as_of, rules)
    cal = work_calendar()
    fp = _filter_params(filters)
    df = query(with_pieces("""
        SELECT k.case_id, k.clue_id, k.project_id, p.name AS project_name, p.investment_type, p.sector,
               k.county_code, r.name AS county_name, k.employer, k.opened_date, k.workers, k.amount_owed,
               k.amount_paid, k.status, k.supervision_level, k.leader, k.responsible_unit, k.due_date,
               CASE WHEN k.closed_date <= $as_of THEN k.closed_date END AS closed_date,
               (k.closed_date IS NULL OR k.closed_date > $as_of) AS is_open, k.police_referral, k.blacklisted
        FROM cases k LEFT JOIN projects p USING (project_id) LEFT JOIN regions r ON r.code = k.county_code
        WHERE k.opened_date <= $as_of AND ($counties IS NULL OR list_contains($counties, k.county_code))
          AND ($open_only = false OR k.closed_date IS NULL OR k.closed_date > $as_of)
          {case_filters}
          AND ($project IS NULL OR coalesce(k.project_id, '') = $project)
          AND (len($employers) = 0 OR list_contains($employers, k.employer))
        ORDER BY k.opened_date DESC, k.case_id"""),
               {"as_of": as_of, "counties": _counties_param(scope), "open_only": open_only, "project": project,
                "employers": list(employers),
                "search": fp["search"], "investment_types": fp["investment_types"], "sectors": fp["sectors"],
                "date_from": fp["date_from"], "date_to": fp["date_to"]}, rules)
    year_end = df["investment_type"].isin(rules.year_end_investment_types)
    df["clear_deadline"] = np.where(year_end, camp.year_end_deadline, camp.deadline)
    df["clear_track"] = np.where(year_end, "政府/国企/PPP项目（12月31日前）", "其他（春节前）")
    deadlines = pd.to_datetime(df["due_date"]).dt.date.where(df["due_date"].notna(), None)
    left = {d: cal.workdays_between(as_of, d) for d in set(deadlines.dropna())}   # few distinct deadlines
    df["workdays_left"] = [None if d is None or pd.isna(d) else left[d] for d in deadlines]
    df["status_at"] = np.where(df["is_open"], df["status"].where(df["status"] != "closed", "opened"), "closed")
    return df.reset_index(drop=True)


@cached
def clue_detail(scope: Scope, clue_id: str, as_of: dt.date) -> dict[str, Any] | None:
    """One clue with its timeline, project, employer's other clues (repeat complaints) and linked cases."""
    rules = load_rules()
    cal = work_calendar()
    row = clues.uncached(scope, as_of, Filters(search=clue_id), False, 50)  # type: ignore[attr-defined]
    row = row[row["clue_id"] == clue_id]
    if row.empty:
        return None
    c = row.iloc[0].to_dict()
    received = pd.Timestamp(c["received_date"]).date()
    due = pd.Timestamp(c["due_date"]).date()
    closed = None if pd.isna(c["closed_date"]) or c["closed_date"] is None else pd.Timestamp(c["closed_date"]).date()
    c["workdays_taken"] = cal.workdays_between(received, closed or as_of)
    c["overdue_days"] = max((closed or as_of) - due, dt.timedelta(0)).days if (closed or as_of) > due else 0
    c["overdue_workdays_final"] = max(cal.workdays_between(due, closed or as_of), 0)
    c["on_time"] = None if closed is None else closed <= due
    key = c.get("credit_code") or c.get("employer")
    # Status as of D: a clue closed after D was still open then (closed_date hidden, status shown as in progress).
    others = query("""SELECT clue_id, county_code, received_date,
                             CASE WHEN closed_date <= $as_of THEN status
                                  WHEN status = 'returned' THEN status ELSE 'in_progress' END AS status,
                             CASE WHEN closed_date <= $as_of THEN closed_date END AS closed_date,
                             workers, amount, project_id
                      FROM clues WHERE (coalesce(credit_code, employer) = $key OR
                                        ($project IS NOT NULL AND project_id = $project))
                        AND clue_id <> $id AND received_date <= $as_of
                        AND ($counties IS NULL OR list_contains($counties, county_code))
                      ORDER BY received_date DESC LIMIT 200""",
                   {"key": key, "project": c.get("project_id"), "id": clue_id, "as_of": as_of,
                    "counties": _counties_param(scope)}, rules)
    linked = cases.uncached(scope, as_of, NO_FILTERS, False)  # type: ignore[attr-defined]
    linked = linked[linked["clue_id"] == clue_id]
    return {"clue": c, "other_clues": others, "cases": linked.reset_index(drop=True)}


@cached
def employer_view(scope: Scope, employer_key: str, as_of: dt.date) -> dict[str, pd.DataFrame]:
    """All clues and cases of one employer (credit code or name) across counties in scope."""
    rules = load_rules()
    params = {"key": employer_key, "as_of": as_of, "counties": _counties_param(scope)}
    cl = query("""SELECT c.clue_id, r.name AS county_name, c.received_date,
                         CASE WHEN c.closed_date <= $as_of OR c.status = 'returned' THEN c.status
                              ELSE 'in_progress' END AS status,
                         CASE WHEN c.closed_date <= $as_of THEN c.closed_date END AS closed_date, c.workers,
                         c.amount, c.project_id, c.employer, c.credit_code
                  FROM clues c LEFT JOIN regions r ON r.code = c.county_code
                  WHERE (c.credit_code = $key OR c.employer = $key) AND c.received_date <= $as_of
                    AND ($counties IS NULL OR list_contains($counties, c.county_code))
                  ORDER BY c.received_date DESC""", params, rules)
    ks = query("""SELECT k.case_id, r.name AS county_name, k.opened_date,
                         CASE WHEN k.closed_date <= $as_of THEN k.status
                              WHEN k.status = 'closed' THEN 'opened' ELSE k.status END AS status,
                         CASE WHEN k.closed_date <= $as_of THEN k.closed_date END AS closed_date, k.amount_owed,
                         k.amount_paid, k.blacklisted, k.supervision_level
                  FROM cases k LEFT JOIN regions r ON r.code = k.county_code
                  WHERE (k.employer = $key OR k.employer IN (SELECT employer FROM clues WHERE credit_code = $key))
                    AND k.opened_date <= $as_of
                    AND ($counties IS NULL OR list_contains($counties, k.county_code))
                  ORDER BY k.opened_date DESC""", params, rules)
    return {"clues": cl, "cases": ks}


@cached
def repeat_employers(scope: Scope, as_of: dt.date, start: dt.date, top: int = 20) -> pd.DataFrame:
    """Employers with the most clues in the period (repeat offenders), with blacklist status."""
    return query("""
        SELECT coalesce(any_value(c.credit_code), '') AS credit_code, c.employer,
               count(*) AS clues, count(DISTINCT c.county_code) AS counties,
               sum(c.workers) AS workers, sum(c.amount) AS amount,
               bool_or(coalesce(k.blacklisted, false)) AS blacklisted
        FROM clues c LEFT JOIN (SELECT employer, bool_or(blacklisted) AS blacklisted FROM cases GROUP BY employer) k
             ON k.employer = c.employer
        WHERE c.received_date BETWEEN $from AND $as_of AND c.status <> 'returned'
          AND ($counties IS NULL OR list_contains($counties, c.county_code))
        GROUP BY c.employer HAVING count(*) >= 2 ORDER BY clues DESC, amount DESC LIMIT $top""",
                 {"from": start, "as_of": as_of, "counties": _counties_param(scope), "top": top})


def _case_status_loaded_before(cutoff: dt.datetime, case_ids: pd.Series) -> dict[str, str]:
    """case_id -> its status (stage) in the newest version loaded before cutoff, for the cases that had one: the
    ledger records no dated stage history, but every load keeps the versions it replaced (cases_history) and
    load_batches says when each load finished."""
    if case_ids.empty:
        return {}
    df = query("""
        WITH ids AS (SELECT DISTINCT case_id FROM wanted),
        versions AS (
            SELECT case_id, status, batch_id FROM cases JOIN ids USING (case_id)
            UNION ALL
            SELECT case_id, status, batch_id FROM cases_history JOIN ids USING (case_id)
        )
        SELECT v.case_id, arg_max(v.status, v.batch_id) AS status
        FROM versions v JOIN load_batches b USING (batch_id)
        WHERE b.finished_at < $cutoff
        GROUP BY v.case_id""", {"cutoff": cutoff},
               tables={"wanted": pd.DataFrame({"case_id": case_ids.astype(object).to_numpy()})})
    return dict(zip(df["case_id"], df["status"], strict=True))


@cached
def key_matters(scope: Scope, week_start: dt.date, week_end: dt.date) -> pd.DataFrame:
    """重点督办事项 as of the week's end: escalated open cases, red clues and red projects, with owners and what
    changed since the previous week; 'new_large' marks matters new this week with >= N workers or >= X 元.
    Order: new large matters first, then cases, clues, projects, each by amount (largest first)."""
    from huxin.vocab import CASE_STAGE_LABEL, SUPERVISION_LABEL
    rules = load_rules()
    as_of = week_end
    prev = week_start - dt.timedelta(days=1)

    def large(workers: pd.Series, amount: pd.Series) -> pd.Series:
        return (pd.to_numeric(workers, errors="coerce").fillna(0) >= rules.large_workers) | \
            (pd.to_numeric(amount, errors="coerce").fillna(0) >= rules.large_amount)

    def since_monday(dates: pd.Series) -> pd.Series:
        return pd.to_datetime(dates).dt.date >= week_start

    # Cases: escalated (挂牌督办 / 领导包案 / 专案组) or new this week and large.
    ks = cases(scope, as_of, NO_FILTERS, True)
    new = since_monday(ks["opened_date"])
    big = new & large(ks["workers"], ks["amount_owed"])
    ks = ks.assign(new_large=big)[ks["supervision_level"].fillna("").astype(bool) | big]
    stage = ks["status"].map(lambda v: CASE_STAGE_LABEL.get(v, v))
    # The stage at the end of last week: the case's version in the last load before this Monday (a later load that
    # changed a case moved the old row to cases_history). A case first loaded this week has no such version: "—".
    before = _case_status_loaded_before(dt.datetime.combine(week_start, dt.time()), ks["case_id"])
    prev_status = ks["case_id"].map(before)
    change = np.where(prev_status.isna(), "—",
                      np.where(prev_status.eq(ks["status"]).fillna(False), "无变化", "阶段变为" + stage.astype(str)))
    case_rows = pd.DataFrame({
        "kind": "案件", "id": ks["case_id"], "county_name": ks["county_name"], "name": ks["employer"],
        "level": ks["supervision_level"].map(lambda v: SUPERVISION_LABEL.get(v, "重大案件")),
        "leader": ks["leader"], "unit": ks["responsible_unit"], "amount": ks["amount_owed"], "workers": ks["workers"],
        "deadline": ks["due_date"], "workdays_left": ks["workdays_left"], "stage": stage,
        "change": np.where(new[ks.index], "本周新立案", change),
        "new_large": ks["new_large"]})

    # Red clues; "本周升为红色" when it was open but not red at the end of last week. From the light open-clue frame
    # (no names, phones or ids to read and mask; a national roll-up has ~40,000 red clues), reasons for the red only.
    oc = drill_open_clues(scope, as_of)
    cl = R.clue_warning_frame(oc[oc["warning_level"].eq(R.RED)].drop(columns=["warning_level"]), rules)
    names = dict(zip(regions(ALL)["code"], regions(ALL)["name"], strict=True))
    cl = cl.assign(county_name=cl["county_code"].map(names),
                   status_at=np.where(cl["overdue"], "超期未办结", "办理中"))
    was = drill_open_clues(scope, prev)
    prev_level = cl["clue_id"].map(dict(zip(was["clue_id"], was["warning_level"], strict=True)))
    new = since_monday(cl["received_date"])
    clue_rows = pd.DataFrame({
        "kind": "线索", "id": cl["clue_id"], "county_name": cl["county_name"], "name": cl["employer"],
        "level": "红色预警：" + cl["warning_reasons"].astype(str), "leader": None, "unit": None,
        "amount": cl["amount"], "workers": cl["workers"], "deadline": cl["due_date"],
        "workdays_left": cl["workdays_to_due"], "stage": cl["status_at"],
        "change": np.where(new, "本周新增", np.where(prev_level.ne(R.RED), "本周升为红色", "仍为红色")),
        "new_large": new & large(cl["workers"], cl["amount"])})

    # read past the cache: only the red projects are kept (a national roll-up has 300,000 active projects, and
    # caching that frame costs seconds of pickling and memory for nothing)
    pj = projects.uncached(scope, as_of, NO_FILTERS, True, reasons=False)  # type: ignore[attr-defined]
    pj = pj[pj["warning_level"] == R.RED]
    pj = R.project_warning_frame(pj.drop(columns=["missing_safeguards", "risk_score", "warning_level",
                                                  "warning_reasons"]), rules)   # the reasons, for the red ones
    project_rows = pd.DataFrame({
        "kind": "项目", "id": pj["project_id"], "county_name": pj["county_name"], "name": pj["name"],
        "level": "红色预警：" + pj["warning_reasons"].astype(str), "leader": None, "unit": pj["contractor"],
        "amount": pj["amount_owed"], "workers": pj["workers_open"], "deadline": None, "workdays_left": None,
        "stage": np.where(pj["status"] == "suspended", "停工", "在建"), "change": "", "new_large": False})

    columns = ["kind", "id", "county_name", "name", "level", "leader", "unit", "amount", "workers", "deadline",
               "workdays_left", "stage", "change", "new_large"]
    parts = [f for f in (case_rows, clue_rows, project_rows) if not f.empty]
    out = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    for c in ("kind", "id", "county_name", "name", "level", "leader", "unit", "stage", "change"):
        out[c] = out[c].astype("str")
    for c in ("amount", "workers", "workdays_left"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["deadline"] = pd.to_datetime(out["deadline"])
    out["new_large"] = out["new_large"].astype(bool)
    order = {"案件": 0, "线索": 1, "项目": 2}
    return out.sort_values(by=["new_large", "kind", "amount"], key=lambda s: s.map(order) if s.name == "kind" else s,
                           ascending=[False, True, False]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Load status (CLI `status` and the data-quality page)
def load_status(path: Path) -> dict[str, Any]:
    """Loads so far, rows per table, issues, freshness, and records missing from the latest ledger of their kind."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        def one(q: str, p: list[Any] | None = None) -> Any:
            return con.execute(q, p or []).fetchall()[0][0]
        m = dict(con.execute("SELECT key, value FROM meta").fetchall())
        rows = {t: one(f"SELECT count(*) FROM {t}") for t in ("regions", "projects", "clues", "cases",
                                                               "clues_history", "projects_history",
                                                               "cases_history", "load_issues")}
        newest = {"线索反映时间": one("SELECT max(received_date) FROM clues"),
                  "线索办结时间": one("SELECT max(closed_date) FROM clues"),
                  "案件立案日期": one("SELECT max(opened_date) FROM cases"),
                  "项目实名制更新": one("SELECT max(roster_updated_date) FROM projects")}
        missing = {}
        for kind, label in (("clues", "线索"), ("projects", "项目"), ("cases", "案件")):
            n = one(f"""SELECT count(*) FROM {kind} WHERE batch_id < (SELECT max(f.batch_id) FROM load_files f
                         WHERE f.kind = '{kind}') AND source_file NOT IN (SELECT file FROM load_files
                         WHERE batch_id = (SELECT max(batch_id) FROM load_files WHERE kind = '{kind}'))""")
            if n:
                missing[label] = n
        batches = con.execute("""SELECT b.batch_id AS 批次, b.finished_at AS 完成时间, b.command AS 命令,
                                    f.file AS 文件, f.kind AS 类型, f.rows_in AS 数据行, f.loaded AS 导入,
                                    f.rejected AS 拒收, f.skipped_summary AS 合计行, f.warnings AS 警告
                                 FROM load_batches b JOIN load_files f USING (batch_id)
                                 ORDER BY b.batch_id DESC, f.file LIMIT 50""").df()
        issues = con.execute("""SELECT batch_id AS 批次, file AS 文件, sheet AS 工作表, row_number AS 行,
                                   column_name AS 列, value AS 值, severity AS 级别, reason AS 原因
                                FROM load_issues ORDER BY batch_id DESC, severity, file, row_number""").df()
        return {"scope_name": m.get("scope_name", ""), "is_demo": m.get("is_demo") == "1",
                "last_load": m.get("last_load"), "rows": rows, "newest": newest,
                "rejected": one("SELECT count(*) FROM load_issues WHERE severity = 'error'"),
                "warnings": one("SELECT count(*) FROM load_issues WHERE severity = 'warning'"),
                "missing_from_latest": missing, "batches": batches, "issues": issues}
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# --- ranking and drill-down (pages/ranking.py, pages/drill.py) ---
PERIODS: dict[str, str] = {"campaign": "本次行动", "week": "本周", "month": "本月", "year": "本年", "custom": "自定义"}
UNSET_TOWNSHIP = "（未填乡镇）"   # the township key of records whose ledger row names none
DRILL_LEVELS = ("county_code", "township", "project_id")
DRILL_COUNTS = ("received", "closed", "closed_on_time", "open_clues", "overdue_open", "red_open", "open_cases",
                "amount_open", "workers")


def period_start(kind: str, as_of: dt.date) -> dt.date:
    """First day of a named period (PERIODS) that ends on as_of; 'custom' periods bring their own start."""
    if kind == "campaign":  # before the coming campaign starts its "period" is empty: start at as_of
        return min(campaign_for(as_of, load_rules()).start, as_of)
    if kind == "week":
        return as_of - dt.timedelta(days=as_of.weekday())
    if kind == "month":
        return as_of.replace(day=1)
    return dt.date(as_of.year, 1, 1)


def campaign_week_ends(as_of: dt.date) -> list[dt.date]:
    """The Sunday closing each week of the current campaign before as_of, then as_of itself (both capped at the
    clearing deadline: after it the campaign is over and its trend stops)."""
    camp = campaign_for(as_of, load_rules())
    end = min(as_of, camp.deadline)
    d = camp.start + dt.timedelta(days=(6 - camp.start.weekday()) % 7)
    out = []
    while d < end:
        out.append(d)
        d += dt.timedelta(days=7)
    return [*out, end]


@cached
def rank_trend(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Score, grade and rank of every county at each campaign week end (campaign_week_ends), each over the campaign
    period [campaign start, week end]: columns d, code, name, score, grade, rank. City-wide like county_table."""
    rules = load_rules()
    camp = campaign_for(as_of, rules)
    base = ALL if scope.counties is not None else scope
    ends = campaign_week_ends(as_of)
    parts = []
    if all(d >= camp.start for d in ends):
        # one pass over the ledgers for every week end (county_aggregates per week end: ~0.8 s each at national
        # scale, 9 s by January)
        inputs = score_inputs_by_week(base, tuple(ends), camp.start)
        for d, week in inputs.groupby("d", sort=True):
            parts.append(R.league_scores(week.drop(columns="d").reset_index(drop=True), rules).assign(d=d))
    else:   # before the campaign has begun: its one "week end" is as_of itself
        for d in ends:
            t = R.league_scores(county_aggregates(base, d, min(camp.start, d)), rules)
            if not t.empty:
                parts.append(t.assign(d=d))
    if not parts:
        return pd.DataFrame(columns=["d", "code", "name", "score", "grade", "rank"])
    out = pd.concat(parts, ignore_index=True)
    return out[["d", "code", "name", "score", "grade", "rank"]]


@cached
def score_inputs_by_week(scope: Scope, ends: tuple[dt.date, ...], start: dt.date) -> pd.DataFrame:
    """The county score's inputs (huxin.rules.league_scores) at each of the sorted dates ends, each for the period
    [start, end] (start at or before every end; the ends within one campaign, after its start, so that the stock at
    the campaign start is one number): columns d, code, name and those of R.SCORE_INPUTS, one row per
    county of scope (zeros too) and end, ordered by d, code. Equal, count for count, to county_aggregates(scope, d,
    start) for each end d, computed in one pass over the ledgers (huxin/sql/score_inputs_by_week.sql gives each
    record as an interval of end indexes; they are added up here with a difference array)."""
    ends = tuple(sorted(ends))
    rules = load_rules()
    # the stock at the campaign start, as county_aggregates takes it for each end (min(campaign start, end))
    baselines = {_agg_params(scope, d, start, rules)["start"] for d in ends}
    if not ends or start > ends[0] or len(baselines) != 1:
        raise ValueError("score_inputs_by_week needs ends on or after start, within one campaign")
    k = len(ends)
    params = {"as_of": ends[-1], "ends": list(ends), "k": k, "from": start, "start": baselines.pop(),
              "default_n": rules.deadline_days, "counties": _counties_param(scope)}
    rows = query(sql("score_inputs_by_week"), params, rules, tables={"repeat_daily": repeat_daily()})
    reg = regions(scope)[["code", "name"]].sort_values("code", ignore_index=True)
    pos = pd.Index(reg["code"])
    metrics = ("received", "closed", "closed_on_time", "overdue_open", "open_clues", "open_cases",
               "open_stock_at_start", "active_projects", "projects_all_core", "repeat_clues")
    diff = np.zeros((len(metrics), len(reg), k + 1), dtype=np.int64)
    rows = rows[rows["county_code"].isin(pos)]
    m = pd.Index(metrics).get_indexer(rows["metric"])
    c = pos.get_indexer(rows["county_code"])
    n = rows["n"].to_numpy(dtype=np.int64)
    np.add.at(diff, (m, c, rows["a"].to_numpy(dtype=np.int64)), n)    # +n from the first end counted
    np.add.at(diff, (m, c, rows["b"].to_numpy(dtype=np.int64)), -n)   # -n from the first end not counted
    at = np.cumsum(diff, axis=2)[:, :, :k]                             # (metric, county, end)
    vals = dict(zip(metrics, at, strict=True))
    out = pd.DataFrame({
        "d": np.repeat(np.array(ends, dtype=object), len(reg)),
        "code": np.tile(reg["code"].to_numpy(dtype=object), k), "name": np.tile(reg["name"].to_numpy(dtype=object), k),
        **{name: vals[name].T.reshape(-1) for name in metrics if name != "open_cases"},
        "open_stock": (vals["open_clues"] + vals["open_cases"]).T.reshape(-1)})
    return out[["d", "code", "name", *R.SCORE_INPUTS]]


def clue_only_filters(f: Filters) -> bool:
    """Filters that only a clue has (cases follow them through the clue they were opened from)."""
    return bool(f.sources or f.industries or f.statuses or f.levels or f.verdicts)


@cached
def drill_records(scope: Scope, as_of: dt.date, filters: Filters = NO_FILTERS, township: str | None = None,
                  project: str | None = None) -> dict[str, pd.DataFrame]:
    """Clues and cases of one drill-down level with the same filters applied to both, so every level's counts add up.

    Level: the counties of scope (narrow with scope.narrowed), optionally one township (UNSET_TOWNSHIP for records
    without one) and/or one project ('' for records without a project). Clues get every filter. Cases get search,
    investment type, sector and date range (opened date) themselves; the township of their clue, else of their
    project; and while a clue-only filter (source, industry, status, warning level, verdict) is set, only cases
    opened from a clue that passes the filters.
    """
    cl = clues(scope, as_of, filters, False, 10_000_000, project)
    cl["township"] = cl["township"].fillna(UNSET_TOWNSHIP)
    cl["project_id"] = cl["project_id"].fillna("")
    ks = cases(scope, as_of, filters, False, project)
    tw = query("""SELECT k.case_id, coalesce(c.township, p.township) AS township
                  FROM cases k LEFT JOIN clues c ON c.clue_id = k.clue_id
                  LEFT JOIN projects p ON p.project_id = k.project_id
                  WHERE k.opened_date <= $as_of AND ($counties IS NULL OR list_contains($counties, k.county_code))
                    AND ($project IS NULL OR coalesce(k.project_id, '') = $project)""",
               {"as_of": as_of, "counties": _counties_param(scope), "project": project})
    ks = ks.merge(tw.drop_duplicates("case_id"), on="case_id", how="left")
    ks["township"] = ks["township"].fillna(UNSET_TOWNSHIP)
    ks["project_id"] = ks["project_id"].fillna("")
    if clue_only_filters(filters):   # a case's clue may be listed under another project
        passing = cl["clue_id"] if project is None else clues(scope, as_of, filters, False, 10_000_000)["clue_id"]
        ks = ks[ks["clue_id"].isin(passing)]
    if filters.townships:
        ks = ks[ks["township"].isin(filters.townships)]
    if township is not None:
        cl = cl[cl["township"] == township]
        ks = ks[ks["township"] == township]
    if project is not None:
        cl = cl[cl["project_id"] == project]
        ks = ks[ks["project_id"] == project]
    return {"clues": cl.reset_index(drop=True), "cases": ks.reset_index(drop=True)}


def _drill_params(scope: Scope, as_of: dt.date, start: dt.date, filters: Filters, by: str | None,
                  township: str | None, project: str | None) -> dict[str, Any]:
    rules = load_rules()
    return {"as_of": as_of, "start": start, "default_n": rules.deadline_days, "counties": _counties_param(scope),
            "statuses": list(filters.statuses), "unset": UNSET_TOWNSHIP, "by": by or "", "township": township,
            "project": project, **_filter_params(filters)}


_DRILL_KEY_COLUMN = {"county_code": "county_code", "township": "township_key", "project_id": "project_key"}
_NO_IDS = pd.DataFrame({"clue_id": pd.Series([], dtype=object)})


@cached
def drill_open_clues(scope: Scope, as_of: dt.date, filters: Filters = NO_FILTERS, township: str | None = None,
                     project: str | None = None) -> pd.DataFrame:
    """The open clues of a drill-down level (scope, township, project) that pass the filters — warning level
    included — with their county, township and project keys (drill_counts) and their warning level. Only open clues
    carry a level, so this is all the level filter and the red count read."""
    rules = load_rules()
    params = {**_drill_params(scope, as_of, as_of, filters, None, township, project), "use_ids": False}
    text = sql("drill_open_clues")
    df = query(text, _used(text, params), rules, {"passing_ids": _NO_IDS})
    df["overdue"] = pd.to_datetime(df["due_date"]).dt.date < as_of
    df["government_project"] = df["investment_type"].eq("government")
    df["warning_level"] = (R.clue_warning_frame(df, rules, reasons=False)["warning_level"] if len(df)
                           else pd.Series(dtype=object))
    if filters.levels:
        df = df[df["warning_level"].isin(filters.levels)]
    return df.reset_index(drop=True)


@cached
def clue_places(scope: Scope, as_of: dt.date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """county_code and project_id ('' without one) of every clue received by as_of that passes the filters (not the
    warning level, which only open clues have): what the map's heat layer needs, without reading the clues in full
    (a national month is ~250,000 clues)."""
    if filters.levels:
        raise ValueError("clue_places takes no warning-level filter")
    params = {**_drill_params(scope, as_of, as_of, filters, None, None, None), "use_ids": False}
    text = sql("clue_places")
    return query(text, _used(text, params), load_rules(), {"passing_ids": _NO_IDS})


@cached
def open_clue_items(scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """The open clues of scope with what a list of open items shows — clue_id, county_name, employer,
    received_date, amount, workers, warning_level — and no personal data (so nothing to mask): at national scale
    the full records (clues()) of 150,000 open clues cost seconds more."""
    df = drill_open_clues(scope, as_of)
    names = dict(zip(regions(ALL)["code"], regions(ALL)["name"], strict=True))
    return df.assign(county_name=df["county_code"].map(names))[
        ["clue_id", "county_code", "county_name", "employer", "received_date", "amount", "workers", "warning_level"]]


def _drill_query(name: str, scope: Scope, as_of: dt.date, start: dt.date, filters: Filters, by: str | None,
                 township: str | None, project: str | None, **extra: Any) -> pd.DataFrame:
    """Run one drill_*.sql at a level. The warning-level filter is the one filter SQL cannot apply (levels are
    huxin.rules' business): the clues that pass it are open ones, computed by drill_open_clues and handed over."""
    params = {**_drill_params(scope, as_of, start, filters, by, township, project),
              "use_ids": bool(filters.levels), "clue_only": clue_only_filters(filters), **extra}
    ids = _NO_IDS
    if filters.levels:
        ids = drill_open_clues(scope, as_of, filters)[["clue_id"]]
    text = sql(name)
    return query(text, _used(text, params), load_rules(), {"passing_ids": ids})


def _used(text: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a query names (DuckDB refuses unused named parameters; the drill queries share one set)."""
    names = set(re.findall(r"\$(\w+)", text))
    return {k: v for k, v in params.items() if k in names}


@cached
def drill_counts(scope: Scope, as_of: dt.date, start: dt.date, filters: Filters = NO_FILTERS, by: str | None = None,
                 township: str | None = None, project: str | None = None) -> pd.DataFrame:
    """The KPI strip (by=None: one row) or the table of the level below (by='county_code' | 'township' |
    'project_id') of a drill-down level: the counties of scope (narrow with scope.narrowed), optionally one township
    (UNSET_TOWNSHIP for records without one) and/or one project ('' for records without a project).
    Columns: key, name, DRILL_COUNTS, closure_rate, on_time_rate.

    Same definitions as county_aggregates: received / closed / closed on time count clues received in
    [start, as_of]; open, overdue, red and amount count every clue open at as_of; open cases every case open at as_of.
    Clues get every filter. Cases get search, investment type, sector and date range (opened date) themselves; the
    township of their clue, else of their project; and while a clue-only filter (source, industry, status, warning
    level, verdict) is set, only cases opened from a clue that passes the filters. Counted in DuckDB (drill_*.sql),
    so a province or the whole country is never read clue by clue.

    Counties list every county of scope (zero rows too). Projects carry their ledger facts (name, investment type,
    sector, status, project warning level, missing safeguards); when no clue-only filter is set, the active projects
    sited in the township that match the project filters are listed even without any record.
    """
    if by is not None and by not in DRILL_LEVELS:
        raise ValueError(f"by must be one of {DRILL_LEVELS}")
    counts = _drill_query("drill_clue_counts", scope, as_of, start, filters, by, township, project).set_index("key")
    open_cl = drill_open_clues(scope, as_of, filters, township, project)
    red_keys = open_cl.loc[open_cl["warning_level"].eq(R.RED), _DRILL_KEY_COLUMN.get(by or "", "county_code")]
    red = (red_keys if by else pd.Series("", index=red_keys.index)).value_counts().rename("red_open")
    kc = _drill_query("drill_case_counts", scope, as_of, start, filters, by, township, project).set_index("key")
    out = counts.join(red, how="outer").join(kc["open_cases"], how="outer")
    if by is None and out.empty:
        out = pd.DataFrame(0, index=pd.Index([""], name="key"), columns=list(DRILL_COUNTS))
    out = out.reindex(columns=list(DRILL_COUNTS)).fillna(0)
    for c in DRILL_COUNTS:
        out[c] = out[c].astype("float64" if c == "amount_open" else "int64")
    out = out.rename_axis("key").reset_index().sort_values("key", ignore_index=True)
    if by is None:
        out["name"] = ""
    elif by == "county_code":
        reg = regions(scope)[["code", "name"]].rename(columns={"code": "key"})
        out = reg.merge(out, on="key", how="left")
        for c in DRILL_COUNTS:
            out[c] = out[c].fillna(0).astype("float64" if c == "amount_open" else "int64")
    elif by == "township":
        out["name"] = out["key"]
    else:
        pf = Filters(investment_types=filters.investment_types, sectors=filters.sectors)
        facts = projects(scope, as_of, pf, False)
        if township is not None and not clue_only_filters(filters):
            here = projects(scope, as_of, Filters(investment_types=filters.investment_types, sectors=filters.sectors,
                                                  search=filters.search), True)
            here = here[here["township"].fillna(UNSET_TOWNSHIP) == township]
            extra = pd.DataFrame({"key": sorted(set(here["project_id"]) - set(out["key"]))})
            if not extra.empty:
                out = pd.concat([out, extra], ignore_index=True)
                for c in DRILL_COUNTS:
                    out[c] = out[c].fillna(0).astype("float64" if c == "amount_open" else "int64")
        cols = ["project_id", "name", "investment_type", "sector", "status", "warning_level", "risk_score",
                "missing_safeguards"]
        out = out.merge(facts[cols].rename(columns={"project_id": "key", "warning_level": "project_level"}),
                        on="key", how="left")
        out.loc[out["key"] == "", "name"] = "（未关联项目）"
    out["closure_rate"] = [R.rate(c, r) for c, r in zip(out["closed"], out["received"], strict=True)]
    out["on_time_rate"] = [R.rate(c, r) for c, r in zip(out["closed_on_time"], out["closed"], strict=True)]
    first = ["key", "name"]
    return out[first + [c for c in out.columns if c not in first]].reset_index(drop=True)


@cached
def drill_employers(scope: Scope, as_of: dt.date, start: dt.date, filters: Filters = NO_FILTERS,
                    township: str | None = None, project: str | None = None, top: int = 50) -> pd.DataFrame:
    """Employers with two or more clues received in [start, as_of] at this drill-down level (repeat offenders):
    key (credit code, else name), employer, credit_code, clues, open_clues, counties, workers, amount, blacklisted
    (huxin/sql/drill_employers.sql); most clues first, then the largest amount."""
    return _drill_query("drill_employers", scope, as_of, start, filters, None, township, project, top=int(top))


@cached
def employer_records(scope: Scope, key: str, as_of: dt.date) -> dict[str, Any]:
    """Everything of one employer in scope as of as_of: its clues (by credit code or name, plus same-name clues
    without a code) and the cases of any of its names, across counties; names, codes, counties, blacklist status."""
    cl = clues(scope, as_of, Filters(search=key), False, 10_000_000)
    cl = cl[cl["credit_code"].eq(key) | cl["employer"].eq(key)]
    names = set(cl["employer"].dropna()) | {key}
    if names - {key}:
        more = clues(scope, as_of, NO_FILTERS, False, 10_000_000, employers=tuple(sorted(names)))
        more = more[more["credit_code"].isna() | more["credit_code"].eq("")]
        cl = pd.concat([cl, more[~more["clue_id"].isin(cl["clue_id"])]], ignore_index=True)
    ks = cases(scope, as_of, NO_FILTERS, False, employers=tuple(sorted(names)))
    cl = cl.sort_values(["received_date", "clue_id"], ascending=[False, True]).reset_index(drop=True)
    return {"clues": cl, "cases": ks, "names": sorted(set(cl["employer"].dropna()) | set(ks["employer"].dropna())),
            "credit_codes": sorted(set(cl["credit_code"].dropna()) - {""}),
            "counties": sorted(set(cl["county_name"].dropna()) | set(ks["county_name"].dropna())),
            "blacklisted": bool(ks["blacklisted"].fillna(False).astype(bool).any())}


@cached
def project_detail(scope: Scope, project_id: str, as_of: dt.date) -> dict[str, Any] | None:
    """One project as of as_of (ledger facts, risk score, warning level and reasons) with its safeguards, each
    marked 已落实 / 未落实 (core ones are those of the county score)."""
    from huxin.vocab import CORE_SAFEGUARDS, SAFEGUARDS, WAGE_DEPOSIT_LABEL
    df = projects(scope, as_of, Filters(search=project_id), False)
    df = df[df["project_id"] == project_id]
    if df.empty:
        return None
    p = df.iloc[0].to_dict()
    rows = []
    for col, label in SAFEGUARDS.items():
        v = p.get(col)
        ok = False if v is None or pd.isna(v) else bool(v)
        note = ""
        if col == "wage_deposit_ok":
            note = WAGE_DEPOSIT_LABEL.get(p.get("wage_deposit") or "", "未填")
        rows.append({"safeguard": label, "core": col in CORE_SAFEGUARDS, "in_place": ok, "note": note})
    return {"project": p, "safeguards": pd.DataFrame(rows)}


@cached
def case_detail(scope: Scope, case_id: str, as_of: dt.date) -> dict[str, Any] | None:
    """One case as of as_of (stage, escalation, responsible leader and unit, amounts) and its clue, if any."""
    df = cases(scope, as_of, Filters(search=case_id), False)
    df = df[df["case_id"] == case_id]
    if df.empty:
        return None
    k = df.iloc[0].to_dict()
    clue = clue_detail(scope, k["clue_id"], as_of) if isinstance(k.get("clue_id"), str) and k["clue_id"] else None
    return {"case": k, "clue": None if clue is None else clue["clue"]}


# --- load status (导入情况 page) ---
@cached
def load_files_table(last_batches: int = 10) -> pd.DataFrame:
    """Per-file accounting of the latest ``last_batches`` load batches, newest first.

    rows_in = loaded + rejected + skipped_summary; blank rows are counted apart (not in rows_in).
    """
    return query("""SELECT b.batch_id, b.finished_at, b.command, b.is_demo, f.file, f.sheet, f.kind, f.rows_in,
                           f.loaded, f.inserted, f.updated, f.unchanged, f.rejected, f.skipped_summary,
                           f.blank_rows, f.warnings, f.newest_date
                    FROM load_files f JOIN load_batches b USING (batch_id)
                    WHERE b.batch_id > (SELECT coalesce(max(batch_id), 0) FROM load_batches) - $n
                    ORDER BY b.batch_id DESC, f.kind, f.file, f.sheet""", {"n": int(last_batches)})


@cached
def ledger_freshness() -> pd.DataFrame:
    """Records per ledger and the newest date of each dated field: a ledger whose newest date lags the others was
    probably not re-exported before the last load."""
    return query("""
        WITH f AS (
            SELECT 1 AS ord, '线索台账' AS ledger, '反映时间' AS field, count(*) AS records,
                   max(received_date) AS newest FROM clues
            UNION ALL SELECT 2, '线索台账', '办结时间', count(*), max(closed_date) FROM clues
            UNION ALL SELECT 3, '案件台账', '立案日期', count(*), max(opened_date) FROM cases
            UNION ALL SELECT 4, '案件台账', '结案日期', count(*), max(closed_date) FROM cases
            UNION ALL SELECT 5, '在建项目台账', '实名制更新日期', count(*), max(roster_updated_date) FROM projects
        )
        SELECT ledger, field, records, newest FROM f ORDER BY ord""")


@cached
def load_issue_rows(scope: Scope, limit: int = 5000) -> pd.DataFrame:
    """Rejected (error) and warned (warning) ledger rows of the loads, newest batch first: batch_id, file, sheet,
    row_number, column_name, value, severity, reason.

    load_issues has no county column (a rejected row may not even name a valid county), so a county scope gets no
    rows at all. The value is masked unless scope.unmask: a personal column by its own rule (张*, 138****1234), any
    other value (and the reason, which may quote it) scrubbed of phone, ID and card numbers. The raw row (JSON) is
    never returned.
    """
    from huxin import privacy as P
    from huxin.vocab import LEDGER_HEADERS

    maskers = {"name": P.mask_name, "phone": P.mask_phone, "id": P.mask_id, "card": P.mask_card}
    cols = ["batch_id", "file", "sheet", "row_number", "column_name", "value", "severity", "reason"]
    if scope.counties is not None:
        return pd.DataFrame(columns=cols)
    df = query("""SELECT batch_id, file, sheet, row_number, column_name, value, severity, reason FROM load_issues
                  ORDER BY batch_id DESC, severity, file, sheet, row_number LIMIT $limit""", {"limit": int(limit)})
    if scope.unmask or df.empty:
        return df
    kind_of = dict(P.PERSONAL_COLUMNS)
    kind_of.update({h: P.PERSONAL_COLUMNS[c] for hs in LEDGER_HEADERS.values() for h, (c, _) in hs.items()
                    if c in P.PERSONAL_COLUMNS})
    df["value"] = [maskers[kind_of[c]](v) if c in kind_of else P.mask_text(v)
                   for c, v in zip(df["column_name"], df["value"], strict=True)]
    # reasons quote the offending value (“未知区县：…”), so they are scrubbed too
    df["reason"] = df["reason"].map(P.mask_text)
    return df


# --- performance (bench/, issue 9) ---
@cached
def repeat_daily() -> pd.DataFrame:
    """Repeat complaints (重复反映) per county and receiving day: county_code, d, n (huxin/sql/repeat_daily.sql).

    Whether a clue is a repeat depends only on earlier clues, never on the as-of date or the period, so it is
    computed once per data version (and rules) instead of in every county_aggregates call: its three window
    functions over every clue were two thirds of that query (profiled on the province and national benchmarks).
    """
    rules = load_rules()
    params = {"repeat_days": rules.repeat_window_days}
    # The loader stores each clue's gap to the previous same-key clue (huxin/sql/clue_repeat_gaps.sql) and notes the
    # load and the clue count it was computed for; a database written otherwise falls back to the windows here.
    now = query("""SELECT (SELECT max(batch_id) FROM load_batches) AS b, (SELECT count(*) FROM clues) AS n""").iloc[0]
    stamp = f"{'' if pd.isna(now['b']) else int(now['b'])}:{int(now['n'])}"
    if meta().get("repeat_gaps") == stamp:
        return query(sql("repeat_daily_from_gaps"), params, rules)
    return query(sql("repeat_daily"), params, rules)
