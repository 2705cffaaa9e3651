"""Plotly figure builders: data in, go.Figure out. No Streamlit here."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from .analysis import LABELS, RANGES, half_life, saturation
from .data import Series
from .record import Trace

__all__ = ["decimate", "series_preview", "loss_curve", "forecast_figure", "gate_heatmaps", "unit_lines",
           "saturation_figure", "half_life_figure", "cell_diagram", "SEQUENTIAL", "DIVERGING"]

SEQUENTIAL = "Viridis"  # gates in [0, 1]
DIVERGING = "RdBu_r"  # signed values, 0 in white
COLORS = {"history": "#636efa", "actual": "#222222", "lstm": "#ef553b", "one_step": "#ff9f1c",
          "beyond": "#d62728", "naive": "#9e9e9e", "seasonal_naive": "#2ca02c", "drift": "#8c564b"}
MAX_POINTS = 4000


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


def _line(x, y, name, color, dash=None, width=2, mode="lines"):
    cls = go.Scattergl if len(y) > MAX_POINTS // 2 else go.Scatter
    return cls(x=x, y=y, name=name, mode=mode, line=dict(color=color, dash=dash, width=width))


def series_preview(series: Series, n_test: int) -> go.Figure:
    """The series with its training and test parts shaded."""
    x, y = series.x(), series.values
    xd, yd = decimate(x, y)
    fig = go.Figure(_line(xd, yd, series.name, COLORS["history"]))
    n = len(y)
    if 0 < n_test < n:
        split = x[n - n_test]
        fig.add_vrect(x0=x[0], x1=split, fillcolor="#636efa", opacity=0.07, line_width=0,
                      annotation_text="train", annotation_position="top left")
        fig.add_vrect(x0=split, x1=x[-1], fillcolor="#ef553b", opacity=0.12, line_width=0,
                      annotation_text="test", annotation_position="top right")
    title = f"{series.name}: {n:,} values" + (f" (display decimated to {len(yd):,} points)" if len(yd) < n else "")
    fig.update_layout(title=title, height=280, margin=dict(l=40, r=20, t=40, b=30), showlegend=False)
    return fig


def loss_curve(losses: list[float], val_losses: list[float] | None = None, total_epochs: int | None = None) -> go.Figure:
    """Training (and validation) loss per epoch, log scale."""
    fig = go.Figure(go.Scatter(x=np.arange(1, len(losses) + 1), y=losses, name="train", mode="lines"))
    if val_losses:
        fig.add_trace(go.Scatter(x=np.arange(1, len(val_losses) + 1), y=val_losses, name="validation", mode="lines"))
    fig.update_layout(height=260, margin=dict(l=40, r=20, t=30, b=30), title="Loss (MSE, scaled units)",
                      xaxis_title="epoch", yaxis_type="log", legend=dict(orientation="h", y=1.15, x=1, xanchor="right"))
    if total_epochs:
        fig.update_xaxes(range=[0, total_epochs])
    return fig


def forecast_figure(series: Series, report, n_train: int) -> go.Figure:
    """History, test actuals, one-step and recursive predictions, the forecast beyond, and baselines."""
    x, y = series.x(), series.values
    test_x = x[n_train:]
    fig = go.Figure()
    xd, yd = decimate(x[:n_train + 1], y[:n_train + 1])
    fig.add_trace(_line(xd, yd, "history (train)", COLORS["history"]))
    fig.add_trace(_line(test_x, report.actual, "test actual", COLORS["actual"], width=3))
    for name, pred in report.baselines.items():
        fig.add_trace(_line(test_x, pred, f"{name.replace('_', ' ')} baseline", COLORS[name], dash="dot", width=1.5))
    fig.add_trace(_line(test_x, report.one_step, "one-step predictions", COLORS["one_step"], dash="dash"))
    fig.add_trace(_line(test_x, report.test_predictions, "recursive forecast (test)", COLORS["lstm"], width=3))
    if len(report.forecast):
        fx = _extend(x, len(report.forecast))
        fig.add_trace(_line(np.concatenate([x[-1:], fx]), np.concatenate([y[-1:], report.forecast]),
                            "forecast beyond the data", COLORS["beyond"], dash="dash", width=3))
    fig.add_vline(x=test_x[0], line_dash="dot", line_color="gray")
    # Open on the recent past, the test range and the forecast; autoscale shows everything.
    first = x[max(0, n_train - 3 * max(len(test_x), 12))]
    last = fx[-1] if len(report.forecast) else x[-1]
    fig.update_xaxes(range=[first, last])
    fig.update_layout(height=420, margin=dict(l=40, r=20, t=30, b=30), hovermode="x unified",
                      legend=dict(orientation="h", y=-0.15))
    return fig


def _extend(x: np.ndarray, k: int) -> np.ndarray:
    """k more x values after x, keeping its spacing (dates by their median step)."""
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.datetime64) and len(x) > 1:
        step = np.median(np.diff(x[-13:]))
        if abs(step / np.timedelta64(1, "D") - 30.4) < 3:  # monthly: step by calendar months
            months = x[-1].astype("datetime64[M]") + np.arange(1, k + 1)
            return months.astype(x.dtype)
        return x[-1] + step * np.arange(1, k + 1)
    step = x[-1] - x[-2] if len(x) > 1 else 1
    return x[-1] + step * np.arange(1, k + 1)


def _zrange(q: str, z: np.ndarray) -> tuple[float, float]:
    r = RANGES.get(q)
    if r is not None:
        return r
    m = float(np.nanmax(np.abs(z))) if z.size else 1.0
    return -max(m, 1e-6), max(m, 1e-6)


def gate_heatmaps(trace: Trace, quantities=None, module: str | None = None, layer: int = 0, direction: int = 0,
                  sample: int = 0, t: int | None = None, t_range: tuple[int, int] | None = None,
                  x_values: np.ndarray | None = None, max_columns: int = 1500,
                  colorscales: tuple[str, str] = (SEQUENTIAL, DIVERGING)) -> go.Figure:
    """Unit x time heatmaps of each quantity, stacked under the input on one shared time axis.

    t highlights one step in every row. Long runs are cut to t_range and, past max_columns,
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
    n = len(qs) + 1
    heights = np.array([1.3] + [1.0] * len(qs))
    gap = 0.06 / n
    spans = heights / heights.sum() * (1 - gap * (n - 1))
    tops = 1 - np.concatenate([[0], np.cumsum(spans + gap)[:-1]])
    domains = [(max(0.0, float(top - span)), min(1.0, float(top))) for top, span in zip(tops, spans)]
    xs = x_values if x_values is not None else trace.input(module, sample)[:, 0]
    data = [dict(type="scatter", x=np.arange(lo, hi), y=np.asarray(xs, dtype=np.float64)[lo:hi], mode="lines",
                 name="input", line=dict(color="#444", width=1.5), xaxis="x", yaxis="y",
                 hovertemplate="t=%{x}<br>x=%{y:.4f}<extra></extra>")]
    layout = dict(height=110 + 150 * n, margin=dict(l=50, r=20, t=30, b=40), showlegend=False,
                  yaxis=dict(domain=domains[0]), annotations=[], shapes=[])
    titles = ["input x"] + [LABELS.get(q, q) for q in qs]
    for row in range(n):
        ax = "" if row == 0 else str(row + 1)
        layout[f"xaxis{ax}"] = dict(anchor=f"y{ax}", matches=None if row == n - 1 else f"x{n}",
                                    showticklabels=row == n - 1)
        layout["annotations"].append(dict(text=titles[row], x=0, xanchor="left", y=domains[row][1], yanchor="bottom",
                                          xref="paper", yref="paper", showarrow=False, font=dict(size=13)))
    for k, q in enumerate(qs):
        z = trace.get(q, module=module, layer=layer, direction=direction, sample=sample)[lo:hi]
        if step > 1:  # block means for display; the last block may be shorter
            cut = len(z) // step * step
            parts = [z[:cut].reshape(-1, step, z.shape[1]).mean(axis=1)]
            if cut < len(z):
                parts.append(z[cut:].mean(axis=0, keepdims=True))
            z = np.concatenate(parts)
        zmin, zmax = _zrange(q, z)
        row = k + 2
        data.append(dict(
            type="heatmap", z=z.T.astype(np.float32), x=ts[:z.shape[0]], y=np.arange(z.shape[1]), name=q,
            xaxis=f"x{row}", yaxis=f"y{row}", zmin=zmin, zmax=zmax,
            colorscale=colorscales[0] if RANGES.get(q) == (0, 1) else colorscales[1],
            colorbar=dict(len=spans[row - 1], y=float(np.mean(domains[row - 1])), thickness=10,
                          title=dict(text=q, side="right")),
            hovertemplate=f"t=%{{x}}<br>unit %{{y}}<br>{q}=%{{z:.4f}}<extra></extra>"))
        layout[f"yaxis{row}"] = dict(domain=domains[row - 1], title=dict(text="unit"))
    layout[f"xaxis{n}"]["title"] = dict(text="t (timestep)" + (f", averaged over {step} steps" if step > 1 else ""))
    if t is not None and lo <= t < hi:  # one line through every row: the x axes are matched
        layout["shapes"].append(dict(type="line", x0=t, x1=t, xref=f"x{n}", y0=0, y1=1, yref="paper",
                                     line=dict(color="#ff2d55", width=2)))
    return _unchecked(dict(data=data, layout=layout))


