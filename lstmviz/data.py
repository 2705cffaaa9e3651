"""Typed text, CSV files and built-in series -> a clean float Series; transforms; windows."""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["Series", "Table", "parse_text", "load_csv", "builtin", "BUILTINS", "Transform",
           "TRANSFORMS", "SCALERS", "windows", "guess_season", "MAX_ROWS", "MAX_BYTES", "MAX_COLUMNS"]

MAX_ROWS = 1_000_000
MAX_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 1_000  # each column costs a few ms to classify: 100,000 would hang the page for minutes
ASSETS = Path(__file__).resolve().parent.parent / "assets"


@dataclass(frozen=True, eq=False)
class Series:
    """One univariate series. values: (N,) float64, all finite; time: (N,) for the x axis or None."""

    values: np.ndarray
    name: str = "value"
    time: np.ndarray | None = None
    season: int | None = None  # period guessed from the time column (12 for monthly), if any
    missing: int = 0  # missing or non-finite entries in the source, before filling or dropping
    note: str = ""

    def __post_init__(self):
        v = np.asarray(self.values, dtype=np.float64)
        v.flags.writeable = False
        object.__setattr__(self, "values", v)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def key(self) -> str:
        """A content hash, for caching trained models by data."""
        h = hashlib.sha1(self.values.tobytes())
        h.update(repr((self.name, self.season)).encode())
        return h.hexdigest()[:16]

    def x(self) -> np.ndarray:
        """The x axis to plot against: the time column, or 0..N-1."""
        return self.time if self.time is not None else np.arange(len(self.values))


# --- typed text --------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,;\s]+")


