"""Loss curves: one run's train and validation loss, or several runs overlaid, on a log axis whose
ticks read as the numbers they are."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from .common import CELL_COLORS, CELL_DASHES, unchecked

__all__ = ["loss_curve", "loss_curves", "log_axis"]


def loss_curve(losses: list[float], val_losses: list[float] | None = None, total_epochs: int | None = None,
               title: str = "Loss (MSE, scaled units)") -> go.Figure:
    """Training (and validation) loss per epoch, log scale."""
    return loss_curves({"train": losses, **({"validation": val_losses} if val_losses else {})}, total_epochs, title)


def loss_curves(curves: dict[str, list[float]], total_epochs: int | None = None,
                title: str = "Loss (MSE, scaled units)", log: bool = True) -> go.Figure:
    """Several loss curves (name -> loss per epoch) overlaid on one epoch axis; a cell's name (LSTM,
    GRU, RNN) gets that cell's colour and dash."""
    def style(name: str) -> dict:
        cell = name.lower()
        return {"line": dict(color=CELL_COLORS[cell], dash=CELL_DASHES[cell], width=2.5)} if cell in CELL_COLORS else {}

    data = [dict(type="scatter", x=np.arange(1, len(ys) + 1), y=np.asarray(ys, dtype=np.float64), name=name,
                 mode="lines", **style(name)) for name, ys in curves.items()]
    xaxis = dict(title=dict(text="epoch"), **({"range": [0, total_epochs]} if total_epochs else {}))
    if max(total_epochs or 0, *(len(ys) for ys in curves.values()), 0) <= 10:
        xaxis.update(tick0=0, dtick=1)  # whole epochs: plotly put ticks at 1.5, 2.5, ... on a 5-epoch run
    return unchecked(dict(data=data, layout=dict(
        height=260, margin=dict(l=40, r=20, t=30, b=30), title=dict(text=title),
        xaxis=xaxis, yaxis=log_axis(curves.values()) if log else dict(type="linear"),
        legend=dict(orientation="h", y=1.15, x=1, xanchor="right"))))


def log_axis(curves, most: int = 7) -> dict:  # curves: arrays of the values drawn
    """A log y axis with at most `most` full tick labels: 1, 2 and 5 of each decade when they fit,
    else one per decade (or every other one). Plotly's own choice labels 2 and 5 as bare digits,
    "0.1 5 2", which read as 5 and 2, not 0.05 and 0.02."""
    ys = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in curves] or [np.empty(0)])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return dict(type="log")
    # the drawn range, set here with 5% of room each side, so the ticks are chosen over what shows: a curve
    # ending at 0.0207 gets its 0.02 tick (plotly's own padding showed it with nothing below 0.05)
    a, b = math.log10(ys.min()), math.log10(ys.max())
    pad = max(0.05 * (b - a), 0.02)
    view = [a - pad, b + pad]
    lo, hi = 10.0 ** view[0], 10.0 ** view[1]
    decades = range(math.floor(view[0]), math.floor(view[1]) + 1)
    for steps in ([1, 2, 5], [1], [1, 1.5, 2, 3, 5, 7]):
        ticks = [m * 10.0 ** k for k in decades for m in steps if lo <= m * 10.0 ** k <= hi]
        if len(ticks) >= 2 and (steps != [1, 2, 5] or len(ticks) <= most):
            ticks = ticks[::-(-len(ticks) // most)]  # every decade, or every other one, ...
            return dict(type="log", range=view, tickvals=ticks,
                        ticktext=[f"{v:,.0f}" if v >= 1000 else f"{v:.3g}" for v in ticks])
    return dict(type="log", range=view, tickformat=".3g")  # a flat curve: plotly's ticks, as full numbers
