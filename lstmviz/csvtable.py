"""A parsed CSV's columns told apart: a writer's row index, the time axis, a series id (long format),
the columns of values; a totals row and empty rows at the bottom dropped, and said so."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError
from .series import Series
from .timecol import _TIME_NAMES, find_time_column, guess_season, to_number

__all__ = ["Table", "make_table"]


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV: the frame, its time column (if any) and the columns that hold numbers.

    index_column: a row index a writer added (pandas' unnamed first column, R's row names, 0..n-1);
    never offered as values. id_column and ids: in a long-format file (id, date, value), the column that
    says which series a row belongs to, and its values in the order they first appear.
    """

    frame: pd.DataFrame
    time_column: str | None
    numeric_columns: list[str]
    time: np.ndarray | None = field(default=None, repr=False)  # (rows,) parsed time values
    season: int | None = None
    index_column: str | None = None
    id_column: str | None = None
    ids: tuple[str, ...] = ()
    decimal: str = "."
    notes: tuple[str, ...] = ()
    numbers: dict = field(default_factory=dict, repr=False)  # numeric column -> (rows,) float64, read once

    @property
    def default_column(self) -> str:
        return self.numeric_columns[0]

    def rows(self, series_id: str | None = None) -> np.ndarray:
        """The row positions of one series: all rows, or those of `series_id` in a long-format file."""
        if self.id_column is None:
            if series_id is not None:
                raise InputError(f"this file holds one series (no id column was found), so there is no series "
                                 f"{series_id!r} to pick; leave the series out")
            return np.arange(len(self.frame))
        sid = self.ids[0] if series_id is None else str(series_id)
        if sid not in self.ids:
            shown = ", ".join(repr(i) for i in self.ids[:20]) + (", ..." if len(self.ids) > 20 else "")
            raise InputError(f"no series {sid!r} in column {self.id_column!r}; the series are: {shown}")
        return np.flatnonzero(self.frame[self.id_column].astype(str).to_numpy() == sid)

    def series(self, column: str | None = None, missing: str = "interpolate", series_id: str | None = None) -> Series:
        """One column as a Series; missing values interpolated (default) or dropped."""
        column = self.default_column if column is None else column
        if column not in self.numeric_columns:
            shown = ", ".join(repr(c) for c in self.numeric_columns)
            raise InputError(f"column {column!r} is not numeric; numeric columns: {shown}")
        if missing not in ("interpolate", "drop"):
            raise InputError(f"missing must be 'interpolate' or 'drop', not {missing!r}")
        rows = self.rows(series_id)
        if column in self.numbers:
            raw = self.numbers[column][rows]
        else:
            raw = to_number(self.frame[column].iloc[rows], self.decimal).to_numpy(dtype=np.float64)
        bad = ~np.isfinite(raw)
        n_bad = int(bad.sum())
        if n_bad == len(raw):
            raise InputError(f"column {column!r} has no usable numbers")
        time = None if self.time is None else _fill_times(self.time[rows])
        if missing == "drop" or n_bad == 0:
            values, time = raw[~bad], None if time is None else time[~bad]
        else:
            values = _interpolate(raw, bad)
        season = self.season if self.id_column is None else guess_season(time)
        return Series(values, name=str(column), time=time, season=season, missing=n_bad, note=" ".join(self.notes))

    def preview(self, column: str, series_id: str | None = None, n: int = 6) -> pd.DataFrame:
        """The first n rows of one series as the file has them (time column first, then the column)."""
        rows = self.rows(series_id)[:n]
        first = [c for c in (self.time_column, column) if c is not None]
        rest = [c for c in self.frame.columns if c not in first][:6]
        return self.frame.iloc[rows][first + rest]