def unit_lines(trace: Trace, units: list[int], quantities=None, module: str | None = None, layer: int = 0,
               direction: int = 0, sample: int = 0, t: int | None = None) -> go.Figure:
    """One line per (unit, quantity) over time, a small panel per quantity."""
    qs = list(quantities or trace.quantities(module))
    fig = make_subplots(rows=len(qs), cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        subplot_titles=[LABELS.get(q, q) for q in qs])
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    for k, q in enumerate(qs):
        values = trace.get(q, module=module, layer=layer, direction=direction, sample=sample)
        for j, u in enumerate(units):
            fig.add_trace(go.Scatter(y=values[:, u], mode="lines", name=f"unit {u}", legendgroup=str(u),
                                     showlegend=k == 0, line=dict(color=palette[j % len(palette)])),
                          row=k + 1, col=1)
        if t is not None:
            fig.add_vline(x=t, line_color="#ff2d55", row=k + 1, col=1)
    fig.update_layout(height=120 + 130 * len(qs), margin=dict(l=40, r=20, t=30, b=30))
    fig.update_xaxes(title_text="t", row=len(qs), col=1)
    return fig


def saturation_figure(trace: Trace, module: str | None = None, layer: int = 0, direction: int = 0,
                      sample: int = 0) -> go.Figure:
    """Karpathy's saturation plot: per unit, fraction of steps left-saturated (<0.1) vs right (>0.9)."""
    kind = trace.kind(module)
    gates = {"lstm": ["i", "f", "o"], "gru": ["r", "z"]}.get(kind, [])
    fig = make_subplots(rows=1, cols=max(len(gates), 1), subplot_titles=[LABELS[g] for g in gates])
    for k, g in enumerate(gates):
        low, high = saturation(trace.get(g, module=module, layer=layer, direction=direction, sample=sample))
        fig.add_trace(go.Scatter(x=low, y=high, mode="markers", name=g, text=[f"unit {u}" for u in range(len(low))],
                                 marker=dict(size=9, opacity=0.75),
                                 hovertemplate="%{text}<br>below 0.1: %{x:.0%}<br>above 0.9: %{y:.0%}<extra></extra>"),
                      row=1, col=k + 1)
        fig.add_trace(go.Scatter(x=[0, 1], y=[1, 0], mode="lines", line=dict(color="#bbb", dash="dot"),
                                 hoverinfo="skip", showlegend=False), row=1, col=k + 1)
        fig.update_xaxes(range=[-0.03, 1.03], title_text="fraction < 0.1", tickformat=".0%", row=1, col=k + 1)
        fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%", row=1, col=k + 1)
    fig.update_yaxes(title_text="fraction > 0.9", row=1, col=1)
    fig.update_layout(height=340, margin=dict(l=50, r=20, t=40, b=40), showlegend=False)
    return fig


