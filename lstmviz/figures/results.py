"""What a trained sequence model scores and what its units track: the confusion matrix, bars per
category (accuracy by length, correlation by unit), and a unit against a known quantity."""
from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from .common import COLORS, unchecked

__all__ = ["confusion_figure", "bar_figure", "tracks_figure"]


def confusion_figure(confusion: list[list[int]], classes: list[str]) -> go.Figure:
    """Counts of [true][predicted] classes as an annotated heatmap."""
    z = np.asarray(confusion, dtype=np.float64)
    notes = [dict(x=p, y=t, text=f"{int(z[t, p]):,}", showarrow=False,
                  font=dict(color="white" if z[t, p] > z.max() / 2 else "black", size=14))
             for t in range(len(classes)) for p in range(len(classes))]
    return unchecked(dict(
        data=[dict(type="heatmap", z=z, x=list(range(len(classes))), y=list(range(len(classes))),
                   colorscale=[[0, "#f7fbff"], [1, "#08306b"]], showscale=False,
                   hovertemplate="true %{y}<br>predicted %{x}<br>%{z} examples<extra></extra>")],
        layout=dict(height=300, margin=dict(l=60, r=20, t=40, b=50), title=dict(text="Confusion (held-out)"),
                    annotations=notes,
                    xaxis=dict(title=dict(text="predicted"), tickvals=list(range(len(classes))), ticktext=classes),
                    yaxis=dict(title=dict(text="true"), tickvals=list(range(len(classes))), ticktext=classes,
                               autorange="reversed"))))


def bar_figure(x: list, y: list, title: str, x_title: str, y_title: str, y_range=None) -> go.Figure:
    """One bar per x (accuracy by length, correlation by unit, ...)."""
    return unchecked(dict(
        data=[dict(type="bar", x=[str(v) for v in x], y=np.asarray(y, dtype=np.float64), marker=dict(color="#636efa"))],
        layout=dict(height=260, margin=dict(l=50, r=20, t=40, b=40), title=dict(text=title),
                    xaxis=dict(title=dict(text=x_title), type="category"),
                    yaxis=dict(title=dict(text=y_title), **({"range": list(y_range)} if y_range else {})))))


def tracks_figure(unit_values: np.ndarray, known: np.ndarray, unit_label: str, known_label: str,
                  r: float | None = None, unit_ref: tuple[float, float] | None = None,
                  known_ref: tuple[float, float] | None = None, t: int | None = None) -> go.Figure:
    """A unit's value and the known quantity it tracks over one example's steps, on one axis.

    Both are standardized, (v - mean) / sd, with `unit_ref` and `known_ref` = (mean, sd) over the
    finder's samples (this example's own, if not given), so a unit and a quantity that move together
    lie on top of each other. With r < 0 the unit is drawn upside down, and its legend says so: two
    axes would show such a unit as a mirror image. Hover gives the raw values.
    """
    u = np.asarray(unit_values, np.float64)
    k = np.asarray(known, np.float64)
    flip = r is not None and r < 0

    def z(v, ref):
        mean, sd = ref if ref is not None else (float(v.mean()), float(v.std()))
        return (v - mean) / (sd if sd > 1e-12 else 1.0)

    steps = np.arange(len(k))
    shown = f"{unit_label} × −1 (upside down: r < 0)" if flip else unit_label
    title = f"{unit_label} vs {known_label}" + (f": r = {r:+.2f}" if r is not None else "")
    hover = "t=%{x}<br>%{customdata:.4g}<extra>%{fullData.name}</extra>"
    return unchecked(dict(
        data=[dict(type="scatter", x=steps, y=z(k, known_ref), customdata=k, name=known_label,
                   mode="lines+markers", line=dict(color="#222", shape="hv"), hovertemplate=hover),
              dict(type="scatter", x=steps, y=-z(u, unit_ref) if flip else z(u, unit_ref), customdata=u, name=shown,
                   mode="lines+markers", line=dict(color=COLORS["lstm"]), hovertemplate=hover)],
        layout=dict(height=330, margin=dict(l=50, r=20, t=40, b=40), title=dict(text=html.escape(title)),
                    xaxis=dict(title=dict(text="t")), yaxis=dict(title=dict(text="standardized"), zeroline=True),
                    legend=dict(orientation="h", y=-0.3, yanchor="top", x=0),
                    shapes=[dict(type="line", x0=t, x1=t, y0=0, y1=1, yref="paper", line=dict(color="#ff2d55"))]
                    if t is not None else [])))
