"""Typed text, CSV files and built-in series -> a clean float Series; transforms; windows."""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["Series", "Table", "parse_text", "load_csv", "builtin", "BUILTINS", "Transform",
           "TRANSFORMS", "SCALERS", "windows", "guess_season", "MAX_ROWS", "MAX_BYTES"]

MAX_ROWS = 1_000_000
MAX_BYTES = 50 * 1024 * 1024
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
            values = pd.Series(np.where(bad, np.nan, raw)).interpolate(limit_direction="both").to_numpy()
        return Series(values, name=str(column), time=time, season=self.season, missing=n_bad)


def load_csv(source, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> Table:
    """A CSV (path, bytes or binary file) -> Table. Detects delimiter, header, decimal comma, time column."""
    data = _read_bytes(source, max_bytes)
    text = _decode(data)
    sample = text[:65536]
    lines = [ln for ln in sample.splitlines() if ln.strip()][:50]
    if not lines:
        raise InputError("the file is empty: it has no rows")
    sep = _sniff_separator(lines)
    decimal = "," if sep == ";" and _has_decimal_commas(lines, sep) else "."
    first = _split(lines[0], sep)
    header = not all(_is_number(f, decimal) for f in first if f.strip())
    try:
        # no separator found: one column; \x1f (unit separator) never splits a real value
        frame = pd.read_csv(io.StringIO(text), sep=sep or "\x1f", decimal=decimal, header=0 if header else None,
                            nrows=max_rows + 1, skip_blank_lines=True, skipinitialspace=True,
                            on_bad_lines="error", engine="c", low_memory=False)
    except (pd.errors.ParserError, ValueError) as e:
        raise InputError(f"could not read the CSV: {str(e).splitlines()[0]}") from None
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty: it has no rows") from None
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
        raise InputError("no column holds numbers; the file needs at least one numeric column")
    return Table(frame, time_col, numeric, time, guess_season(time))


def _read_bytes(source, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"no such file: {path}")
        if path.stat().st_size > max_bytes:
            raise InputError(f"the file is {path.stat().st_size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
        data = path.read_bytes()
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"the file is larger than the {max_bytes / 1e6:.0f} MB limit")
    if not data.strip():
        raise InputError("the file is empty")
    return data


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        raise InputError("this looks like an Excel or zip file, not a CSV; save it as CSV first")
    if b"\x00" in data[:65536]:
        raise InputError("this is not a text file (it contains binary data); upload a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # the usual non-UTF-8 CSV: Excel on Windows
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise InputError("the file could not be decoded as text; save it as UTF-8 CSV")
    return text


def _sniff_separator(lines: list[str]) -> str | None:
    best, best_score = None, 0
    for sep in (",", ";", "\t", "|"):
        counts = [len(_split(ln, sep)) - 1 for ln in lines]
        if min(counts) == 0:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * (1 + min(counts[0], 50) / 100)
        if score > best_score:
            best, best_score = sep, score
    return best


def _split(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return [line]
    return next(csv.reader([line], delimiter=sep))


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
    if pd.api.types.is_bool_dtype(col):
        return False
    if pd.api.types.is_numeric_dtype(col):
        return bool(col.notna().any())
    present = col.dropna()
    if present.empty:
        return False
    return _to_number(present).notna().mean() >= 0.5


_TIME_NAMES = re.compile(r"(date|time|month|year|period|day|week|quarter|^ds$|timestamp|^t$|^index$|^idx$|^step$"
                         r"|^unnamed: 0$)", re.I)


def _find_time_column(frame: pd.DataFrame) -> tuple[str | None, np.ndarray | None]:
    """The first column that holds dates, years or yyyymmdd integers, parsed."""
    for name in frame.columns:
        col = frame[name]
        parsed = _parse_time(col, bool(_TIME_NAMES.search(name)))
        if parsed is not None:
            return name, parsed
    return None, None


def _parse_time(col: pd.Series, named: bool) -> np.ndarray | None:
    present = col.dropna()
    if len(present) < 2:
        return None
    if pd.api.types.is_integer_dtype(col) or (pd.api.types.is_float_dtype(col) and named
                                              and np.all(present == present.round())):
        v = present.astype(np.int64)
        increasing = bool(np.all(np.diff(v.to_numpy()) > 0))
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
        t = pd.to_datetime(sample, errors="coerce", format="mixed")
        if t.notna().mean() < 0.9:
            return None
        full = pd.to_datetime(col.astype(str), errors="coerce", format="mixed")
        return full.to_numpy()
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.to_numpy()
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
        if scale == "minmax":  # to [-1, 1], as seed 001 does
            lo, hi = float(d.min()), float(d.max())
            a, b = (lo + hi) / 2, (hi - lo) / 2
        else:
            a, b = float(d.mean()), float(d.std())
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
