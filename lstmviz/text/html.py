"""The text view's HTML: `colored_text_html` gives back the text with each character coloured by a unit's
value on a diverging scale, its exact value on hover. No Streamlit here.

values are (T,) with T = len(text): values[t] is the unit after reading character t, as in a trace.
"""
from __future__ import annotations

import html

import numpy as np

from ..errors import InputError

__all__ = ["colored_text_html", "value_colors", "value_range"]

# Plotly's RdBu_r (figures.DIVERGING): dark blue at vmin, white at the midpoint, dark red at vmax.
_STOPS = np.array([(5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240), (247, 247, 247),
                   (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43), (103, 0, 31)], dtype=np.float64)
_NAN = "#bdbdbd"
_NAMES = {" ": "space", "\n": "newline", "\t": "tab"}
_MARK = "background:none;color:inherit;outline:2px solid #111;outline-offset:1px;border-radius:2px"


def _values(text: str, values) -> np.ndarray:
    v = np.asarray(values)
    if v.ndim != 1 or len(v) != len(text):
        raise InputError(f"values must be one number per character: the text has {len(text)} characters, "
                         f"the values have shape {v.shape}")
    if v.dtype.kind not in "fiu":
        raise InputError("values must be numbers")
    return v


def value_range(values, vmin: float | None = None, vmax: float | None = None) -> tuple[float, float, float]:
    """(vmin, midpoint, vmax) for a diverging scale: symmetric about 0 unless given; midpoint 0 when inside."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    m = float(np.abs(finite).max()) if finite.size else 0.0
    lo = -m if vmin is None else float(vmin)
    hi = m if vmax is None else float(vmax)
    if lo == hi == 0.0:
        lo, hi = -1.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise InputError(f"the colour range must have vmin < vmax, both finite; got {lo} and {hi}")
    return lo, (0.0 if lo < 0 < hi else (lo + hi) / 2), hi


def value_colors(values, vmin: float, vmax: float) -> tuple[list[str], np.ndarray]:
    """'#rrggbb' per value on the diverging scale, and where each sits in it, (T,) in [-1, 1] (NaN: grey, 0)."""
    lo, mid, hi = value_range(values, vmin, vmax)
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        pos = np.where(v < mid, (v - mid) / (mid - lo), (v - mid) / (hi - mid)).clip(-1, 1)
    bad = ~np.isfinite(pos)
    pos[bad] = 0.0
    x = (pos + 1) * 5  # 0..10 along the 11 stops
    i = np.minimum(x.astype(int), 9)
    rgb = _STOPS[i] + (x - i)[:, None] * (_STOPS[i + 1] - _STOPS[i])
    hexes = ["#%02x%02x%02x" % tuple(c) for c in np.rint(rgb).astype(int).tolist()]
    for j in np.flatnonzero(bad):
        hexes[j] = _NAN
    return hexes, pos


def _marked(n: int, spans) -> np.ndarray:
    mask = np.zeros(n + 1, dtype=bool)
    for s, e in spans or ():
        if not 0 <= s <= e <= n:
            raise InputError(f"highlight span ({s}, {e}) is outside the text of {n} characters")
        mask[s:e] = True
    return mask


def colored_text_html(text: str, values, vmin: float | None = None, vmax: float | None = None,
                      highlight_spans=None, label: str = "", show_newlines: bool = True) -> str:
    """HTML: each character a <span> coloured by values[t], its title (hover) the position and exact value.

    The text is HTML-escaped, spaces and newlines kept (white-space: pre-wrap); a newline shows as a
    coloured "↵" before the break when show_newlines. highlight_spans [(start, end), ...] are outlined
    (<mark>), as the matches of a selection. The colour range defaults to symmetric about 0.
    A small legend with the range and `label` follows. About 90 bytes per character.
    """
    v = _values(text, values)
    lo, mid, hi = value_range(v, vmin, vmax)
    colors, pos = value_colors(v, lo, hi)
    # the shortest digits that give back the same number in the array's own precision
    shown = v.astype(str)
    mask = _marked(len(text), highlight_spans)
    parts = ['<div class="lstmviz-text" style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px;'
             'line-height:1.6;white-space:pre-wrap;word-break:break-all">']
    for t, ch in enumerate(text):
        if mask[t] and (t == 0 or not mask[t - 1]):
            parts.append(f'<mark style="{_MARK}">')
        ink = ";color:#fff" if abs(pos[t]) > 0.6 else ""
        tip = html.escape(f"t={t} {_NAMES.get(ch, ch)}: {shown[t]}", quote=True)
        body = "↵" if ch == "\n" and show_newlines else html.escape(ch)
        parts.append(f'<span style="background:{colors[t]}{ink}" title="{tip}">{body}</span>')
        if ch == "\n" and show_newlines:
            parts.append("\n")
        if mask[t] and not mask[t + 1]:
            parts.append("</mark>")
    parts.append("</div>")
    stops = ",".join("rgb(%d,%d,%d)" % tuple(c) for c in _STOPS.astype(int).tolist())
    parts.append('<div class="lstmviz-legend" style="font-size:12px;margin-top:4px">'
                 f'{html.escape(label)} <span>{lo:.3g}</span> '
                 f'<span style="display:inline-block;width:160px;height:10px;vertical-align:middle;'
                 f'background:linear-gradient(to right,{stops})"></span> <span>{hi:.3g}</span>'
                 f' <span style="color:#666">(white: {mid:.3g})</span></div>')
    return "".join(parts)