def parse_text(text: str, min_length: int = 2, name: str = "typed") -> Series:
    """Numbers separated by commas, semicolons or whitespace -> Series. Errors name the bad item."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens:
        raise InputError("no numbers found: type values separated by commas, spaces or new lines, e.g. 1, 2.5, 3")
    values = np.empty(len(tokens))
    for k, tok in enumerate(tokens):
        try:
            values[k] = float(tok)
        except ValueError:
            raise InputError(f"item {k + 1}, {_show(tok)}, is not a number") from None
        if not np.isfinite(values[k]):
            raise InputError(f"item {k + 1}, {_show(tok)}, is not a finite number")
    if len(values) < min_length:
        raise InputError(f"{len(values)} values are too few: at least {min_length} are needed")
    return Series(values, name=name)


def _show(token: str, limit: int = 30) -> str:
    return repr(token if len(token) <= limit else token[:limit] + "...")


# --- CSV -------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Table:
    """A parsed CSV: the frame, its time column (if any) and the columns that hold numbers."""

    frame: pd.DataFrame
    time_column: str | None
    numeric_columns: list[str]
    time: np.ndarray | None = field(default=None, repr=False)  # parsed time values
    season: int | None = None

    @property
    def default_column(self) -> str:
        return self.numeric_columns[0]

    def series(self, column: str | None = None, missing: str = "interpolate") -> Series:
        """One column as a Series; missing values interpolated (default) or dropped."""
        column = self.default_column if column is None else column
        if column not in self.numeric_columns:
            shown = ", ".join(repr(c) for c in self.numeric_columns)
            raise InputError(f"column {column!r} is not numeric; numeric columns: {shown}")
        if missing not in ("interpolate", "drop"):
            raise InputError(f"missing must be 'interpolate' or 'drop', not {missing!r}")
        raw = _to_number(self.frame[column]).to_numpy(dtype=np.float64)
        bad = ~np.isfinite(raw)
        n_bad = int(bad.sum())
        if n_bad == len(raw):
            raise InputError(f"column {column!r} has no usable numbers")
        time = self.time
        if missing == "drop" or n_bad == 0:
            values, time = raw[~bad], None if time is None else time[~bad]
        else:
            values = _interpolate(raw, bad)
        return Series(values, name=str(column), time=time, season=self.season, missing=n_bad)


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


def load_csv(source, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> Table:
    """A CSV (path, bytes or binary file) -> Table. Detects delimiter, header, decimal comma, time column.

    Anything unusable raises InputError with a one-line message that says what is wrong and how to fix it.
    """
    data = _read_bytes(source, max_bytes)
    text = _decode(data)
    lines = [ln for ln in _LINE_BREAK.split(text[:65536]) if ln.strip()][:50]
    if not lines:
        raise InputError("the file is empty: it has no rows")
    sep = _sniff_separator(lines)
    decimal = "," if sep == ";" and _has_decimal_commas(lines, sep) else "."
    first = _split(lines[0], sep)
    header = not all(_is_number(f, decimal) for f in first if f.strip())
    width = _check_rows(text, sep, header, max_rows)
    try:
        # no separator found: one column; \x1f (unit separator) never splits a real value.
        # index_col=False and usecols: a trailing separator on each row never shifts the columns.
        frame = pd.read_csv(io.StringIO(text), sep=sep or "\x1f", decimal=decimal, header=0 if header else None,
                            index_col=False, usecols=range(width), nrows=max_rows + 1, skip_blank_lines=True,
                            skipinitialspace=True, on_bad_lines="error", engine="c", low_memory=False)
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty: it has no rows") from None
    except pd.errors.ParserError as e:
        raise InputError(_parser_message(e)) from None
    except (ValueError, OverflowError, MemoryError) as e:
        if "Usecols do not match" in str(e):  # pandas found fewer columns than the csv module did
            raise InputError(f"could not read the CSV: its rows do not line up in {width} columns; "
                             f"check the separator and the quotes") from None
        raise InputError(f"could not read the CSV: {_first_line(e)}") from None
    if len(frame) > max_rows:
        raise InputError(f"the file has more than {max_rows:,} rows; shorten it or raise the row limit")
    if len(frame) == 0:
        raise InputError("the file has a header but no data rows")
    if not header:
        frame.columns = [f"column {k + 1}" for k in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[:, ~pd.Index(frame.columns).duplicated()]
    time_col, time = _find_time_column(frame)
    numeric = [c for c in frame.columns if c != time_col and _mostly_numeric(frame[c])]
    if not numeric:
        raise InputError(_no_numbers_message(frame, time_col))
    return Table(frame, time_col, numeric, time, guess_season(time))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends the CSV reader knows (str.splitlines knows more)


def _read_bytes(source, max_bytes: int) -> bytes:
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif isinstance(source, (str, Path)):
            path = Path(source)
            if not path.is_file():
                raise InputError(f"{str(path)!r} is not a file" if path.exists() else f"no such file: {str(path)!r}")
            if path.stat().st_size > max_bytes:
                raise InputError(f"the file is {path.stat().st_size / 1e6:.1f} MB; "
                                 f"the limit is {max_bytes / 1e6:.0f} MB")
            data = path.read_bytes()
        else:
            data = source.read(max_bytes + 1)
    except (OSError, ValueError) as e:  # permissions, a directory, a path with a NUL byte, ...
        reason = e.strerror if isinstance(e, OSError) and e.strerror else _first_line(e)
        raise InputError(f"could not read the file: {reason}") from None
    if not isinstance(data, (bytes, bytearray)):
        raise InputError(f"expected the bytes of a CSV file, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise InputError(f"the file is larger than the {max_bytes / 1e6:.0f} MB limit")
    if not data.strip():
        raise InputError("the file is empty")
    return bytes(data)


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        raise InputError("this looks like an Excel or zip file, not a CSV; save it as CSV first")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with a byte order mark: Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("the file starts like UTF-16 text but is not; save it as UTF-8 CSV") from None
    if b"\x00" in data[:65536]:
        raise InputError("this is not a text file (it contains binary data); upload a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # the usual non-UTF-8 CSV: Excel on Windows
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise InputError("the file could not be decoded as text; save it as UTF-8 CSV")
    return text


def _check_rows(text: str, sep: str | None, header: bool, max_rows: int) -> int:
    """The number of fields per row; InputError naming the first row that does not fit.

    Empty fields after the last column are allowed (a trailing separator), so are blank lines.
    pandas alone would fill short rows with NaN and, when every data row has one field more than
    the header, silently use the first column as the index: the values would land in the wrong columns.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep or "\x1f", skipinitialspace=True,
                        strict=True)
    width, rows, start = None, 0, 1
    try:
        for row in reader:
            end, line = reader.line_num, start
            start = end + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            if width is None:
                width = len(row)
                if width > MAX_COLUMNS:
                    raise InputError(f"line {line} has {width:,} fields; the limit is {MAX_COLUMNS:,} columns: "
                                     f"keep only the columns you need (or check the separator)")
                continue
            while len(row) > width and not row[-1].strip():
                row.pop()
            if len(row) != width:
                raise InputError(_ragged_message(line, end, len(row), width, header))
            rows += 1
            if rows > max_rows:
                break  # pandas reads no further
    except csv.Error as e:
        raise InputError(_csv_error_message(e, start, reader.line_num)) from None
    if width is None:
        raise InputError("the file is empty: it has no rows")
    if header and rows == 0:
        raise InputError("the file has a header but no data rows")
    return width


