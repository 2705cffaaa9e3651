"""Plotly figure builders: data in, go.Figure out. No Streamlit here."""
from __future__ import annotations

import functools
import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from . import diagram
from .analysis import LABELS, RANGES, half_life, saturation
from .data import Series
from .record import Trace

__all__ = ["decimate", "date_label", "series_preview", "loss_curve", "forecast_figure", "gate_heatmaps", "unit_lines",
           "saturation_figure", "half_life_figure", "cell_diagram", "loss_curves", "confusion_figure", "bar_figure",
           "tracks_figure", "SEQUENTIAL", "DIVERGING", "PROJECTOR", "CELL_COLORS"]

SEQUENTIAL = "Viridis"  # gates in [0, 1]
DIVERGING = "RdBu_r"  # signed values, 0 in white
# Presenter mode: a projector washes out pale colours, and RdBu's white middle vanishes into a white
# page. Blue-black-orange keeps sign and size apart at any brightness (and for red-green colour blindness).
PROJECTOR = ("Plasma", [[0.0, "#0a6cff"], [0.5, "#000000"], [1.0, "#ff8a00"]])
COLORS = {"history": "#636efa", "actual": "#222222", "lstm": "#ef553b", "one_step": "#ff9f1c",
          "beyond": "#d62728", "naive": "#9e9e9e", "seasonal_naive": "#2ca02c", "drift": "#8c564b"}
# One colour and dash per cell in every compare view, from Okabe and Ito's colour-blind-safe set;
# the dash tells them apart in grey too.
CELL_COLORS = {"lstm": "#d55e00", "gru": "#0072b2", "rnn": "#009e73"}  # vermillion, blue, bluish green
CELL_DASHES = {"lstm": "solid", "gru": "dash", "rnn": "dot"}
MAX_POINTS = 4000


@functools.lru_cache(maxsize=32)
def _named_scale(name: str) -> tuple:
    return tuple(tuple(stop) for stop in get_colorscale(name))


def _scale(scale) -> list:
    """A colour scale as [[position, colour], ...]. Figures skip plotly.py's validation (see
    _unchecked), which is what turns a name into stops, and plotly.js knows only some names
    (not "Plasma", not the "_r" reversals): it would silently fall back to its default."""
    return [list(stop) for stop in _named_scale(scale)] if isinstance(scale, str) else scale


def _unchecked(fig: dict) -> go.Figure:
    """A Figure from a dict this module wrote, without plotly's per-property validation.

    The scrubber redraws the heatmaps and the cell diagram on every move, and validating them
    costs more than drawing them. tests/test_figures.py validates the same dicts in full.
    """
    return go.Figure(fig, _validate=False)