def make_table(frame: pd.DataFrame, decimal: str = ".") -> Table:
    """The Table of a frame as read from a CSV (text cells kept as text)."""
    notes = []
    frame, dropped = _drop_empty_tail(frame)
    if dropped:
        notes.append(f"skipped {dropped} empty row{'s' if dropped > 1 else ''} at the end.")
    frame, total = _drop_totals(frame)
    if total is not None:
        notes.append(f"dropped the last row, {total!r}: a totals row, not a data point.")
    index = _index_column(frame)
    if index is not None and index.startswith("Unnamed: ") and "index" not in frame.columns:
        frame = frame.rename(columns={index: "index"})
        index = "index"
    time_col, time = find_time_column(frame, decimal, skip=(index,))
    if time_col is None and index is not None:  # no other time axis: the index is the x axis
        time_col, time = find_time_column(frame[[index]].set_axis(["index"], axis=1), decimal)
        time_col = None if time_col is None else index
    if time is not None and len(time) > 2 and _descending(time):
        frame, time = frame.iloc[::-1].reset_index(drop=True), time[::-1].copy()
        notes.append("the rows run from the latest to the earliest: read in time order.")
    id_col = _id_column(frame, time_col, time, decimal)
    numbers = {c: v for c in frame.columns if c not in (time_col, id_col, index)
               for v in [_numbers(frame[c], decimal)] if v is not None}
    if index is not None and not numbers and not _TIME_NAMES.search(index):
        v = _numbers(frame[index], decimal)
        if v is not None:  # the only numbers there are: values after all ('t' stays a time)
            numbers, index = {index: v}, None
            if time_col in numbers:
                time_col, time = None, None
    ids = tuple(pd.unique(frame[id_col].dropna().astype(str))) if id_col is not None else ()
    season = guess_season(time)
    if id_col is not None and time is not None:
        season = guess_season(time[np.flatnonzero(frame[id_col].astype(str).to_numpy() == ids[0])])
    return Table(frame, time_col, list(numbers), time, season, index, id_col, ids, decimal, tuple(notes), numbers)


