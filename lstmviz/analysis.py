"""Numbers a student reads off a trace: saturation, memory half-life, one step's equations."""
from __future__ import annotations

import numpy as np

from .record import Trace

__all__ = ["correlation", "saturation", "half_life", "liveliest_units", "match_strength", "match_note", "step_values", "equations", "equations_latex",
           "LABELS", "RANGES", "WEAK", "STRONG"]

LABELS = {"i": "input gate i", "f": "forget gate f", "g": "candidate g", "o": "output gate o",
          "c": "cell state c", "h": "hidden state h", "r": "reset gate r", "z": "update gate z",
          "n": "candidate n"}
# Colour ranges: sigmoid gates live in [0, 1], tanh outputs in [-1, 1]; c is unbounded (None).
RANGES = {"i": (0, 1), "f": (0, 1), "o": (0, 1), "r": (0, 1), "z": (0, 1),
          "g": (-1, 1), "n": (-1, 1), "h": (-1, 1), "c": None}


def saturation(values: np.ndarray, lo: float = 0.1, hi: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, the fraction of steps below `lo` and above `hi`. values: (T, H) -> two (H,) arrays."""
    v = np.asarray(values)
    return (v < lo).mean(axis=0), (v > hi).mean(axis=0)


def half_life(forget: np.ndarray) -> np.ndarray:
    """Memory half-life in steps per unit, ln(0.5) / ln(mean f). forget: (T, H) -> (H,); inf if mean f is 1."""
    m = np.clip(np.asarray(forget, dtype=np.float64).mean(axis=0), 1e-12, 1.0)
    with np.errstate(divide="ignore"):
        return np.where(m >= 1.0, np.inf, np.log(0.5) / np.log(m))


def liveliest_units(h: np.ndarray, k: int = 3) -> list[int]:
    """The k units whose h varies most over time (h: (T, H)), most varied first: the ones worth following."""
    return [int(u) for u in np.argsort(-np.asarray(h).std(axis=0))[:k]]


STRONG, WEAK = 0.8, 0.6  # |r| at or above STRONG: a strong match; below WEAK: a weak one


def match_strength(r: float) -> str:
    """How closely a unit tracks a quantity, from Pearson r: "strong", "moderate" or "weak"."""
    return "strong" if abs(r) >= STRONG else "weak" if abs(r) < WEAK else "moderate"


def match_note(r: float, quantity: str) -> str:
    """One sentence on what a unit's correlation r with `quantity` does and does not say."""
    strength = match_strength(r)
    fit = f"a straight line through the unit explains {r * r:.0%} of the spread in {quantity}"
    sign = " It runs the other way: high where the quantity is low." if r < 0 else ""
    if strength == "strong":
        return f"|r| = {abs(r):.2f}: a strong match; {fit}.{sign}"
    if strength == "moderate":
        return f"|r| = {abs(r):.2f}: a moderate match; {fit}, so the unit follows it only loosely.{sign}"
    return (f"|r| = {abs(r):.2f}: a weak match. This unit only partly tracks {quantity} ({fit}); it may mix "
            f"it with other things, or no single unit holds it.{sign}")


def step_values(trace: Trace, unit: int, t: int, module: str | None = None, layer: int = 0,
                direction: int = 0, sample: int = 0) -> dict[str, float]:
    """Every quantity of one unit at step t, plus x_t, h_{t-1} (and c_{t-1}) as the cell saw them.

    The previous step is t-1 for the forward direction and t+1 for the reverse one; before the
    first step the state is the block's initial state.
    """
    b = trace.block(module, layer, direction)
    T = b.shape[0]
    if not 0 <= t < T:
        raise IndexError(f"t={t} is outside 0..{T - 1}")
    prev = t + 1 if direction else t - 1
    out = {q: float(a[t, sample, unit]) for q, a in b.arrays.items()}
    first = prev < 0 or prev >= T
    for q in ("h", "c"):
        if q in b.arrays:
            out[q + "_prev"] = float(b.initial[q][sample, unit]) if first else float(b.arrays[q][prev, sample, unit])
    x = trace.input(b.module, sample) if layer == 0 else None
    out["x"] = float(x[t, 0]) if x is not None and x.shape[1] == 1 else float("nan")
    return out


def _n(v: float, paren: bool = True) -> str:
    s = f"{v:.3f}"
    return f"({s})" if v < 0 and paren else s


def equations(kind: str, v: dict[str, float]) -> list[str]:
    """Rows of a LaTeX aligned block (join with \\\\) with one step's numbers filled in (from step_values)."""
    if kind == "lstm":
        return [
            rf"f_t &= \sigma(W_f x_t + U_f h_{{t-1}} + b_f) = {_n(v['f'], False)}",
            rf"i_t &= \sigma(W_i x_t + U_i h_{{t-1}} + b_i) = {_n(v['i'], False)}",
            rf"g_t &= \tanh(W_g x_t + U_g h_{{t-1}} + b_g) = {_n(v['g'], False)}",
            rf"o_t &= \sigma(W_o x_t + U_o h_{{t-1}} + b_o) = {_n(v['o'], False)}",
            rf"c_t &= f_t \cdot c_{{t-1}} + i_t \cdot g_t",
            rf"&= {_n(v['f'])} \cdot {_n(v['c_prev'])} + {_n(v['i'])} \cdot {_n(v['g'])}",
            rf"&= {_n(v['c'], False)}",
            rf"h_t &= o_t \cdot \tanh(c_t) = {_n(v['o'])} \cdot \tanh({_n(v['c'], False)})",
            rf"&= {_n(v['h'], False)}",
        ]
    if kind == "gru":
        return [
            rf"r_t &= \sigma(W_r x_t + U_r h_{{t-1}} + b_r) = {_n(v['r'], False)}",
            rf"z_t &= \sigma(W_z x_t + U_z h_{{t-1}} + b_z) = {_n(v['z'], False)}",
            rf"n_t &= \tanh(W_n x_t + b_{{in}} + r_t \cdot (U_n h_{{t-1}} + b_{{hn}}))",
            rf"&= {_n(v['n'], False)}",
            rf"h_t &= (1 - z_t) \cdot n_t + z_t \cdot h_{{t-1}}",
            rf"&= (1 - {_n(v['z'])}) \cdot {_n(v['n'])} + {_n(v['z'])} \cdot {_n(v['h_prev'])}",
            rf"&= {_n(v['h'], False)}",
        ]
    return [rf"h_t &= \tanh(W x_t + U h_{{t-1}} + b) = {_n(v['h'], False)}"]


def equations_latex(kind: str, v: dict[str, float]) -> str:
    """One aligned LaTeX block of equations()."""
    return r"\begin{aligned}" + r" \\ ".join(equations(kind, v)) + r"\end{aligned}"


def correlation(A: np.ndarray, B: np.ndarray, constant: float = 0.0) -> np.ndarray:
    """Pearson correlation of every column of A (T, K) with every column of B (T, H): (K, H).

    A constant column (max == min) correlates `constant` with everything, rather than 0 / 0: 0 says
    it tells nothing; a lesson asking whether a unit repeats itself counts a constant one as repeating (1).
    """
    A = A - A.mean(0)
    B = B - B.mean(0)
    den = np.outer(np.linalg.norm(A, axis=0), np.linalg.norm(B, axis=0))
    live = np.outer(np.ptp(A, axis=0) > 0, np.ptp(B, axis=0) > 0) & (den > 0)
    return np.where(live, ((A.T @ B) / np.where(live, den, 1.0)).clip(-1.0, 1.0), constant)
