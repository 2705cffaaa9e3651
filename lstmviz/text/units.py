"""Which units track what: `features` gives back per-character features of a text (in quotes, bracket
depth, word position...), `code_features` those of Python source (in a string, in a comment, bracket
depth outside strings, indentation), `rank_units` / `top_units` the units most correlated with them, and
`select_span` / `matches` / `on_runs` LSTMVis-style span selection over recorded values.

Shapes: features are (T,) float64, aligned with a trace's (T, H) values of the same text; axis 0 is time.
"""
from __future__ import annotations

import re

import numpy as np

from ..analysis import correlation
from ..errors import InputError
from ..record import Trace
from .corpus import codepoints, normalise

__all__ = ["FEATURES", "CODE_FEATURES", "features", "code_features", "rank_units", "top_units", "select_span", "on_runs", "on_run", "matches"]

# ---- features: what a unit might track, each (T,) float64, describing the state after reading char t

FEATURES = {
    "in_quotes": "1 from an opening quote (\" or \u201c) up to its closing one, else 0",
    "in_brackets": "1 inside ( ), [ ] or { }, else 0",
    "bracket_depth": "how many brackets are open",
    "word_position": "1, 2, 3... through the letters and digits of a word, 0 elsewhere",
    "line_position": "characters since the last newline (0 on the newline)",
    "is_space": "white space: space, tab, newline...",
    "is_newline": "newline",
    "is_upper": "an upper-case letter",
    "is_digit": "a digit",
    "is_punctuation": "neither a letter, a digit nor white space",
    "after_sentence_end": "1 from . ! or ? up to the next letter or digit",
}


def _last(mask: np.ndarray) -> np.ndarray:
    """For every t, the last index <= t where mask is True, or -1."""
    return np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))


def features(text: str) -> dict[str, np.ndarray]:
    """Per-character features of `text`, name -> (T,) float64 (see FEATURES), aligned with record_text's trace.

    Each describes the state after reading character t, as h_t does: the opening quote is in quotes,
    the closing one is not. Newlines are normalised first, as record_text does.
    """
    cp = codepoints(normalise(text))
    if cp.size == 0:
        return {name: np.zeros(0) for name in FEATURES}
    uniq, inv = np.unique(cp, return_inverse=True)
    chars = [chr(c) for c in uniq.tolist()]

    def cls(pred) -> np.ndarray:
        return np.array([pred(c) for c in chars], dtype=bool)[inv]

    t = np.arange(len(cp))
    alnum, space, upper = cls(str.isalnum), cls(str.isspace), cls(str.isupper)
    # quotes: " toggles, \u201c opens, \u201d closes; state = last open/close, flipped by each " since
    toggle = cp == ord('"')
    opens, closes = cp == 0x201C, cp == 0x201D
    k = _last(opens | closes)
    flips = np.cumsum(toggle) - np.where(k >= 0, np.cumsum(toggle)[k.clip(0)], 0)
    quoted = (np.where(k >= 0, opens[k.clip(0)], False) ^ (flips % 2 == 1)).astype(np.float64)
    # brackets: depth never below 0 (a stray closer is ignored): S_t - min(0, min_{s<=t} S_s)
    delta = np.isin(cp, [ord(c) for c in "([{"]).astype(np.int64) - np.isin(cp, [ord(c) for c in ")]}"])
    s = np.cumsum(delta)
    depth = (s - np.minimum(0, np.minimum.accumulate(s))).astype(np.float64)
    newline = cp == ord("\n")
    ends = np.isin(cp, [ord(c) for c in ".!?"])
    return {
        "in_quotes": quoted,
        "in_brackets": (depth > 0).astype(np.float64),
        "bracket_depth": depth,
        "word_position": np.where(alnum, t - _last(~alnum), 0).astype(np.float64),
        "line_position": (t - _last(newline)).astype(np.float64),  # as if a newline came before the text
        "is_space": space.astype(np.float64),
        "is_newline": newline.astype(np.float64),
        "is_upper": upper.astype(np.float64),
        "is_digit": cls(str.isdigit).astype(np.float64),
        "is_punctuation": (~alnum & ~space).astype(np.float64),
        "after_sentence_end": (_last(ends) > _last(alnum)).astype(np.float64),
    }