def _csv_error_message(e: csv.Error, start: int, line: int) -> str:
    msg = str(e)
    if "unexpected end of data" in msg:
        return (f"the row on line {start} has a quote (\") that is never closed, so it runs to the end of the file; "
                f"close the quote or remove it")
    if "expected after" in msg:
        return (f"line {line} has text right after a closing quote (like \"a\"b); quote the whole field "
                f"(\"ab\") or remove the quotes")
    if "limit" in msg:
        return (f"line {line} has a field longer than {csv.field_size_limit():,} characters; "
                f"this does not look like a CSV of numbers")
    return f"line {line} cannot be read: {_first_line(e)}"


def _ragged_message(line: int, end: int, n: int, width: int, header: bool) -> str:
    first = "the header" if header else "the first row"
    fields = lambda k: f"{k} field{'s' if k != 1 else ''}"  # noqa: E731
    if end > line:  # one row over several lines: a quoted field with line breaks in it
        return (f"line {line}: a quoted field runs on to line {end}, so this row has {fields(n)} but {first} has "
                f"{width}; check the quotes (\") on these lines")
    return (f"line {line} has {fields(n)} but {first} has {width}; every row needs the same number of fields "
            f"(leave a field empty for a missing value)")


def _parser_message(e: Exception) -> str:
    msg = _first_line(e)
    if "EOF inside string" in msg:
        return "a quote (\") is never closed, so a field runs to the end of the file; close the quote or remove it"
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        return (f"line {m.group(2)} has {m.group(3)} fields but the header has {m.group(1)}; "
                f"every row needs the same number of fields")
    return f"could not read the CSV: {msg}"


def _first_line(e: Exception) -> str:
    lines = str(e).strip().splitlines()
    return (lines[0] if lines else type(e).__name__)[:200]


def _no_numbers_message(frame: pd.DataFrame, time_col: str | None) -> str:
    if time_col is not None and frame.shape[1] == 1:
        return (f"the only column, {time_col!r}, holds times; add a column of numbers to forecast "
                f"(or check the separator)")
    shown = lambda cols: ", ".join(repr(c) for c in cols[:5]) + (", ..." if len(cols) > 5 else "")  # noqa: E731
    empty = [c for c in frame.columns if frame[c].isna().all()]
    besides = f" besides the time column {time_col!r}" if time_col is not None else ""
    return (f"no column holds numbers (columns: {shown(list(frame.columns))}"
            + (f"; empty: {shown(empty)}" if empty else "")
            + f"); the file needs at least one column of numbers{besides} (check the separator and the decimal mark)")


