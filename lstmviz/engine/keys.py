"""Run keys as Dask keys: the caller's (data hash, config) made into the same string in every process."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import numpy as np

__all__ = ["run_hash"]


def _canonical(x):
    """A JSON-able form of a run key that is the same in every process (no ids, no memory addresses)."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {"__class__": type(x).__qualname__,
                **{f.name: _canonical(getattr(x, f.name)) for f in dataclasses.fields(x)}}
    if isinstance(x, (tuple, list)):
        return [_canonical(v) for v in x]
    if isinstance(x, dict):
        return {"__dict__": sorted(([json.dumps(_canonical(k)), _canonical(v)] for k, v in x.items()))}
    if isinstance(x, np.ndarray):
        return {"__array__": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(),
                "dtype": str(x.dtype), "shape": list(x.shape)}
    if isinstance(x, bytes):
        return {"__bytes__": hashlib.sha256(x).hexdigest()}
    if isinstance(x, np.generic):
        return x.item()
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    raise TypeError(f"a run key cannot hold a {type(x).__name__}: use strings, numbers, tuples and dataclasses")


def run_hash(key: Any) -> str:
    """A deterministic 20-hex-digit hash of a run key (the same in every process and on every server)."""
    text = json.dumps(_canonical(key), sort_keys=True, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
