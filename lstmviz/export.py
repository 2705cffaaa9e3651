"""Downloads: tidy CSV (formula-safe), NPZ, state_dict bytes, config JSON."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import torch

from .record import Trace

__all__ = ["csv_bytes", "forecast_frame", "trace_npz", "state_dict_bytes", "json_bytes", "safe_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass unchanged."""
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return v


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A CSV in which no header or text cell can start a spreadsheet formula."""
    out = frame.rename(columns=lambda c: safe_cell(str(c)))
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    return out.to_csv(index=False).encode("utf-8")


def forecast_frame(series, report, n_train: int) -> pd.DataFrame:
    """One row per step from the test range to the end of the forecast beyond the data.

    Columns: t (position in the series), `time` (the series' time axis, when it has one), actual,
    recursive (the forecast from the end of training), one_step, each baseline, and beyond (the
    forecast from the end of the data). Each forecast is empty where it does not reach.
    """
    n, k = len(series), len(report.forecast)
    frame = pd.DataFrame({"t": np.arange(n_train, n + k)})
    if series.time is not None:
        frame["time"] = np.concatenate([np.asarray(series.time)[n_train:], series.x_beyond(k)])
    pad = np.full(k, np.nan)
    for name, values in {"actual": report.actual, "recursive": report.test_predictions, "one_step": report.one_step,
                         **report.baselines}.items():
        frame[name] = np.concatenate([values, pad])
    frame["beyond"] = np.concatenate([np.full(n - n_train, np.nan), report.forecast])
    return frame


def trace_npz(trace: Trace) -> bytes:
    """Every block's arrays as '<module>/call<k>/layer<l>/dir<d>/<quantity>' (T, B, H)."""
    arrays = {f"{b.module}/call{b.call}/layer{b.layer}/dir{b.direction}/{q}": np.asarray(a)
              for b in trace.blocks for q, a in b.arrays.items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def state_dict_bytes(model: torch.nn.Module) -> bytes:
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getvalue()


def json_bytes(obj) -> bytes:
    return json.dumps(obj, indent=2, sort_keys=True).encode("utf-8")
