"""Run bundles: a run's data, config and view in one JSON file, so a run on uploaded data can be
shared (a CSV cannot travel in a link) and restored exactly.

    {"format": "lstmviz-run", "version": 1,
     "series": {"name", "values", "time" (ISO strings, numbers or null), "season", "missing", "note"},
     "config": ForecastConfig.to_dict(), "view": {...}}

Reading validates everything: a bundle is user input like any upload.
"""
from __future__ import annotations

import json
import math

import numpy as np

from .data import MAX_ROWS, Series
from .errors import InputError
from .forecast import ForecastConfig

__all__ = ["FORMAT", "VERSION", "make_bundle", "read_bundle", "is_bundle"]

FORMAT, VERSION = "lstmviz-run", 1


def make_bundle(series: Series, config: ForecastConfig, view: dict | None = None) -> bytes:
    """The run as UTF-8 JSON bytes. Values keep every float64 digit (repr round-trips)."""
    time = None
    if series.time is not None:
        t = np.asarray(series.time)
        time = (np.datetime_as_string(t).tolist() if np.issubdtype(t.dtype, np.datetime64)
                else [float(v) for v in t])
    doc = {"format": FORMAT, "version": VERSION,
           "series": {"name": series.name, "values": [float(v) for v in series.values], "time": time,
                      "season": series.season, "missing": int(series.missing), "note": series.note},
           "config": config.to_dict(), "view": dict(view or {})}
    return json.dumps(doc, allow_nan=False).encode()


def is_bundle(data: bytes) -> bool:
    """Whether these bytes look like a run bundle (a JSON object naming our format)."""
    head = data[:200].lstrip()
    return head.startswith(b"{") and FORMAT.encode() in head


MAX_VIEW_CHARS = 40


def read_bundle(data: bytes, max_rows: int = MAX_ROWS) -> tuple[Series, ForecastConfig, dict]:
    """Bundle bytes -> (series, config, view). InputError says what is wrong with a bad bundle."""
    if len(data) > 40 * max_rows + 1_000_000:  # ~25 characters a value and a date: refuse before parsing
        raise InputError(f"the bundle is {len(data) / 1e6:.1f} MB, too big for {max_rows:,} values")
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InputError(f"not a readable run bundle (JSON): {str(e)[:120]}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"not a run bundle: a JSON object with \"format\": \"{FORMAT}\" is expected")
    if doc.get("version") != VERSION:
        raise InputError(f"run bundle version {doc.get('version')!r} is not supported (this lstmviz reads {VERSION})")
    s = _field(doc, "series", dict)
    values = _field(s, "values", list)
    if not 2 <= len(values) <= max_rows:
        raise InputError(f"the bundle's series has {len(values):,} values; 2 to {max_rows:,} are allowed")
    if not all(type(v) in (int, float) for v in values):
        raise InputError("the bundle's series values must all be numbers")
    try:
        v = np.asarray(values, dtype=np.float64)
    except OverflowError:  # an integer with thousands of digits
        raise InputError("the bundle's series values must all be finite") from None
    if not np.isfinite(v).all():
        raise InputError("the bundle's series values must all be finite")
    time = s.get("time")
    if time is not None:
        time = _time(time, len(v))
    season = s.get("season")
    if season is not None and (type(season) is not int or not 2 <= season <= 10_000):
        raise InputError("the bundle's season must be a whole number from 2 to 10000, or null")
    name, note = s.get("name", "value"), s.get("note", "")
    if not isinstance(name, str) or not isinstance(note, str) or len(name) > 200 or len(note) > 1000:
        raise InputError("the bundle's series name and note must be short text")
    missing = s.get("missing", 0)
    missing = missing if type(missing) is int and missing >= 0 else 0
    series = Series(v, name=name, time=time, season=season, missing=missing, note=note)
    raw = _field(doc, "config", dict)
    try:  # the fields' own types and ranges: a bundle written before ModelConfig (flat names) reads too
        config = ForecastConfig.from_dict(raw)
        config.check(len(series))
    except (TypeError, ValueError, OverflowError) as e:
        raise InputError(f"the bundle's config is not valid: {e}") from None
    except InputError as e:
        raise InputError(f"the bundle's config is not valid: {e}") from None
    view = doc.get("view") or {}
    if not isinstance(view, dict):
        raise InputError("the bundle's view must be a JSON object")
    view = {str(k): x for k, x in view.items()
            if isinstance(x, (str, int, float, bool)) and len(str(k)) < 50 and len(str(x)) <= MAX_VIEW_CHARS}
    return series, config, view


def _no_constant(name):
    raise ValueError(f"{name} is not allowed")


def _field(d: dict, name: str, kind: type):
    value = d.get(name)
    if not isinstance(value, kind):
        raise InputError(f"the bundle has no valid {name!r} ({kind.__name__} expected)")
    return value


def _time(time, n: int) -> np.ndarray:
    if not isinstance(time, list) or len(time) != n:
        raise InputError("the bundle's time must be a list as long as its values, or null")
    if all(isinstance(t, str) for t in time):
        try:
            return np.array(time, dtype="datetime64[us]")
        except ValueError:
            raise InputError("the bundle's time holds text that is not an ISO date") from None
    try:
        if all(type(t) in (int, float) and math.isfinite(t) for t in time):
            return np.asarray(time, dtype=np.float64)
    except OverflowError:
        pass
    raise InputError("the bundle's time must be all ISO dates or all numbers")