def _drop_empty_tail(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Without the empty columns an unnamed header ends in (Excel's trailing separator) and the empty
    rows at the bottom (a spreadsheet's used range)."""
    keep = [c for c in frame.columns if not (c.startswith("Unnamed: ") and c != frame.columns[0]
                                             and frame[c].isna().all())]
    if len(keep) < frame.shape[1] and keep:
        frame = frame[keep]
    if frame.shape[1] < 2:  # one column: pandas skipped the blank lines already, and 'nan' is a value
        return frame, 0
    filled = np.flatnonzero(frame.notna().any(axis=1).to_numpy())
    end = filled[-1] + 1 if len(filled) else len(frame)
    return frame.iloc[:end], len(frame) - end


_TOTAL = re.compile(r"^(grand\s+)?(totals?|sum|summe|gesamt|insgesamt|totaal|totale|totaux|somme|suma)\b", re.I)


def _drop_totals(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Without a last row labelled Total (Summe, Grand Total, ...) in one of its first three cells."""
    if len(frame) < 3:
        return frame, None
    for cell in frame.iloc[-1, :3]:
        if isinstance(cell, str) and _TOTAL.match(cell.strip()):
            return frame.iloc[:-1], cell.strip()
    return frame, None


_INDEX_NAMES = re.compile(r"^(index|idx|row|rows|row ?(id|no|number|num)|#|no\.?|nr\.?|n|num|number|id|obs|"
                          r"observation|t|step|time ?step|period|x|level_0)$", re.I)


def _index_column(frame: pd.DataFrame) -> str | None:
    """The first column when a writer added it as a row index: pandas and R leave its header empty, or,
    named like an index (index, row, id, #, ...), it counts 0, 1, 2, ... (or 1, 2, 3, ...) beside other
    columns. A column named otherwise stays data: a sequence file's first step may count too."""
    if frame.shape[1] < 2:
        return None
    name = frame.columns[0]
    if name.startswith("Unnamed: ") or name == "":
        return name
    col = frame[name]
    if not _INDEX_NAMES.match(name.strip()) or not pd.api.types.is_integer_dtype(col) or len(col) < 3:
        return None
    v = col.to_numpy()
    return name if v[0] in (0, 1) and bool(np.all(np.diff(v) == 1)) else None


_ID_NAMES = re.compile(r"(^id$|_id$|^id_|^key$|series|name|symbol|ticker|store|item|sku|product|country|region"
                       r"|city|state|station|sensor|site|category|group|^unit$)", re.I)


def _id_column(frame: pd.DataFrame, time_col: str | None, time: np.ndarray | None,
               decimal: str = ".") -> str | None:
    """In a long-format file, the column that makes every (id, time) pair unique when the time alone
    repeats: a text column, or a column of whole numbers named like an id."""
    if time is None or len(frame) < 4:
        return None
    t = pd.Series(time)
    if not t.duplicated().any():
        return None
    for name in frame.columns[:20]:
        if name == time_col:
            continue
        col = frame[name]
        texty = not pd.api.types.is_numeric_dtype(col) and not _mostly_numeric(col, decimal)
        if not (texty or (pd.api.types.is_integer_dtype(col) and _ID_NAMES.search(name))):
            continue
        n = col.nunique(dropna=True)
        if 2 <= n <= len(frame) // 2 and not pd.DataFrame({"i": col.to_numpy(), "t": t.to_numpy()}).duplicated().any():
            return name
    return None


def _descending(time: np.ndarray) -> bool:
    """True when a datetime axis runs strictly backwards (a bank statement, newest first)."""
    if not np.issubdtype(time.dtype, np.datetime64):
        return False
    t = time[~np.isnat(time)]
    return len(t) > 2 and bool(np.all(np.diff(t.astype("datetime64[s]").astype(np.int64)) < 0))


def _fill_times(time: np.ndarray) -> np.ndarray:
    """A datetime axis with its NaT filled on straight lines (so a chart never gets an unreadable date)."""
    if not np.issubdtype(time.dtype, np.datetime64):
        return time
    bad = np.isnat(time)
    if not bad.any() or bad.all():
        return time if not bad.all() else None
    unit = np.datetime_data(time.dtype)[0]
    n = time.astype(np.int64).astype(np.float64)
    good = np.flatnonzero(~bad)
    step = float(np.median(np.diff(n[good]))) if len(good) > 1 else 0.0
    x = np.arange(len(time), dtype=np.float64)
    filled = np.interp(x, good, n[good])
    filled[: good[0]] = n[good[0]] - step * (good[0] - x[: good[0]])
    filled[good[-1] + 1:] = n[good[-1]] + step * (x[good[-1] + 1:] - good[-1])
    return filled.round().astype(np.int64).astype(f"datetime64[{unit}]")


def _interpolate(raw: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Fill raw[bad] on straight lines between the good neighbours; the ends repeat the nearest good value."""
    good = np.flatnonzero(~bad)
    x = np.arange(len(raw))
    with np.errstate(over="ignore", invalid="ignore"):
        filled = np.interp(x, good, raw[good])
    if not np.all(np.isfinite(filled)):  # the step from 1e308 to -1e308 overflowed: redo it on values
        e = int(np.frexp(np.abs(raw[good]).max())[1])  # scaled by a power of two
        filled = np.ldexp(np.interp(x, good, np.ldexp(raw[good], -e)), e)
    filled[good] = raw[good]
    return np.clip(filled, raw[good].min(), raw[good].max())


def _numbers(col: pd.Series, decimal: str = ".") -> np.ndarray | None:
    """The column as floats (NaN where not a number) when at least half its present entries are numbers
    and at least one is finite (inf alone is not usable); else None."""
    if pd.api.types.is_bool_dtype(col):
        return None
    present = col.notna().to_numpy()
    if not present.any():
        return None
    numbers = to_number(col, decimal).to_numpy(dtype=np.float64)
    ok = numbers[present]
    return numbers if bool(np.isfinite(ok).any()) and np.mean(~np.isnan(ok)) >= 0.5 else None


def _mostly_numeric(col: pd.Series, decimal: str = ".") -> bool:
    return _numbers(col, decimal) is not None