def decimate(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Min/max decimation for display: keeps every peak and trough, at most ~max_points points."""
    n = len(y)
    if n <= max_points:
        return np.asarray(x), np.asarray(y)
    buckets = max_points // 2
    size = n // buckets
    m = buckets * size
    yb = np.asarray(y[:m]).reshape(buckets, size)
    base = np.arange(buckets) * size
    lo, hi = base + yb.argmin(axis=1), base + yb.argmax(axis=1)
    idx = np.sort(np.concatenate([lo, hi, np.arange(m, n)]))
    return np.asarray(x)[idx], np.asarray(y)[idx]


def _line(x, y, name, color, dash=None, width=2) -> dict:
    """A line trace; WebGL past a few thousand points."""
    line = dict(color=color, width=width, **({"dash": dash} if dash else {}))
    return dict(type="scattergl" if len(y) > MAX_POINTS // 2 else "scatter", x=np.asarray(x),
                y=np.asarray(y, dtype=np.float64), name=name, mode="lines", line=line)


def date_label(v) -> str:
    """A date as a person writes it: the day alone when the time is midnight."""
    ts = pd.Timestamp(v)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _scalar(v):
    """A JSON-safe axis value: dates as ISO strings, numpy numbers as Python numbers."""
    if isinstance(v, np.datetime64):
        return str(pd.Timestamp(v))
    return v.item() if isinstance(v, np.generic) else v


def _stack(n: int, heights=None, plot_px: float = 1000, gap_px: float = 30) -> list[tuple[float, float]]:
    """Domains (bottom, top) of n panels stacked from the top, sized by `heights`, with `gap_px`
    between panels (room for the title each panel carries above it) in a plot area `plot_px` tall."""
    h = np.ones(n) if heights is None else np.asarray(heights, dtype=float)
    g = min(gap_px / plot_px, 0.5 / max(n - 1, 1))
    spans = h / h.sum() * (1 - g * (n - 1))
    tops = 1 - np.concatenate([[0], np.cumsum(spans + g)[:-1]])
    return [(max(0.0, float(t - sp)), min(1.0, float(t))) for t, sp in zip(tops, spans)]


def series_preview(series: Series, n_test: int, window: tuple[int, int] | None = None) -> go.Figure:
    """The series with its training and test parts shaded, and `window` (start, length), the
    positions the gate view runs the model on, outlined."""
    x, y = series.x(), series.values
    xd, yd = decimate(x, y)
    n = len(y)
    shapes, notes = [], []
    if 0 < n_test < n:
        split = _scalar(x[n - n_test])
        for x0, x1, color, opacity, label, side in [(_scalar(x[0]), split, "#636efa", 0.07, "train", "left"),
                                                    (split, _scalar(x[-1]), "#ef553b", 0.12, "test", "right")]:
            shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, fillcolor=color,
                               opacity=opacity, line=dict(width=0), layer="below"))
            notes.append(dict(text=label, x=x0 if side == "left" else x1, xref="x", y=1, yref="paper",
                              xanchor=side, yanchor="top", showarrow=False, font=dict(color="#888")))
    if window is not None and 0 <= window[0] < n and window[1] > 0:
        a, b = _scalar(x[window[0]]), _scalar(x[min(window[0] + window[1], n) - 1])
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=a, x1=b, y0=0, y1=1,
                           fillcolor="rgba(255, 45, 85, 0.15)", line=dict(color="#ff2d55", width=2), layer="above"))
        notes.append(dict(text="gate view", x=a, xref="x", y=0, yref="paper", xanchor="left", yanchor="bottom",
                          showarrow=False, font=dict(color="#c2002f")))
    title = f"{html.escape(series.name)}: {n:,} values" + (f" (display decimated to {len(yd):,} points)" if len(yd) < n else "")
    return _unchecked(dict(data=[_line(xd, yd, series.name, COLORS["history"])], layout=dict(
        title=dict(text=title), height=280, margin=dict(l=40, r=20, t=40, b=30), showlegend=False,
        shapes=shapes, annotations=notes)))


def loss_curve(losses: list[float], val_losses: list[float] | None = None, total_epochs: int | None = None,
               title: str = "Loss (MSE, scaled units)") -> go.Figure:
    """Training (and validation) loss per epoch, log scale."""
    return loss_curves({"train": losses, **({"validation": val_losses} if val_losses else {})}, total_epochs, title)


def loss_curves(curves: dict[str, list[float]], total_epochs: int | None = None,
                title: str = "Loss (MSE, scaled units)", log: bool = True) -> go.Figure:
    """Several loss curves (name -> loss per epoch) overlaid on one epoch axis; a cell's name (LSTM,
    GRU, RNN) gets that cell's colour and dash."""
    def line(name: str) -> dict:
        cell = name.lower()
        return {"line": dict(color=CELL_COLORS[cell], dash=CELL_DASHES[cell], width=2.5)} if cell in CELL_COLORS else {}

    data = [dict(type="scatter", x=np.arange(1, len(ys) + 1), y=np.asarray(ys, dtype=np.float64), name=name,
                 mode="lines", **line(name)) for name, ys in curves.items()]
    xaxis = dict(title=dict(text="epoch"), **({"range": [0, total_epochs]} if total_epochs else {}))
    return _unchecked(dict(data=data, layout=dict(
        height=260, margin=dict(l=40, r=20, t=30, b=30), title=dict(text=title),
        xaxis=xaxis, yaxis=_log_axis(curves.values()) if log else dict(type="linear"),
        legend=dict(orientation="h", y=1.15, x=1, xanchor="right"))))


