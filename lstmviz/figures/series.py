"""Series figures: the series with its train/test split and the gate view's window, and the forecast
against the test actuals and the baselines."""
from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from ..data import Series
from .common import COLORS, decimate, line, scalar, unchecked

__all__ = ["series_preview", "forecast_figure"]


def series_preview(series: Series, n_test: int, window: tuple[int, int] | None = None) -> go.Figure:
    """The series with its training and test parts shaded, and `window` (start, length), the
    positions the gate view runs the model on, outlined."""
    x, y = series.x(), series.values
    xd, yd = decimate(x, y)
    n = len(y)
    shapes, notes = [], []
    if 0 < n_test < n:
        split = scalar(x[n - n_test])
        for x0, x1, color, opacity, label, side in [(scalar(x[0]), split, "#636efa", 0.07, "train", "left"),
                                                    (split, scalar(x[-1]), "#ef553b", 0.12, "test", "right")]:
            shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, fillcolor=color,
                               opacity=opacity, line=dict(width=0), layer="below"))
            notes.append(dict(text=label, x=x0 if side == "left" else x1, xref="x", y=1, yref="paper",
                              xanchor=side, yanchor="top", showarrow=False, font=dict(color="#888")))
    if window is not None and 0 <= window[0] < n and window[1] > 0:
        a, b = scalar(x[window[0]]), scalar(x[min(window[0] + window[1], n) - 1])
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=a, x1=b, y0=0, y1=1,
                           fillcolor="rgba(255, 45, 85, 0.15)", line=dict(color="#ff2d55", width=2), layer="above"))
        notes.append(dict(text="gate view", x=a, xref="x", y=0, yref="paper", xanchor="left", yanchor="bottom",
                          showarrow=False, font=dict(color="#c2002f")))
    title = f"{html.escape(series.name)}: {n:,} values" + (f" (display decimated to {len(yd):,} points)" if len(yd) < n else "")
    return unchecked(dict(data=[line(xd, yd, series.name, COLORS["history"])], layout=dict(
        title=dict(text=title), height=280, margin=dict(l=40, r=20, t=40, b=30), showlegend=False,
        shapes=shapes, annotations=notes)))

def forecast_figure(series: Series, report, n_train: int) -> go.Figure:
    """History, test actuals, one-step and recursive predictions, the forecast beyond, and baselines."""
    x, y = series.x(), series.values
    test_x = x[n_train:]
    xd, yd = decimate(x[:n_train + 1], y[:n_train + 1])
    data = [line(xd, yd, "history (train)", COLORS["history"]),
            line(test_x, report.actual, "test actual", COLORS["actual"], width=3)]
    for name, pred in report.baselines.items():
        data.append(line(test_x, pred, f"{name.replace('_', ' ')} baseline", COLORS[name], dash="dot", width=1.5))
    data.append(line(test_x, report.one_step, "one-step predictions", COLORS["one_step"], dash="dash"))
    data.append(line(test_x, report.test_predictions, "recursive forecast (test)", COLORS["lstm"], width=3))
    last = x[-1]
    if len(report.forecast):
        fx = series.x_beyond(len(report.forecast))
        data.append(line(np.concatenate([x[-1:], fx]), np.concatenate([y[-1:], report.forecast]),
                          "forecast beyond the data", COLORS["beyond"], dash="dash", width=3))
        last = fx[-1]
    split = scalar(test_x[0])
    # Open on the recent past, the test range and the forecast; autoscale shows everything.
    first = x[max(0, n_train - 3 * max(len(test_x), 12))]
    return unchecked(dict(data=data, layout=dict(
        height=420, margin=dict(l=40, r=20, t=30, b=30), hovermode="x unified", legend=dict(orientation="h", y=-0.15),
        xaxis=dict(range=[scalar(first), scalar(last)]),
        shapes=[dict(type="line", xref="x", yref="paper", x0=split, x1=split, y0=0, y1=1,
                     line=dict(dash="dot", color="gray"))])))
