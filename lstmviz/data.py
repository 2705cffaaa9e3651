"""Typed text and built-in series -> a clean float Series; transforms; windows.

CSV files are read by csvload.py and their time column by timecol.py; both are re-exported here,
so `from lstmviz.data import load_csv` keeps working.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .csvload import Table, load_csv
from .errors import InputError
from .series import MAX_BYTES, MAX_COLUMNS, MAX_ROWS, Series
from .timecol import guess_season

__all__ = ["Series", "Table", "parse_text", "load_csv", "builtin", "BUILTINS", "Transform",
           "TRANSFORMS", "SCALERS", "windows", "guess_season", "MAX_ROWS", "MAX_BYTES", "MAX_COLUMNS"]

# lstmviz/assets links to the top-level assets/; a built wheel holds the files themselves.
ASSETS = Path(__file__).resolve().parent / "assets"


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


# --- built-in series -------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _airline() -> Series:
    """Read once per process (a Series is immutable): parsing the file was half of each page run's time."""
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
        if scale == "minmax":  # to [-1, 1], as the airline tutorial does
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

    def encode_next(self, z_next: float, z_lagged: float) -> float:
        """s at a new step from its z and z[t - lag] (ignored when lag is 0)."""
        return ((z_next - z_lagged if self.lag else z_next) - self.a) / self.b

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