def _sniff_separator(lines: list[str]) -> str | None:
    """The separator of the first line that most lines share. A line or two without it is a ragged row
    (reported by _check_rows), not a sign of a one-column file."""
    best, best_score = None, 0
    for sep in (",", ";", "\t", "|"):
        counts = [len(_split(ln, sep)) - 1 for ln in lines]
        if counts[0] == 0 or sum(c == 0 for c in counts) > max(1, len(counts) // 5):
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * (1 + min(counts[0], 50) / 100)
        if score > best_score:
            best, best_score = sep, score
    return best


def _split(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return [line]
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:  # a field beyond the csv module's size limit: not a separator we can use
        return [line]


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _is_number(field: str, decimal: str = ".") -> bool:
    f = field.strip()
    if decimal == ".":
        try:
            float(f)
            return True
        except ValueError:
            return False
    return bool(_NUMBER.match(f))


def _has_decimal_commas(lines: list[str], sep: str) -> bool:
    fields = [f.strip() for ln in lines[1:] for f in _split(ln, sep)]
    return any(re.fullmatch(r"[+-]?\d+,\d+", f) for f in fields)


def _to_number(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    return pd.to_numeric(col.astype(str).str.strip(), errors="coerce")


def _mostly_numeric(col: pd.Series) -> bool:
    """At least half the present entries are numbers and at least one is finite (inf alone is not usable)."""
    if pd.api.types.is_bool_dtype(col):
        return False
    present = col.dropna()
    if present.empty:
        return False
    numbers = _to_number(present).to_numpy(dtype=np.float64)
    return bool(np.isfinite(numbers).any()) and np.mean(~np.isnan(numbers)) >= 0.5


_TIME_NAMES = re.compile(r"(date|time|month|year|period|day|week|quarter|^ds$|timestamp|^t$|^index$|^idx$|^step$"
                         r"|^unnamed: 0$)", re.I)


def _find_time_column(frame: pd.DataFrame) -> tuple[str | None, np.ndarray | None]:
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
        if _to_number(sample).notna().mean() > 0.5:
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


# --- built-in series -------------------------------------------------------------------------

def _airline() -> Series:
    table = load_csv(ASSETS / "airline_passengers.csv")
    s = table.series("passengers")
    return Series(s.values, name="passengers", time=s.time, season=12,
                  note="Monthly international airline passengers (thousands), 1949-1960")


def _sine(length: int = 400, period: float = 50.0, noise: float = 0.0, seed: int = 0) -> Series:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    v = np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(length)
    return Series(v, name="sine", season=int(round(period)) if float(period).is_integer() else None,
                  note=f"sin(2 pi t / {period:g}) + {noise:g} * noise")


def _seasonal(length: int = 240, period: int = 12, trend: float = 0.05, amplitude: float = 3.0,
              noise: float = 0.5, seed: int = 0) -> Series:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    v = 20 + trend * t + amplitude * np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(length)
    return Series(v, name="trend_season", season=period,
                  note=f"20 + {trend:g} t + {amplitude:g} sin(2 pi t / {period}) + {noise:g} * noise")


def _random_walk(length: int = 300, seed: int = 0) -> Series:
    v = 100 + np.cumsum(np.random.default_rng(seed).standard_normal(length))
    return Series(v, name="random_walk", note="a random walk: no model should beat 'naive' by much")


BUILTINS = {"airline": _airline, "sine": _sine, "trend_season": _seasonal, "random_walk": _random_walk}


def builtin(name: str, **params) -> Series:
    """A built-in series by name (see BUILTINS); params go to its generator."""
    if name not in BUILTINS:
        raise InputError(f"no built-in series {name!r}; choose one of {', '.join(BUILTINS)}")
    return BUILTINS[name](**params)


# --- transforms ------------------------------------------------------------------------------

TRANSFORMS = ("none", "log", "diff", "seasonal_diff", "log_diff")
SCALERS = ("minmax", "standard")


@dataclass(frozen=True)
class Transform:
    """y -> z (log or identity) -> d (differenced by `lag`) -> s (scaled). Fit on training data only.

    s[t] for t < lag is undefined (NaN): differencing needs `lag` earlier values.
    """

    kind: str = "none"
    scale: str = "minmax"
    period: int = 12
    a: float = 0.0  # s = (d - a) / b
    b: float = 1.0

    @property
    def lag(self) -> int:
        return {"diff": 1, "log_diff": 1, "seasonal_diff": self.period}.get(self.kind, 0)

    @property
    def uses_log(self) -> bool:
        return self.kind in ("log", "log_diff")

    @classmethod
    def fit(cls, train: np.ndarray, kind: str = "none", scale: str = "minmax", period: int = 12) -> "Transform":
        if kind not in TRANSFORMS:
            raise InputError(f"transform must be one of {', '.join(TRANSFORMS)}, not {kind!r}")
        if scale not in SCALERS:
            raise InputError(f"scaling must be one of {', '.join(SCALERS)}, not {scale!r}")
        if kind == "seasonal_diff" and (period is None or period < 2):
            raise InputError("seasonal differencing needs a season length of 2 or more")
        t = cls(kind, scale, int(period or 12))
        d = t.difference(t.to_z(train))[t.lag:]
        if len(d) < 2:
            raise InputError(f"too few training values for the '{kind}' transform: need more than {t.lag + 1}")
        if not np.all(np.isfinite(d)):  # differences of values near the float limit (1e308 - -1e308)
            raise InputError(f"the values are too large for the '{kind}' transform (their differences overflow); "
                             f"divide them by a power of ten first")
        # on d scaled by a power of two (exact): sums and spreads of values near 1e308 cannot overflow
        e = int(np.frexp(np.abs(d).max())[1])
        ds = np.ldexp(d, -e)
        if scale == "minmax":  # to [-1, 1], as seed 001 does
            lo, hi = ds.min(), ds.max()
            a, b = (lo + hi) / 2, (hi - lo) / 2
        else:
            a, b = ds.mean(), ds.std()
        a, b = float(np.ldexp(a, e)), float(np.ldexp(b, e))
        return cls(kind, scale, t.period, a, b if b > 0 and np.isfinite(b) else 1.0)

    def to_z(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if self.uses_log:
            if np.any(y <= 0):
                raise InputError(f"the '{self.kind}' transform takes logs, so it needs every value above 0 "
                                 f"(the smallest is {y.min():g}); choose the 'diff' or 'none' transform")
            return np.log(y)
        return y

    def from_z(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) if self.uses_log else z

    def difference(self, z: np.ndarray) -> np.ndarray:
        d = np.full(len(z), np.nan)
        k = self.lag
        with np.errstate(over="ignore"):  # differences beyond the float limit become inf; fit() refuses them
            d[k:] = z[k:] - z[:len(z) - k] if k else z
        return d

    def encode(self, y: np.ndarray) -> np.ndarray:
        """y (N,) -> s (N,), NaN for the first `lag` entries."""
        return (self.difference(self.to_z(y)) - self.a) / self.b

    def decode_next(self, s_next: np.ndarray, z_lagged: np.ndarray) -> np.ndarray:
        """z at a new step from its predicted s and z[t - lag] (ignored when lag is 0)."""
        d = np.asarray(s_next) * self.b + self.a
        return d + z_lagged if self.lag else d

    def decode(self, s: np.ndarray, y_head: np.ndarray) -> np.ndarray:
        """Invert encode: s (N,) and the first `lag` original values -> y (N,)."""
        z = np.empty(len(s))
        z[:self.lag] = self.to_z(y_head[:self.lag])
        for t in range(self.lag, len(s)):
            z[t] = self.decode_next(s[t], z[t - self.lag])
        return self.from_z(z)


def windows(s: np.ndarray, window: int, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs s[t-window:t] and targets s[t] for each t in `targets`: X (n, window), y (n,)."""
    targets = np.asarray(targets, dtype=np.int64)
    view = np.lib.stride_tricks.sliding_window_view(s, window)  # view[k] = s[k:k+window]
    return view[targets - window], s[targets]
