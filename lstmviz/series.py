"""One univariate series and the size limits every reader of series honours."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

__all__ = ["Series", "MAX_ROWS", "MAX_BYTES", "MAX_COLUMNS"]

MAX_ROWS = 1_000_000
MAX_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 1_000  # each column costs a few ms to classify: 100,000 would hang the page for minutes


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

    def x_beyond(self, k: int) -> np.ndarray:
        """(k,) x values after the last, keeping its spacing (dates by their median step; monthly dates
        by calendar months): where a forecast beyond the data goes."""
        x = np.asarray(self.x())
        if np.issubdtype(x.dtype, np.datetime64) and len(x) > 1:
            step = np.median(np.diff(x[-13:]))
            if abs(step / np.timedelta64(1, "D") - 30.4) < 3:  # monthly: step by calendar months
                months = x[-1].astype("datetime64[M]") + np.arange(1, k + 1)
                return months.astype(x.dtype)
            return x[-1] + step * np.arange(1, k + 1)
        step = x[-1] - x[-2] if len(x) > 1 else 1
        return x[-1] + step * np.arange(1, k + 1)
