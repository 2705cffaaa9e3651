"""Finding and parsing a CSV's time column; the seasonal period its spacing implies; numbers as writers
format them (1,230.5, 1.230,5, 1 230,5, $1,230.50)."""
from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd

__all__ = ["find_time_column", "guess_season", "to_number"]

_GROUPED = {".": re.compile(r"[+-]?\d{1,3}((,\d{3})+|( \d{3})+)(\.\d*)?"),
            ",": re.compile(r"[+-]?\d{1,3}((\.\d{3})+|( \d{3})+)(,\d*)?")}
_BLANKS = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})  # no-break and thin spaces group digits
_CURRENCY = "$€£¥"


def to_number(col: pd.Series, decimal: str = ".") -> pd.Series:
    """A column as floats (NaN where a cell is not a number). Reads thousands separators in the style of
    the file's decimal mark (1,230.5 or 1.230,5; 1 230,5 in both) and a currency sign; with a decimal
    comma, 1.5 is not a number (it is text: a date like 01.2023, say)."""
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    text = col.astype(str).str.strip()
    out = pd.to_numeric(text, errors="coerce").astype(float)
    if decimal == ",":
        out[text.str.contains(".", regex=False, na=False)] = np.nan
    todo = out.isna() & text.str.contains(r"\d", na=False)
    if not todo.any():
        return out
    cells = text[todo].to_numpy(dtype=object)
    # ~1 us a cell: skip a long text column whose first cells are not numbers in any format
    if len(cells) > 1000 and np.isnan([_formatted(c, decimal) for c in cells[:200]]).all():
        return out
    out[todo] = [_formatted(c, decimal) for c in cells]
    return out


def _formatted(cell: str, decimal: str) -> float:
    """One cell written with thousands separators or a currency sign as a float, else NaN."""
    t = cell.translate(_BLANKS)
    if t[:1] in _CURRENCY or t[-1:] in _CURRENCY:
        t = t.strip(_CURRENCY).strip()
    elif t[:1] in "+-" and t[1:2] in _CURRENCY:
        t = t[0] + t[2:].strip()
    if _GROUPED[decimal].fullmatch(t):
        t = t.replace(" ", "").replace("," if decimal == "." else ".", "")
    if decimal == ",":
        if "." in t:
            return np.nan
        t = t.replace(",", ".")
    elif "," in t:
        return np.nan
    try:
        return float(t)
    except ValueError:
        return np.nan


_TIME_NAMES = re.compile(r"(date|time|month|year|period|day|week|quarter|^ds$|timestamp|^t$|^index$|^idx$|^step$"
                         r"|^unnamed: 0$|epoch|unix|^ts$)", re.I)


def find_time_column(frame: pd.DataFrame, decimal: str = ".", skip=()) -> tuple[str | None, np.ndarray | None]:
    """The first column of dates (ISO, day or month first, epoch seconds, yyyymmdd), parsed; failing that,
    the first of years or a step index. Only the first 20 columns are tried: the time comes first in
    practice, and trying a thousand text columns takes seconds."""
    fallback = (None, None)
    for name in frame.columns[:20]:
        if name in skip:
            continue
        parsed = _parse_time(frame[name], bool(_TIME_NAMES.search(name)), decimal)
        if parsed is None:
            continue
        if np.issubdtype(parsed.dtype, np.datetime64):
            return name, parsed
        if fallback[0] is None:
            fallback = (name, parsed)
    return fallback


def _parse_time(col: pd.Series, named: bool, decimal: str = ".") -> np.ndarray | None:
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
        unit = _epoch_unit(v) if increasing and named else None
        if unit is not None:
            return pd.to_datetime(col, unit=unit, errors="coerce").to_numpy(dtype="datetime64[ns]")
        if increasing and (named or (v.between(1000, 3000).all() and np.all(np.diff(v.to_numpy()) == 1))):
            return col.to_numpy()  # years or a step index: plain numbers are the best x axis
        return None
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        sample = present.astype(str).head(200)
        if to_number(sample, decimal).notna().mean() > 0.5:
            return None  # numbers, not dates
        if _to_datetime(sample.head(10)).notna().mean() < 0.9 or _to_datetime(sample).notna().mean() < 0.9:
            return None  # the first ten decide quickly for text that is not dates
        return _parse_dates(col)
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.to_numpy()
    return None


def _epoch_unit(v: pd.Series) -> str | None:
    """'s' or 'ms' when a named time column's integers are Unix times between 1973 and 2128."""
    for unit, scale in (("s", 1), ("ms", 1000)):
        if v.min() >= 1e8 * scale and v.max() < 5e9 * scale:
            return unit
    return None


