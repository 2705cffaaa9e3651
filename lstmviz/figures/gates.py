"""Gate figures from a trace: unit x time heatmaps under the input, unit lines, Karpathy's saturation
plot and the memory half-life bars."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..analysis import LABELS, RANGES, half_life, saturation
from ..record import Trace
from .common import DIVERGING, SEQUENTIAL, date_label, marker, scalar, scale, stack, stacked_panels, unchecked
from .training import log_axis

__all__ = ["heatmap_window", "gate_heatmaps", "unit_lines", "saturation_figure", "half_life_figure"]


def _zrange(q: str, z: np.ndarray) -> tuple[float, float]:
    r = RANGES.get(q)
    if r is not None:
        return r
    m = float(np.nanmax(np.abs(z))) if z.size else 1.0
    return -max(m, 1e-6), max(m, 1e-6)


def heatmap_window(t: int, T: int, width: int = 1500) -> tuple[int, int]:
    """The steps (lo, hi) the heatmaps show around step t of T: `width` steps centred on t where they fit."""
    lo = max(0, min(t - width // 2, T - width))
    return lo, lo + width


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
    domains = stack(n, [1.3] + [1.0] * len(qs), plot_px)
    xs = np.asarray(x_values if x_values is not None else trace.input(module, sample), dtype=np.float64)
    xs = xs.reshape(len(xs), -1)  # (T, channels)
    names = input_names or (["x"] if xs.shape[1] == 1 else [f"x{j}" for j in range(xs.shape[1])])
    palette = ["#444444", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    one_hot = xs.shape[1] > 1 and input_names is not None and bool(np.all((xs == 0) | (xs == 1))) \
        and bool(np.all(xs.sum(1) == 1))
    if one_hot:  # a thin row: the symbols need no y axis
        domains = stack(n, [0.6] + [1.0] * len(qs), plot_px)
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
                  legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"), shapes=[])
    # a deeper layer reads the layer below's h, not x; the row still shows x, so say so
    below = f" (layer {layer} reads layer {layer - 1}'s h, not x)" if layer > 0 and x_values is None else ""
    titles = ["input x" + below + (": too many symbols to print, hover to read them" if one_hot and hi - lo > 100 else "")] \
        + [LABELS.get(q, q) for q in qs]
    first = "" if times is None else f", t = 0 at {date_label(np.asarray(times)[0])}"
    x_title = ("t (timestep)" if times is None else "date") + (f", averaged over {step} steps" if step > 1 else "") + first
    stacked_panels(layout, domains, titles, x_title, title_font=dict(size=13))
    if one_hot:
        layout["yaxis"]["visible"] = False
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
            colorscale=scale(colorscales[0] if RANGES.get(q) == (0, 1) else colorscales[1]),
            # the title upright on top: turned on its side, a lone "i" reads as a dash
            colorbar=dict(len=domains[row - 1][1] - domains[row - 1][0], y=float(np.mean(domains[row - 1])), thickness=12,
                          title=dict(text=q, side="top", font=dict(size=14))),
            hovertemplate=when + f"<br>unit %{{y}}<br>{q}=%{{z:.4f}}<extra></extra>"))
        layout[f"yaxis{row}"].update(title=dict(text="unit"),
                                     **({} if units is None else {"type": "category", "dtick": 1}))  # every id
    if t is not None and lo <= t < hi:  # one line through every row (not over the rows' titles)
        x_t = t if times is None else scalar(np.asarray(times)[t])
        for row in range(n):
            layout["shapes"] += marker(x_t, f"x{n}", f"y{row + 1 if row else ''} domain")
    return unchecked(dict(data=data, layout=layout))


def unit_lines(trace: Trace, units: list[int], quantities=None, module: str | None = None, layer: int = 0,
               direction: int = 0, sample: int = 0, t: int | None = None) -> go.Figure:
    """One line per (unit, quantity) over time, a small panel per quantity."""
    qs = list(quantities or trace.quantities(module))
    n = len(qs)
    height = 120 + 130 * n + 20 * (n - 1)
    domains = stack(n, plot_px=height - 60)
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    data, layout = [], dict(height=height, margin=dict(l=40, r=20, t=30, b=30), shapes=[])
    stacked_panels(layout, domains, [LABELS.get(q, q) for q in qs], "t", title_x=0.5)
    for k, q in enumerate(qs):
        ax = "" if k == 0 else str(k + 1)
        values = trace.get(q, module=module, layer=layer, direction=direction, sample=sample)
        for j, u in enumerate(units):
            data.append(dict(type="scatter", y=values[:, u].astype(np.float64), mode="lines", name=f"unit {u}",
                             legendgroup=str(u), showlegend=k == 0, xaxis=f"x{ax}", yaxis=f"y{ax}",
                             line=dict(color=palette[j % len(palette)])))
        if t is not None:
            layout["shapes"] += marker(t, f"x{ax}", f"y{ax} domain")
    return unchecked(dict(data=data, layout=layout))


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
    return unchecked(dict(data=data, layout=layout))


def half_life_figure(forget: np.ndarray, cap: float = 1000.0) -> go.Figure:
    """Bar per unit: how many steps until the forget gate halves what the cell holds."""
    hl = half_life(forget)
    shown = np.minimum(hl, cap)
    finite = shown[np.isfinite(shown) & (shown > 0)]
    spread = finite.max() / finite.min() if finite.size else 1
    return unchecked(dict(
        data=[dict(type="bar", x=np.arange(len(hl)), y=shown, customdata=np.where(np.isfinite(hl), hl, -1.0),
                   marker=dict(color="#636efa"),
                   hovertemplate="unit %{x}<br>half-life %{customdata:.1f} steps<extra></extra>")],
        layout=dict(height=260, margin=dict(l=40, r=20, t=40, b=30),
                    title=dict(text="Memory half-life ln(0.5)/ln(mean f)"), xaxis=dict(title=dict(text="unit")),
                    yaxis=dict(title=dict(text="steps"), **(log_axis([finite]) if spread > 50 else dict(type="linear"))))))