def half_life_figure(forget: np.ndarray, cap: float = 1000.0) -> go.Figure:
    """Bar per unit: how many steps until the forget gate halves what the cell holds."""
    hl = half_life(forget)
    shown = np.minimum(hl, cap)
    fig = go.Figure(go.Bar(x=np.arange(len(hl)), y=shown, customdata=hl, marker_color="#636efa",
                           hovertemplate="unit %{x}<br>half-life %{customdata:.1f} steps<extra></extra>"))
    finite = shown[np.isfinite(shown) & (shown > 0)]
    spread = finite.max() / finite.min() if finite.size else 1
    fig.update_layout(height=260, margin=dict(l=40, r=20, t=40, b=30), title="Memory half-life ln(0.5)/ln(mean f)",
                      xaxis_title="unit", yaxis_title="steps", yaxis_type="log" if spread > 50 else "linear")
    return fig


def _color(v: float, lo: float, hi: float, scale: str) -> str:
    frac = 0.5 if hi <= lo else float(np.clip((v - lo) / (hi - lo), 0, 1))
    return sample_colorscale(scale, [frac])[0]


def cell_diagram(kind: str, v: dict[str, float], unit: int, t: int) -> go.Figure:
    """The cell schematic at step t for one unit, each box coloured and labelled by its live value."""
    shapes, notes = [], []  # collected and handed to plotly once: add_shape re-validates per call
    c_abs = max(abs(v.get("c", 0)), abs(v.get("c_prev", 0)), 1.0)

    def box(x, y, label, value, rng, w=1.15, h=0.8, shape="rect"):
        lo, hi = rng if rng else (-c_abs, c_abs)
        fill = _color(value, lo, hi, SEQUENTIAL if rng == (0, 1) else DIVERGING)
        shapes.append(dict(type="rect" if shape == "rect" else "circle", x0=x - w / 2, x1=x + w / 2,
                           y0=y - h / 2, y1=y + h / 2, fillcolor=fill, line=dict(color="#333", width=1.5)))
        dark = rng == (0, 1) and (value - lo) / ((hi - lo) or 1) < 0.6
        notes.append(dict(x=x, y=y, text=f"<b>{label}</b><br>{value:+.3f}", showarrow=False,
                          font=dict(size=12, color="white" if dark else "black")))

    def op(x, y, sym):
        shapes.append(dict(type="circle", x0=x - 0.22, x1=x + 0.22, y0=y - 0.22, y1=y + 0.22,
                           fillcolor="#fff", line=dict(color="#333")))
        notes.append(dict(x=x, y=y, text=sym, showarrow=False, font=dict(size=16, color="black")))

    def arrow(x0, y0, x1, y1):
        notes.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                          showarrow=True, arrowhead=2, arrowwidth=1.5, arrowcolor="#555"))

    if kind == "lstm":
        box(0.6, 4.5, "c<sub>t-1</sub>", v["c_prev"], None)
        box(0.6, 1.0, "h<sub>t-1</sub>", v["h_prev"], (-1, 1))
        box(2.2, -0.3, "x<sub>t</sub>", v.get("x", float("nan")), None)
        for x, q, name in [(2.4, "f", "f σ"), (3.7, "i", "i σ"), (5.0, "g", "g tanh"), (6.6, "o", "o σ")]:
            box(x, 2.2, name, v[q], (0, 1) if q != "g" else (-1, 1))
            arrow(x, 1.0, x, 1.88)
        shapes.append(dict(type="line", x0=1.05, x1=6.6, y0=1.0, y1=1.0, line=dict(color="#555")))
        arrow(2.2, 0.0, 2.2, 0.95)
        op(2.4, 4.5, "×")
        op(4.35, 3.4, "×")
        op(4.35, 4.5, "+")
        arrow(1.05, 4.5, 2.17, 4.5)
        arrow(2.4, 2.5, 2.4, 4.27)
        arrow(3.7, 2.5, 4.2, 3.2)
        arrow(5.0, 2.5, 4.5, 3.2)
        arrow(4.35, 3.62, 4.35, 4.27)
        arrow(2.62, 4.5, 4.12, 4.5)
        box(7.9, 4.5, "c<sub>t</sub>", v["c"], None)
        arrow(4.57, 4.5, 7.45, 4.5)
        op(7.4, 3.2, "<span style='font-size:9px'>tanh</span>")
        arrow(7.4, 4.5, 7.4, 3.42)
        op(7.4, 2.2, "×")
        arrow(6.6 + 0.45, 2.2, 7.18, 2.2)
        arrow(7.4, 2.98, 7.4, 2.42)
        box(8.9, 1.0, "h<sub>t</sub>", v["h"], (-1, 1))
        arrow(7.4, 1.98, 8.6, 1.3)
        xr, yr = [-0.2, 9.6], [-0.8, 5.2]
    elif kind == "gru":
        box(0.6, 3.8, "h<sub>t-1</sub>", v["h_prev"], (-1, 1))
        box(2.0, -0.3, "x<sub>t</sub>", v.get("x", float("nan")), None)
        for x, q, name in [(2.4, "r", "r σ"), (4.0, "z", "z σ"), (5.6, "n", "n tanh")]:
            box(x, 1.9, name, v[q], (0, 1) if q != "n" else (-1, 1))
            arrow(x, 0.8, x, 1.58)
        shapes.append(dict(type="line", x0=1.2, x1=5.6, y0=0.8, y1=0.8, line=dict(color="#555")))
        arrow(2.0, 0.0, 2.0, 0.75)
        arrow(0.6, 3.5, 0.6, 0.8)
        arrow(2.85, 1.9, 5.15, 1.9)
        op(4.0, 3.8, "×")
        op(5.6, 3.8, "+")
        arrow(1.05, 3.8, 3.78, 3.8)
        arrow(4.0, 2.2, 4.0, 3.58)
        arrow(5.6, 2.2, 5.6, 3.58)
        arrow(4.22, 3.8, 5.38, 3.8)
        box(7.4, 3.8, "h<sub>t</sub>", v["h"], (-1, 1))
        arrow(5.82, 3.8, 6.95, 3.8)
        notes.append(dict(x=4.8, y=4.5, text="h<sub>t</sub> = (1−z)·n + z·h<sub>t−1</sub>", showarrow=False,
                          font=dict(color="#888")))
        xr, yr = [-0.2, 8.2], [-0.8, 4.9]
    else:
        box(0.6, 2.0, "h<sub>t-1</sub>", v["h_prev"], (-1, 1))
        box(2.0, 0.2, "x<sub>t</sub>", v.get("x", float("nan")), None)
        box(3.5, 2.0, "h<sub>t</sub>", v["h"], (-1, 1))
        arrow(1.05, 2.0, 3.05, 2.0)
        arrow(2.0, 0.5, 3.1, 1.75)
        xr, yr = [-0.2, 4.4], [-0.4, 2.8]
    return _unchecked(dict(data=[], layout=dict(
        shapes=shapes, annotations=notes, height=380, margin=dict(l=5, r=5, t=35, b=5),
        title=dict(text=f"{kind.upper()} cell, unit {unit}, t = {t}"), xaxis=dict(visible=False, range=xr),
        yaxis=dict(visible=False, range=yr, scaleanchor="x"), plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)")))
