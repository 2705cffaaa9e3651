"""Finding and parsing a CSV's time column; the seasonal period its spacing implies."""
from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

__all__ = ["find_time_column", "guess_season", "to_number"]


def to_number(col: pd.Series) -> pd.Series:
    """A column as floats (NaN where a cell is not a number): told apart from dates, and used by the CSV reader."""
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    return pd.to_numeric(col.astype(str).str.strip(), errors="coerce")


_TIME_NAMES = re.compile(r"(date|time|month|year|period|day|week|quarter|^ds$|timestamp|^t$|^index$|^idx$|^step$"
                         r"|^unnamed: 0$)", re.I)


def find_time_column(frame: pd.DataFrame) -> tuple[str | None, np.ndarray | None]:
    """The first column that holds dates, years or yyyymmdd integers, parsed. Only the first 20 columns
    are tried: the time comes first in practice, and trying a thousand text columns takes seconds."""
    for name in frame.columns[:20]:
        col = frame[name]
        parsed = _parse_time(col, bool(_TIME_NAMES.search(name)))
        if parsed is not None:
            return name, parsed
    return None, None


def _parse_time(col: pd.Series, named: bool) -> np.ndarray | None:
    present = col.dropna()
    if len(present) < 2:
        return None
    whole = pd.api.types.is_signed_integer_dtype(col) or (
        pd.api.types.is_float_dtype(col) and named and bool(np.all(np.abs(present) < 2.0 ** 62))
        and bool(np.all(present == present.round())))  # |v| < 2**62: finite, and int64 holds it
    if whole:
        v = present.astype(np.int64)
        increasing = bool(v.is_monotonic_increasing and v.is_unique)
        if increasing and v.between(19000101, 21001231).all():
            t = pd.to_datetime(col.astype("Int64").astype(str), format="%Y%m%d", errors="coerce")
            if t.notna().mean() > 0.9:
                return t.to_numpy()
        if increasing and (named or (v.between(1000, 3000).all() and np.all(np.diff(v.to_numpy()) == 1))):
            return col.to_numpy()  # years or a step index: plain numbers are the best x axis
        return None
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        sample = present.astype(str).head(200)
        if to_number(sample).notna().mean() > 0.5:
            return None  # numbers, not dates
        if _to_datetime(sample.head(10)).notna().mean() < 0.9 or _to_datetime(sample).notna().mean() < 0.9:
            return None  # the first ten decide quickly for text that is not dates
        return _parse_dates(col)
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.to_numpy()
    return None


def _parse_dates(col: pd.Series, block: int = 10_000) -> np.ndarray | None:
    """The whole column as datetime64, or None once a block of it is mostly not dates.

    Text that is not a date costs the parser ~70 us a value: a million of them after 200 good dates
    would take over a minute, so parsing stops at the first block where under 90% of the values read.
    """
    parts = []
    for k in range(0, len(col), block):
        part = col.iloc[k:k + block]
        t = _to_datetime(part)
        present = part.notna()
        if present.any() and t[present].notna().mean() < 0.9:
            return None
        parts.append(t)
    return pd.concat(parts).to_numpy()


def _to_datetime(values: pd.Series) -> pd.Series:
    """Text -> naive datetime64[us] (NaT where unreadable).

    ISO 8601 and the day/month formats that fit the first value are tried on all values at once (fast);
    only the values they all miss go through pandas' value-by-value parser, ~70 us each. Times with a
    UTC offset keep their wall-clock time; a column that mixes offsets is converted to UTC.
    """
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    text = values.astype(str).to_numpy(dtype=object)
    first = str(values.dropna().iloc[0]).strip() if values.notna().any() else ""
    for fmt in ["ISO8601", *_day_month_formats(first), "mixed"]:
        todo = np.isnat(out)
        if not todo.any():
            break
        parsed = _datetimes(pd.Series(text[todo]), fmt)
        if parsed is not None:
            out[todo] = parsed.to_numpy(dtype="datetime64[us]")
    return pd.Series(out, index=values.index)


# month first before day first, as pandas' own parser reads an ambiguous 01/02/2020
_DAY_MONTH = [d + t for d in ("%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y", "%d-%m-%Y", "%Y/%m/%d")
              for t in ("", " %H:%M", " %H:%M:%S")]


def _day_month_formats(value: str) -> list[str]:
    """The formats in _DAY_MONTH that read `value`."""
    fits = []
    for fmt in _DAY_MONTH:
        try:
            datetime.strptime(value, fmt)
            fits.append(fmt)
        except ValueError:
            pass
    return fits


def _datetimes(text: pd.Series, fmt: str) -> pd.Series | None:
    for utc in (False, True):  # pandas refuses mixed time zones unless utc=True
        try:
            t = pd.to_datetime(text, errors="coerce", format=fmt, utc=utc)
        except (ValueError, TypeError, OverflowError):
            continue
        if not pd.api.types.is_datetime64_any_dtype(t):
            return None
        return t.dt.tz_localize(None) if t.dt.tz is not None else t
    return None


def guess_season(time: np.ndarray | None) -> int | None:
    """Seasonal period from the spacing of the time axis: monthly 12, quarterly 4, weekly 52, ..."""
    if time is None or len(time) < 3 or not np.issubdtype(np.asarray(time).dtype, np.datetime64):
        return None
    t = pd.DatetimeIndex(time).dropna()
    if len(t) < 3:
        return None
    days = np.median(np.diff(t.values.astype("datetime64[s]").astype(np.int64))) / 86_400
    for lo, hi, m in [(0.03, 0.05, 24), (0.9, 1.1, 7), (6.5, 7.5, 52), (28, 31.5, 12), (89, 93, 4)]:
        if lo <= days <= hi:
            return m
    return None
