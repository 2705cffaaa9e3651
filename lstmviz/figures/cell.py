"""The cell diagram: a cell's schematic (lstmviz/diagram.py) at one step for one unit, every box
coloured and labelled with its live value."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from ..analysis import RANGES
from ..diagram import BOX_H, BOX_W, CELLS, OP_R, Node
from .common import DIVERGING, SEQUENTIAL, scale, unchecked

__all__ = ["cell_diagram"]


def cell_diagram(kind: str, v: dict[str, float], unit: int, t: int,
                 colorscales: tuple[str, str] = (SEQUENTIAL, DIVERGING), font_size: int = 13,
                 height: int = 380) -> go.Figure:
    """The schematic of `kind`'s cell at step t for one unit, each box coloured and labelled by its
    live value from `v` (analysis.step_values)."""
    return unchecked(_draw(kind, v, unit, t, [scale(s) for s in colorscales], font_size, height))


def _color(v: float, lo: float, hi: float, scale) -> str:
    if not np.isfinite(v):  # no single number (an input of several channels): neutral grey
        return "rgb(221, 221, 221)"
    frac = 0.5 if hi <= lo else float(np.clip((v - lo) / (hi - lo), 0, 1))
    return sample_colorscale(scale, [frac])[0]


def _luminance(color: str) -> float:
    """Relative brightness in [0, 1] of 'rgb(r, g, b)' or '#rrggbb', to pick black or white text."""
    if color.startswith("#"):
        r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(x) for x in color[color.index("(") + 1:color.index(")")].split(",")[:3])
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def _rim(n: Node, toward: tuple[float, float]) -> tuple[float, float]:
    """Where a wire from n's centre toward `toward` leaves n's outline."""
    dx, dy = toward[0] - n.x, toward[1] - n.y
    d = float(np.hypot(dx, dy)) or 1.0
    if n.kind == "op":
        return n.x + dx / d * OP_R, n.y + dy / d * OP_R
    if n.kind == "join":
        return n.x, n.y
    s = min(BOX_W / 2 / abs(dx) if dx else np.inf, BOX_H / 2 / abs(dy) if dy else np.inf)
    return n.x + dx * s, n.y + dy * s


def _draw(kind: str, v: dict[str, float], unit: int, t: int, colorscales, font_size: int = 13,
          height: int = 380) -> dict:
    """The figure dict of `kind`'s cell at step t for one unit: each box coloured and labelled with
    its live value from `v` (analysis.step_values)."""
    cell = CELLS[kind]
    shapes, notes = [], []  # handed to plotly once: add_shape would re-validate the figure per call
    c_abs = max(abs(v.get("c", 0)), abs(v.get("c_prev", 0)), 1.0)
    grey = "#555"
    for e in cell.edges:
        a, b = cell.node(e.src), cell.node(e.dst)
        points = [_rim(a, e.via[0] if e.via else (b.x, b.y)), *e.via]
        points.append(_rim(b, points[-1]))
        for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1]):
            shapes.append(dict(type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=grey, width=1.5)))
        (x0, y0), (x1, y1) = points[-2:]
        if b.kind == "join":  # wires meeting: no arrowhead
            shapes.append(dict(type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=grey, width=1.5)))
        else:
            notes.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                              showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5, arrowcolor=grey))
    for n in cell.nodes:
        if n.kind == "join":
            if len(cell.inputs(n.name)) + sum(e.src == n.name for e in cell.edges) > 2:  # a real fork or merge
                shapes.append(dict(type="circle", x0=n.x - 0.06, x1=n.x + 0.06, y0=n.y - 0.06, y1=n.y + 0.06,
                                   fillcolor=grey, line=dict(width=0)))
        elif n.kind == "op":
            shapes.append(dict(type="circle", x0=n.x - OP_R, x1=n.x + OP_R, y0=n.y - OP_R, y1=n.y + OP_R,
                               fillcolor="#fff", line=dict(color="#333", width=1.5)))
            scale = {"tanh": 0.75, "one_minus": 0.95}.get(n.fn, 1.35)  # a word fits the circle smaller than a sign
            notes.append(dict(x=n.x, y=n.y, text=n.label, showarrow=False,
                              font=dict(size=round(font_size * scale), color="black")))
        else:
            value = v.get(n.name, float("nan"))
            rng = RANGES.get(n.name.removesuffix("_prev"))
            if rng is None:
                m = c_abs if n.name.startswith("c") else max(abs(value) if np.isfinite(value) else 0.0, 1.0)
                rng = (-m, m)
            fill = _color(value, *rng, colorscales[0] if rng == (0, 1) else colorscales[1])
            shapes.append(dict(type="rect", x0=n.x - BOX_W / 2, x1=n.x + BOX_W / 2, y0=n.y - BOX_H / 2,
                               y1=n.y + BOX_H / 2, fillcolor=fill, line=dict(color="#333", width=1.5)))
            shown = f"{value:+.3f}" if np.isfinite(value) else "vector"
            notes.append(dict(x=n.x, y=n.y, text=f"<b>{n.label}</b><br>{shown}", showarrow=False,
                              font=dict(size=font_size, color="white" if _luminance(fill) < 0.45 else "black")))
    return dict(data=[], layout=dict(
        shapes=shapes, annotations=notes, height=height, margin=dict(l=5, r=5, t=round(2.6 * font_size), b=5),
        title=dict(text=f"{kind.upper()} cell, unit {unit}, t = {t}", font=dict(size=round(font_size * 1.25))),
        # constrain="domain": the box shrinks to keep circles round and the ranges stay as given. With
        # plotly's default ("range") a chart first drawn narrow, then widened, keeps widened ranges
        # and shows the cell at half its size.
        xaxis=dict(visible=False, range=list(cell.x_range), fixedrange=True, constrain="domain"),
        yaxis=dict(visible=False, range=list(cell.y_range), scaleanchor="x", fixedrange=True, constrain="domain"),
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)", dragmode=False))