CODE_FEATURES = {
    "in_string": "1 inside a Python string, from its opening quote(s) up to its closing one(s); "
                 "backslash escapes and triple quotes count",
    "in_comment": "1 from # (outside a string) to the end of its line",
    "bracket_depth": "how many brackets are open, not counting brackets in strings and comments",
    "indent": "leading spaces of the current line read so far (0 on the newline)",
    "line_indent": "leading spaces of the line the character is on (a newline belongs to the line it ends)",
    "line_position": "characters since the last newline (0 on the newline)",
}

_OUTSIDE = re.compile(r"[#\"'()\[\]{}]")
_INSIDE = {q: re.compile(r"\\.|" + re.escape(q) + ("" if len(q) == 3 else r"|\n"), re.S)
           for q in ('"', "'", '"""', "'''")}


def _python_spans(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """in_string, in_comment (T,) bool and bracket depth (T,) int64, each the state after reading char t.

    A small tokenizer that never fails: a one-line string left open ends at its newline, a stray
    closing bracket leaves the depth at 0, and text cut in the middle of a file reads as far as it goes.
    """
    T = len(text)
    in_str, in_com, depth = np.zeros(T, bool), np.zeros(T, bool), np.zeros(T, np.int64)
    i, d = 0, 0
    while i < T:
        m = _OUTSIDE.search(text, i)
        if m is None:
            depth[i:] = d
            break
        j = m.start()
        depth[i:j] = d
        ch = text[j]
        if ch == "#":
            end = text.find("\n", j)
            end = T if end < 0 else end
            in_com[j:end], depth[j:end], i = True, d, end
        elif ch in "\"'":
            q = ch * 3 if text.startswith(ch * 3, j) else ch
            k = j + len(q)
            while True:  # to the closing quote(s), stepping over escapes
                n = _INSIDE[q].search(text, k)
                if n is None or n.group() in (q, "\n"):
                    break
                k = n.end()
            end = T if n is None else n.start()
            in_str[j:end], depth[j:end] = True, d
            i = T if n is None else n.end()
            depth[end:i] = d  # the closing quote(s), or the newline that ends a one-line string
        else:
            d = d + 1 if ch in "([{" else max(0, d - 1)
            depth[j], i = d, j + 1
    return in_str, in_com, depth


def code_features(text: str) -> dict[str, np.ndarray]:
    """Per-character features of Python source, name -> (T,) float64 (see CODE_FEATURES), aligned with
    record_text's trace of the same text. As in `features`, an opening quote is inside its string and
    a closing one is not; newlines are normalised first."""
    text = normalise(text)
    in_str, in_com, depth = _python_spans(text)
    newline = codepoints(text) == ord("\n")
    line = np.cumsum(newline) - newline  # each character's line; a newline belongs to the line it ends
    lead = np.array([len(s) - len(s.lstrip(" ")) for s in text.split("\n")], dtype=np.int64)
    width = lead[line]  # (T,) leading spaces of each character's line
    position = np.arange(len(text)) - _last(newline)  # characters of the line read so far, 0 on a newline
    return {
        "in_string": in_str.astype(np.float64),
        "in_comment": in_com.astype(np.float64),
        "bracket_depth": depth.astype(np.float64),
        "indent": np.minimum(position, width).astype(np.float64),
        "line_indent": width.astype(np.float64),
        "line_position": position.astype(np.float64),
    }


def rank_units(trace: Trace, feats: dict[str, np.ndarray], quantity: str = "h", top: int = 5,
               module: str | None = None, direction: int = 0) -> list[dict]:
    """The `top` units, over every layer, whose `quantity` is most correlated with each feature.

    feats: name -> (T,) as from `features`, T = the trace's length. Ranked by |Pearson r|;
    returns [{feature, layer, unit, quantity, correlation}], feature by feature in the order given,
    strongest first. Constant features (no quotes in the text, say) are left out.
    """
    name = trace.block(module).module
    layers = sorted({b.layer for b in trace.blocks if b.module == name})
    values = [np.asarray(trace.get(quantity, module=name, layer=l, direction=direction), dtype=np.float64)
              for l in layers]
    T, H = values[0].shape
    for k, f in feats.items():
        if np.shape(f) != (T,):
            raise InputError(f"feature {k!r} has shape {np.shape(f)}; the trace has {T} timesteps: "
                             "compute features on the same text that was recorded")
    names = [k for k, f in feats.items() if np.ptp(np.asarray(f, dtype=np.float64)) > 0]
    if not names:
        return []
    F = np.column_stack([np.asarray(feats[k], dtype=np.float64) for k in names])  # (T, K)
    R = np.concatenate([correlation(F, v) for v in values], axis=1)  # (K, L * H)
    out = []
    for k, feature in enumerate(names):
        for j in np.argsort(-np.abs(R[k]), kind="stable")[:top]:
            out.append({"feature": feature, "layer": layers[j // H], "unit": int(j % H), "quantity": quantity,
                        "correlation": float(R[k, j])})
    return out


def _matrix(values) -> np.ndarray:
    v = np.asarray(values)
    if v.ndim != 2 or v.shape[0] == 0:
        raise InputError(f"values must be a (T, H) array with T >= 1, not shape {v.shape}")
    return v


def select_span(values, start: int, end: int, threshold: float, margin: int = 1) -> np.ndarray:
    """Units (sorted ids) that are on (>= threshold) at every t in [start, end) and off (< threshold)
    at each of the `margin` steps just before and just after it (where those exist). values: (T, H)."""
    v = _matrix(values)
    if not 0 <= start < end <= len(v):
        raise InputError(f"the span [{start}, {end}) must be non-empty and inside [0, {len(v)})")
    if margin < 0:
        raise InputError("margin cannot be negative")
    on = (v[start:end] >= threshold).all(0)
    off = (v[max(0, start - margin):start] < threshold).all(0) & (v[end:end + margin] < threshold).all(0)
    return np.flatnonzero(on & off)


def on_runs(unit_values, threshold: float, shortest: int = 1, longest: int | None = None) -> list[tuple[int, int]]:
    """Every span [start, end), in order, where this one unit is on (>= threshold) and off just around
    it, `shortest` to `longest` steps long and not touching either end of the text.

    Selections that work: by construction `select_span` finds at least this unit on each.
    """
    v = np.asarray(unit_values, dtype=np.float64).reshape(-1)
    edges = np.diff(np.concatenate([[0], (v >= threshold).astype(np.int8), [0]]))
    return [(int(a), int(b)) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
            if a > 0 and b < len(v) and shortest <= b - a <= (len(v) if longest is None else longest)]


def on_run(unit_values, threshold: float, shortest: int = 3, longest: int = 60) -> tuple[int, int] | None:
    """The longest of `on_runs` (the first of equals), `shortest` to `longest` steps; None if there is none."""
    runs = on_runs(unit_values, threshold, shortest, longest)
    return max(runs, key=lambda r: (r[1] - r[0], -r[0])) if runs else None


def top_units(trace: Trace, text: str, quantity: str = "h", k: int = 8) -> list[int]:
    """Up to k distinct units of the first layer, those whose `quantity` best tracks a feature of
    `text` (the recorded one), strongest |r| first: the rows worth drawing out of a hundred."""
    T = trace.block().shape[0]
    feats = {name: f[:T] for name, f in features(text).items()}
    ranked = [d for d in rank_units(trace, feats, quantity=quantity, top=k) if d["layer"] == 0]
    out: list[int] = []
    for d in sorted(ranked, key=lambda d: -abs(d["correlation"])):
        if d["unit"] not in out:
            out.append(d["unit"])
    return out[:k]


def matches(values, units, threshold: float, min_len: int = 1,
            exclude: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """Maximal spans [start, end), at least min_len long, where all `units` are on (>= threshold) together.

    values: (T, H). exclude: a span (the selection itself, say) whose overlapping matches are dropped.
    """
    v = _matrix(values)
    units = np.asarray(units, dtype=np.int64).reshape(-1)
    if units.size == 0:
        raise InputError("no units selected: pick a span where some units switch on, or lower the threshold")
    if units.min() < 0 or units.max() >= v.shape[1]:
        raise InputError(f"unit ids must be 0 to {v.shape[1] - 1}")
    on = (v[:, units] >= threshold).all(1).astype(np.int8)
    edges = np.diff(np.concatenate([[0], on, [0]]))
    spans = [(int(s), int(e)) for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
             if e - s >= max(min_len, 1)]
    if exclude is not None:
        spans = [(s, e) for s, e in spans if e <= exclude[0] or s >= exclude[1]]
    return spans

