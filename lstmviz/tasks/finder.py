"""The unit finder: which units' states and gates track a task's known quantities (find_units), and how
closely one unit follows a quantity at each step (step_correlation). Both are Pearson r."""
from __future__ import annotations

import numpy as np
import torch

from ..analysis import correlation
from ..errors import InputError
from ..record import record
from .fitting import SAMPLES
from .generators import Task

__all__ = ["find_units", "step_correlation"]


def _time_major(known: dict[str, np.ndarray], names: list[str], n: int) -> np.ndarray:
    """(T * n, K) float64: the known quantities (n, T) flattened time-major, as a trace block's (T, n, H) is."""
    return np.stack([np.asarray(known[k], np.float64)[:n].T.reshape(-1) for k in names], 1)


def find_units(model: torch.nn.Module, task_or_X, known: dict[str, np.ndarray] | None = None, top: int = 5,
               quantities: tuple[str, ...] | None = None, max_samples: int = SAMPLES) -> list[dict]:
    """The units that track a known quantity best: list of dicts sorted by |correlation|, largest first.

    Records `model` on the first `max_samples` sequences of X (n, T, input_size) (a Task brings X and
    its known quantities), then correlates (Pearson) every unit's c, h and gates, over all (sample, t),
    with each known quantity (n, T); `quantities` keeps only some, e.g. ("c",). Keeps the `top` best
    for each known quantity. A constant unit or quantity correlates 0. Each dict has module, layer,
    direction, unit, quantity, known, correlation, and the (mean, sd) over those steps of the unit
    (unit_ref) and of the known quantity (known_ref), to draw them on one scale.
    """
    X = task_or_X.X if isinstance(task_or_X, Task) else np.asarray(task_or_X)
    known = task_or_X.known if known is None and isinstance(task_or_X, Task) else known
    if X.ndim != 3:
        raise InputError(f"X must have shape (n, T, input_size), not {X.shape}")
    if not known:
        raise InputError("pass the known quantities: a dict name -> (n, T) array, one value per sample and step")
    for name, v in known.items():
        if np.shape(v) != X.shape[:2]:
            raise InputError(f"known {name!r} has shape {np.shape(v)}; it must be (n, T) = {X.shape[:2]}, like X")
    if top < 1 or max_samples < 1:
        raise InputError("top and max_samples must be at least 1")
    X = X[:max_samples]
    n, T = X.shape[:2]
    names = list(known)
    K = _time_major(known, names, n)  # row r is the same (t, sample) as a block's row r
    k_ref = [(float(m), float(s)) for m, s in zip(K.mean(0), K.std(0))]
    trace = record(model, torch.as_tensor(np.array(X), dtype=next(model.parameters()).dtype))
    scored = []  # (|r|, block, quantities, H, column, known index, r, unit_ref)
    for b in trace.blocks:
        qs = [q for q in b.arrays if quantities is None or q in quantities]
        if not qs:
            continue
        H = b.shape[2]
        A = np.concatenate([b.arrays[q].reshape(T * n, H) for q in qs], 1).astype(np.float64)  # (T n, Q H)
        r = correlation(A, K)  # (Q H, K)
        mean, sd = A.mean(0), A.std(0)
        best = np.argsort(-np.abs(r), axis=0)[:top]  # (top, K): the block's best rows for each known
        scored += [(abs(r[c, j]), b, qs, H, c, j, r[c, j], (float(mean[c]), float(sd[c])))
                   for j in range(len(names)) for c in best[:, j]]
    out = []
    for j, name in enumerate(names):
        mine = sorted((s for s in scored if s[5] == j), key=lambda s: -s[0])[:top]
        out += [{"module": b.module, "layer": b.layer, "direction": b.direction, "unit": int(c % H),
                 "quantity": qs[c // H], "known": name, "correlation": float(r), "unit_ref": ref,
                 "known_ref": k_ref[j]} for _, b, qs, H, c, _, r, ref in mine]
    return sorted(out, key=lambda d: -abs(d["correlation"]))


def step_correlation(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """(T, H) Pearson r, at each step t, over samples, of values (T, n, H) (a trace block's array) with
    known (n, T): how well one step's reading of a unit tells the known quantity. 0 where either is constant."""
    v = np.asarray(values, np.float64)
    k = np.asarray(known, np.float64)[: v.shape[1]].T  # (T, n)
    return np.stack([correlation(v[t], k[t][:, None])[:, 0] for t in range(len(v))])