def _log_axis(curves, most: int = 6) -> dict:  # curves: arrays of the values drawn
    """A log y axis with at most `most` full tick labels: 1, 2 and 5 of each decade when they fit,
    else one per decade (or every other one). Plotly's own choice labels 2 and 5 as bare digits,
    "0.1 5 2", which read as 5 and 2, not 0.05 and 0.02."""
    ys = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in curves] or [np.empty(0)])
    ys = ys[np.isfinite(ys) & (ys > 0)]
    if not ys.size:
        return dict(type="log")
    lo, hi = ys.min(), ys.max()
    decades = range(math.floor(math.log10(lo)), math.floor(math.log10(hi)) + 1)
    for steps in ([1, 2, 5], [1], [1, 1.5, 2, 3, 5, 7]):
        ticks = [m * 10.0 ** k for k in decades for m in steps if lo <= m * 10.0 ** k <= hi]
        if len(ticks) >= 2 and (steps != [1, 2, 5] or len(ticks) <= most):
            ticks = ticks[::-(-len(ticks) // most)]  # every decade, or every other one, ...
            return dict(type="log", tickvals=ticks, ticktext=[f"{v:,.0f}" if v >= 1000 else f"{v:.3g}" for v in ticks])
    return dict(type="log", tickformat=".3g")  # a flat curve: plotly's ticks, as full numbers


def forecast_figure(series: Series, report, n_train: int) -> go.Figure:
    """History, test actuals, one-step and recursive predictions, the forecast beyond, and baselines."""
    x, y = series.x(), series.values
    test_x = x[n_train:]
    xd, yd = decimate(x[:n_train + 1], y[:n_train + 1])
    data = [_line(xd, yd, "history (train)", COLORS["history"]),
            _line(test_x, report.actual, "test actual", COLORS["actual"], width=3)]
    for name, pred in report.baselines.items():
        data.append(_line(test_x, pred, f"{name.replace('_', ' ')} baseline", COLORS[name], dash="dot", width=1.5))
    data.append(_line(test_x, report.one_step, "one-step predictions", COLORS["one_step"], dash="dash"))
    data.append(_line(test_x, report.test_predictions, "recursive forecast (test)", COLORS["lstm"], width=3))
    last = x[-1]
    if len(report.forecast):
        fx = series.x_beyond(len(report.forecast))
        data.append(_line(np.concatenate([x[-1:], fx]), np.concatenate([y[-1:], report.forecast]),
                          "forecast beyond the data", COLORS["beyond"], dash="dash", width=3))
        last = fx[-1]
    split = _scalar(test_x[0])
    # Open on the recent past, the test range and the forecast; autoscale shows everything.
    first = x[max(0, n_train - 3 * max(len(test_x), 12))]
    return _unchecked(dict(data=data, layout=dict(
        height=420, margin=dict(l=40, r=20, t=30, b=30), hovermode="x unified", legend=dict(orientation="h", y=-0.15),
        xaxis=dict(range=[_scalar(first), _scalar(last)]),
        shapes=[dict(type="line", xref="x", yref="paper", x0=split, x1=split, y0=0, y1=1,
                     line=dict(dash="dot", color="gray"))])))


def _zrange(q: str, z: np.ndarray) -> tuple[float, float]:
    r = RANGES.get(q)
    if r is not None:
        return r
    m = float(np.nanmax(np.abs(z))) if z.size else 1.0
    return -max(m, 1e-6), max(m, 1e-6)


def gate_heatmaps(trace: Trace, quantities=None, module: str | None = None, layer: int = 0, direction: int = 0,
                  sample: int = 0, t: int | None = None, t_range: tuple[int, int] | None = None,
                  x_values: np.ndarray | None = None, max_columns: int = 1500,
                  colorscales: tuple[str, str] = (SEQUENTIAL, DIVERGING),
                  input_names: list[str] | None = None, units: list[int] | None = None,
                  times: np.ndarray | None = None) -> go.Figure:
    """Unit x time heatmaps of each quantity, stacked under the input on one shared time axis.

    units: only these rows, in this order, labelled by their unit ids (default: every unit).

    t highlights one step in every row. `times` (T,), the dates of the trace's steps, puts the time
    axis in dates; without it the axis counts steps. Long runs are cut to t_range and, past max_columns,
    averaged in blocks of steps for display (the trace keeps every value). The figure is built
    as one dict: plotly's add_* helpers re-validate the whole figure on every call, and the
    scrubber redraws this on every move.
    """
    qs = list(quantities or trace.quantities(module))
    T = trace.block(module, layer, direction).shape[0]
    lo, hi = t_range or (0, T)
    lo, hi = max(0, lo), min(T, hi)
    step = max(1, -(-(hi - lo) // max_columns))
    ts = np.arange(lo, hi, step)
    at = (lambda k: np.asarray(k)) if times is None else (lambda k: np.asarray(times)[k])  # noqa: E731
    when = "t=%{x}" if times is None else "%{x}"
    n = len(qs) + 1
    height, margin = 110 + 150 * n + 20 * (n - 1), dict(l=50, r=20, t=30, b=40)
    plot_px = height - margin["t"] - margin["b"]
    domains = _stack(n, [1.3] + [1.0] * len(qs), plot_px)
    xs = np.asarray(x_values if x_values is not None else trace.input(module, sample), dtype=np.float64)
    xs = xs.reshape(len(xs), -1)  # (T, channels)
    names = input_names or (["x"] if xs.shape[1] == 1 else [f"x{j}" for j in range(xs.shape[1])])
    palette = ["#444444", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    one_hot = xs.shape[1] > 1 and input_names is not None and bool(np.all((xs == 0) | (xs == 1))) \
        and bool(np.all(xs.sum(1) == 1))
    if one_hot:  # a thin row: the symbols need no y axis
        domains = _stack(n, [0.6] + [1.0] * len(qs), plot_px)
    if one_hot:  # symbols (characters): write them on the input row, one per step
        shown = ["␣" if c == " " else "↵" if c == "\n" else c for c in (names[j] for j in xs[lo:hi].argmax(1))]
        readable = hi - lo <= 100  # about 7 px a step or more in the page's main column
        data = [dict(type="scatter", x=at(np.arange(lo, hi)), y=np.zeros(hi - lo), text=shown,
                     **(dict(mode="text", textfont=dict(size=15 if hi - lo <= 70 else 11, color="#222")) if readable
                        else dict(mode="markers", marker=dict(symbol="line-ns-open", size=8, color="#999"))),
                     xaxis="x", yaxis="y", hovertemplate=when + "<br>%{text}<extra></extra>")]
    else:
        xs = xs[:, :8]  # one line per input channel, at most 8
        data = [dict(type="scatter", x=at(np.arange(lo, hi)), y=xs[lo:hi, j], mode="lines", name=names[j],
                     line=dict(color=palette[j], width=1.5, shape="hv" if xs.shape[1] > 1 else "linear"),
                     xaxis="x", yaxis="y", hovertemplate=when + f"<br>{names[j]}=%{{y:.4f}}<extra></extra>")
                for j in range(xs.shape[1])]
    layout = dict(height=height, margin=margin, showlegend=xs.shape[1] > 1 and not one_hot,
                  legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
                  yaxis=dict(domain=domains[0], **({"visible": False} if one_hot else {})), annotations=[], shapes=[])
    titles = ["input x" + (": too many symbols to print, hover to read them" if one_hot and hi - lo > 100 else "")] \
        + [LABELS.get(q, q) for q in qs]
    for row in range(n):
        ax = "" if row == 0 else str(row + 1)
        layout[f"xaxis{ax}"] = dict(anchor=f"y{ax}", matches=None if row == n - 1 else f"x{n}",
                                    showticklabels=row == n - 1)
        layout["annotations"].append(dict(text=titles[row], x=0, xanchor="left", y=domains[row][1], yanchor="bottom",
                                          xref="paper", yref="paper", showarrow=False, font=dict(size=13)))
    for k, q in enumerate(qs):
        z = trace.get(q, module=module, layer=layer, direction=direction, sample=sample)[lo:hi]
        if units is not None:
            z = z[:, list(units)]
        if step > 1:  # block means for display; the last block may be shorter
            cut = len(z) // step * step
            parts = [z[:cut].reshape(-1, step, z.shape[1]).mean(axis=1)]
            if cut < len(z):
                parts.append(z[cut:].mean(axis=0, keepdims=True))
            z = np.concatenate(parts)
        zmin, zmax = _zrange(q, z)
        row = k + 2
        data.append(dict(
            type="heatmap", z=z.T.astype(np.float32), x=at(ts[:z.shape[0]]), name=q,
            y=np.arange(z.shape[1]) if units is None else [str(u) for u in units],
            xaxis=f"x{row}", yaxis=f"y{row}", zmin=zmin, zmax=zmax,
            colorscale=_scale(colorscales[0] if RANGES.get(q) == (0, 1) else colorscales[1]),
            # the title upright on top: turned on its side, a lone "i" reads as a dash
            colorbar=dict(len=domains[row - 1][1] - domains[row - 1][0], y=float(np.mean(domains[row - 1])), thickness=12,
                          title=dict(text=q, side="top", font=dict(size=14))),
            hovertemplate=when + f"<br>unit %{{y}}<br>{q}=%{{z:.4f}}<extra></extra>"))
        layout[f"yaxis{row}"] = dict(domain=domains[row - 1], title=dict(text="unit"),
                                     **({} if units is None else {"type": "category", "dtick": 1}))  # every id
    first = "" if times is None else f", t = 0 at {date_label(np.asarray(times)[0])}"
    layout[f"xaxis{n}"]["title"] = dict(text=("t (timestep)" if times is None else "date")
                                        + (f", averaged over {step} steps" if step > 1 else "") + first)
    if t is not None and lo <= t < hi:  # one line through every row (not over the rows' titles)
        x_t = t if times is None else _scalar(np.asarray(times)[t])
        for row in range(n):
            layout["shapes"] += _marker(x_t, f"x{n}", f"y{row + 1 if row else ''} domain")
    return _unchecked(dict(data=data, layout=layout))


def _marker(x, xref: str, yref: str, y0: float = 0, y1: float = 1) -> list[dict]:
    """The timestep marker: a red line on a wide white one, which stands out on every colour scale
    (the projector's black middle and Plasma's reds would swallow a thin red line)."""
    return [dict(type="line", x0=x, x1=x, xref=xref, y0=y0, y1=y1, yref=yref, line=dict(color=color, width=width))
            for color, width in (("#ffffff", 7), ("#ff2d55", 3))]


def unit_lines(trace: Trace, units: list[int], quantities=None, module: str | None = None, layer: int = 0,
               direction: int = 0, sample: int = 0, t: int | None = None) -> go.Figure:
    """One line per (unit, quantity) over time, a small panel per quantity."""
    qs = list(quantities or trace.quantities(module))
    n = len(qs)
    height = 120 + 130 * n + 20 * (n - 1)
    domains = _stack(n, plot_px=height - 60)
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    data, layout = [], dict(height=height, margin=dict(l=40, r=20, t=30, b=30), annotations=[], shapes=[])
    for k, q in enumerate(qs):
        ax = "" if k == 0 else str(k + 1)
        values = trace.get(q, module=module, layer=layer, direction=direction, sample=sample)
        for j, u in enumerate(units):
            data.append(dict(type="scatter", y=values[:, u].astype(np.float64), mode="lines", name=f"unit {u}",
                             legendgroup=str(u), showlegend=k == 0, xaxis=f"x{ax}", yaxis=f"y{ax}",
                             line=dict(color=palette[j % len(palette)])))
        layout[f"xaxis{ax}"] = dict(anchor=f"y{ax}", matches=None if k == n - 1 else f"x{n if n > 1 else ''}",
                                    showticklabels=k == n - 1, **({"title": dict(text="t")} if k == n - 1 else {}))
        layout[f"yaxis{ax}"] = dict(domain=domains[k])
        layout["annotations"].append(dict(text=LABELS.get(q, q), x=0.5, xanchor="center", y=domains[k][1],
                                          yanchor="bottom", xref="paper", yref="paper", showarrow=False))
        if t is not None:
            layout["shapes"] += _marker(t, f"x{ax}", f"y{ax} domain")
    return _unchecked(dict(data=data, layout=layout))


def saturation_figure(trace: Trace, module: str | None = None, layer: int = 0, direction: int = 0,
                      sample: int = 0) -> go.Figure:
    """Karpathy's saturation plot: per unit, fraction of steps left-saturated (<0.1) vs right (>0.9)."""
    kind = trace.kind(module)
    gates = {"lstm": ["i", "f", "o"], "gru": ["r", "z"]}.get(kind, [])
    k = max(len(gates), 1)
    gap = 0.06
    width = (1 - gap * (k - 1)) / k
    data, layout = [], dict(height=340, margin=dict(l=50, r=20, t=40, b=40), showlegend=False, annotations=[])
    for j, g in enumerate(gates):
        ax = "" if j == 0 else str(j + 1)
        low, high = saturation(trace.get(g, module=module, layer=layer, direction=direction, sample=sample))
        data.append(dict(type="scatter", x=low, y=high, mode="markers", name=g, xaxis=f"x{ax}", yaxis=f"y{ax}",
                         text=[f"unit {u}" for u in range(len(low))], marker=dict(size=9, opacity=0.75),
                         hovertemplate="%{text}<br>below 0.1: %{x:.0%}<br>above 0.9: %{y:.0%}<extra></extra>"))
        data.append(dict(type="scatter", x=[0, 1], y=[1, 0], mode="lines", hoverinfo="skip", xaxis=f"x{ax}",
                         yaxis=f"y{ax}", line=dict(color="#bbb", dash="dot")))
        x0 = j * (width + gap)
        layout[f"xaxis{ax}"] = dict(domain=[x0, x0 + width], anchor=f"y{ax}", range=[-0.03, 1.03], tickformat=".0%",
                                    title=dict(text="fraction < 0.1"))
        layout[f"yaxis{ax}"] = dict(anchor=f"x{ax}", range=[-0.03, 1.03], tickformat=".0%",
                                    **({"title": dict(text="fraction > 0.9")} if j == 0 else {}))
        layout["annotations"].append(dict(text=LABELS[g], x=x0 + width / 2, xanchor="center", y=1, yanchor="bottom",
                                          xref="paper", yref="paper", showarrow=False))
    return _unchecked(dict(data=data, layout=layout))


def half_life_figure(forget: np.ndarray, cap: float = 1000.0) -> go.Figure:
    """Bar per unit: how many steps until the forget gate halves what the cell holds."""
    hl = half_life(forget)
    shown = np.minimum(hl, cap)
    finite = shown[np.isfinite(shown) & (shown > 0)]
    spread = finite.max() / finite.min() if finite.size else 1
    return _unchecked(dict(
        data=[dict(type="bar", x=np.arange(len(hl)), y=shown, customdata=np.where(np.isfinite(hl), hl, -1.0),
                   marker=dict(color="#636efa"),
                   hovertemplate="unit %{x}<br>half-life %{customdata:.1f} steps<extra></extra>")],
        layout=dict(height=260, margin=dict(l=40, r=20, t=40, b=30),
                    title=dict(text="Memory half-life ln(0.5)/ln(mean f)"), xaxis=dict(title=dict(text="unit")),
                    yaxis=dict(title=dict(text="steps"), **(_log_axis([finite]) if spread > 50 else dict(type="linear"))))))


def confusion_figure(confusion: list[list[int]], classes: list[str]) -> go.Figure:
    """Counts of [true][predicted] classes as an annotated heatmap."""
    z = np.asarray(confusion, dtype=np.float64)
    notes = [dict(x=p, y=t, text=f"{int(z[t, p]):,}", showarrow=False,
                  font=dict(color="white" if z[t, p] > z.max() / 2 else "black", size=14))
             for t in range(len(classes)) for p in range(len(classes))]
    return _unchecked(dict(
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
    return _unchecked(dict(
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
    return _unchecked(dict(
        data=[dict(type="scatter", x=steps, y=z(k, known_ref), customdata=k, name=known_label,
                   mode="lines+markers", line=dict(color="#222", shape="hv"), hovertemplate=hover),
              dict(type="scatter", x=steps, y=-z(u, unit_ref) if flip else z(u, unit_ref), customdata=u, name=shown,
                   mode="lines+markers", line=dict(color=COLORS["lstm"]), hovertemplate=hover)],
        layout=dict(height=330, margin=dict(l=50, r=20, t=40, b=40), title=dict(text=html.escape(title)),
                    xaxis=dict(title=dict(text="t")), yaxis=dict(title=dict(text="standardized"), zeroline=True),
                    legend=dict(orientation="h", y=-0.3, yanchor="top", x=0),
                    shapes=[dict(type="line", x0=t, x1=t, y0=0, y1=1, yref="paper", line=dict(color="#ff2d55"))]
                    if t is not None else [])))


def cell_diagram(kind: str, v: dict[str, float], unit: int, t: int,
                 colorscales: tuple[str, str] = (SEQUENTIAL, DIVERGING), font_size: int = 13,
                 height: int = 380) -> go.Figure:
    """The cell schematic (lstmviz/diagram.py) at step t for one unit, each box coloured and labelled
    by its live value from `v` (analysis.step_values)."""
    return _unchecked(diagram.draw(kind, v, unit, t, [_scale(s) for s in colorscales], font_size, height))