def _parse_dates(col: pd.Series, block: int = 10_000) -> np.ndarray | None:
    """The whole column as datetime64, or None once a block of it is mostly not dates.

    Text that is not a date costs the parser ~70 us a value: a million of them after 200 good dates
    would take over a minute, so parsing stops at the first block where under 90% of the values read.
    Day or month first is decided once, from the first block, so that no block reads the other way.
    """
    parts = []
    day_first = _day_first(col.iloc[:block])
    for k in range(0, len(col), block):
        part = col.iloc[k:k + block]
        t = _to_datetime(part, day_first)
        present = part.notna()
        if present.any() and t[present].notna().mean() < 0.9:
            return None
        parts.append(t)
    return pd.concat(parts).to_numpy()


def _to_datetime(values: pd.Series, day_first: bool | None = None) -> pd.Series:
    """Text -> naive datetime64[us] (NaT where unreadable).

    ISO 8601 and the day/month formats that fit the first value are tried on all values at once (fast);
    only the values they all miss go through pandas' value-by-value parser, ~70 us each. Times with a
    UTC offset keep their wall-clock time; a column that mixes offsets is converted to UTC.
    """
    if day_first is None:
        day_first = _day_first(values)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    text = values.astype(str).to_numpy(dtype=object)
    first = str(values.dropna().iloc[0]).strip() if values.notna().any() else ""
    for fmt in ["ISO8601", *_day_month_formats(first, day_first), "mixed"]:
        todo = np.isnat(out)
        if not todo.any():
            break
        parsed = _datetimes(pd.Series(text[todo]), fmt, day_first)
        if parsed is not None:
            out[todo] = parsed.to_numpy(dtype="datetime64[us]")
    return pd.Series(out, index=values.index)


_DAY_MONTH = [d + t for d in ("%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m-%d-%Y", "%d-%m-%Y", "%Y/%m/%d",
                              "%m/%d/%y", "%d/%m/%y", "%d.%m.%y", "%m.%Y", "%m/%Y")
              for t in ("", " %H:%M", " %H:%M:%S")]
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})\b")


def _day_month_formats(value: str, day_first: bool) -> list[str]:
    """The formats in _DAY_MONTH that read `value`, leaving out those that read the other way round."""
    fits = []
    for fmt in _DAY_MONTH:
        if fmt.startswith("%m/%d" if day_first else "%d/%m") or fmt.startswith("%m-%d" if day_first else "%d-%m"):
            continue
        try:
            datetime.strptime(value, fmt)
            fits.append(fmt)
        except ValueError:
            pass
    return fits


def _day_first(values: pd.Series) -> bool:
    """Whether dates like 03/04/2021 put the day first, decided from the data: a first number above 12
    says day first, a second above 12 month first; when all are 12 or below, the reading whose dates are
    in order and evenly spaced wins (01/02/2020, 01/03/2020, ... is monthly, day first). A tie: day first
    for dots (European), month first otherwise (as pandas reads them)."""
    parts = values.dropna().astype(str).head(2000).str.extract(_NUMERIC_DATE.pattern)
    parts = parts.dropna()
    if parts.empty:
        return False
    a, b = parts[0].astype(int).to_numpy(), parts[2].astype(int).to_numpy()
    if (a > 12).any() != (b > 12).any():
        return bool((a > 12).any())
    dot = bool((parts[1] == ".").mean() > 0.5)
    if (a > 12).any():
        return dot
    years = parts[3].astype(int).to_numpy()
    years = np.where(years < 100, years + 2000, years)
    day_first = _order_score(years, b, a)
    month_first = _order_score(years, a, b)
    if day_first == month_first:
        return dot
    return day_first > month_first


def _order_score(years: np.ndarray, months: np.ndarray, days: np.ndarray) -> tuple[bool, float]:
    """(in order, share of steps close to the usual step) for dates read as (years, months, days)."""
    try:
        t = np.array([date(int(y), int(m), int(d)).toordinal() for y, m, d in zip(years, months, days)])
    except ValueError:  # 31/02: not a date this way round
        return (False, -1.0)
    step = np.diff(t)
    if len(step) == 0:
        return (True, 1.0)
    ordered = bool((step >= 0).all() or (step <= 0).all())
    usual = np.median(np.abs(step))
    return (ordered, float(np.mean(np.abs(np.abs(step) - usual) <= max(1.0, 0.1 * usual))))


def _datetimes(text: pd.Series, fmt: str, day_first: bool = False) -> pd.Series | None:
    for utc in (False, True):  # pandas refuses mixed time zones unless utc=True
        try:
            t = pd.to_datetime(text, errors="coerce", format=fmt, utc=utc,
                               dayfirst=day_first if fmt == "mixed" else False)
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
