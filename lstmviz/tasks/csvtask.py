"""A Task from a CSV of sequences: one sequence per row, one step per column, and a label column."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import MAX_BYTES, load_csv
from ..errors import InputError
from .generators import MAX_VALUES, Task

__all__ = ["from_csv"]

_LABEL_NAMES = ("label", "class", "target", "y")


def from_csv(source, label_column: str | None = None, max_rows: int = 100_000, max_bytes: int = MAX_BYTES) -> Task:
    """A CSV (path or bytes) with one sequence per row and a label column -> Task.

    Every other column is one step, in order (a detected time or index column is left out). The
    label column defaults to one called label, class, target or y, else the last. Text labels, and
    whole numbers with at most 20 distinct values, are classes; other numbers are regressed. Use a
    header row when the labels are text. Known quantities: the value and its running mean.
    """
    table = load_csv(source, max_rows=max_rows, max_bytes=max_bytes)
    frame, cols = table.frame, list(table.frame.columns)
    if label_column is None:
        label_column = next((c for c in cols if c.lower() in _LABEL_NAMES), cols[-1])
    elif label_column not in cols:
        raise InputError(f"no column {label_column!r}; the columns are {', '.join(map(repr, cols[:20]))}")
    steps = [c for c in cols if c not in (label_column, table.time_column)]
    if len(steps) < 2:
        raise InputError(f"besides the label column {label_column!r}, at least 2 step columns are needed")
    if len(frame) < 10:
        raise InputError(f"{len(frame)} rows are too few to train and test on: at least 10 sequences are needed")
    if len(frame) * len(steps) > MAX_VALUES:
        raise InputError(f"{len(frame)} rows of {len(steps)} steps are too many: at most {MAX_VALUES:,} values")
    values = frame[steps].apply(_numbers).to_numpy(np.float64)  # (n, T)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        raise InputError(f"row {r + 1}, column {steps[c]!r}: {str(frame[steps[c]].iloc[r])[:30]!r} is not a number; "
                         "every step of every row needs one (fill it in or drop the row)")
    raw = frame[label_column]
    if raw.isna().any():
        raise InputError(f"row {int(np.flatnonzero(raw.isna())[0]) + 1} has no label in column {label_column!r}")
    numbers = _numbers(raw)
    numeric = bool(np.isfinite(numbers).all())
    if max(np.abs(values).max(), np.abs(numbers).max() if numeric else 0) > 1e30:
        raise InputError("numbers above 1e30 do not fit in float32; rescale the file")
    whole = numeric and bool((numbers == numbers.round()).all() and (np.abs(numbers) < 2**53).all())
    if numeric and not (whole and numbers.nunique() <= 20):
        y, classes = numbers.to_numpy(np.float32)[:, None], None
    else:
        labels = numbers.astype("int64").astype(str) if whole else raw.astype(str).str.strip()
        order = sorted(labels.unique(), key=int) if whole else sorted(labels.unique())  # "2" before "10"
        classes = tuple(order)
        if not 2 <= len(classes) <= 100:
            raise InputError(f"the label column {label_column!r} has {len(classes)} classes; 2 to 100 are needed")
        y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(np.int64)
    mean = values.cumsum(1) / np.arange(1, values.shape[1] + 1)
    return Task("csv", values.astype(np.float32)[..., None], y, "regress" if classes is None else "classify",
                classes, {"value": values, "running mean": mean},
                f"{len(frame)} sequences of {len(steps)} steps from a CSV; label column {label_column!r}")


def _numbers(col: pd.Series) -> pd.Series:
    """The column as floats; what is not a number becomes NaN."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    return pd.to_numeric(col.astype(str).str.strip(), errors="coerce")
