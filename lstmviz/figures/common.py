"""What every figure module shares: colour scales and colours, decimation, panel layout, the
timestep marker, and the unvalidated go.Figure they all return."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale

__all__ = ["SEQUENTIAL", "DIVERGING", "PROJECTOR", "COLORS", "CELL_COLORS", "CELL_DASHES", "MAX_POINTS", "scale",
           "unchecked", "decimate", "line", "date_label", "scalar", "stack", "stacked_panels", "marker"]

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


def scale(colorscale) -> list:
    """A colour scale as [[position, colour], ...]. Figures skip plotly.py's validation (see
    unchecked), which is what turns a name into stops, and plotly.js knows only some names
    (not "Plasma", not the "_r" reversals): it would silently fall back to its default."""
    return [list(stop) for stop in _named_scale(colorscale)] if isinstance(colorscale, str) else colorscale


def unchecked(fig: dict) -> go.Figure:
    """A Figure from a dict these modules wrote, without plotly's per-property validation.

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


def line(x, y, name, color, dash=None, width=2) -> dict:
    """A line trace; WebGL past a few thousand points."""
    style = dict(color=color, width=width, **({"dash": dash} if dash else {}))
    return dict(type="scattergl" if len(y) > MAX_POINTS // 2 else "scatter", x=np.asarray(x),
                y=np.asarray(y, dtype=np.float64), name=name, mode="lines", line=style)


def date_label(v) -> str:
    """A date as a person writes it: the day alone when the time is midnight."""
    ts = pd.Timestamp(v)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def scalar(v):
    """A JSON-safe axis value: dates as ISO strings, numpy numbers as Python numbers."""
    if isinstance(v, np.datetime64):
        return str(pd.Timestamp(v))
    return v.item() if isinstance(v, np.generic) else v


def stack(n: int, heights=None, plot_px: float = 1000, gap_px: float = 30) -> list[tuple[float, float]]:
    """Domains (bottom, top) of n panels stacked from the top, sized by `heights`, with `gap_px`
    between panels (room for the title each panel carries above it) in a plot area `plot_px` tall."""
    h = np.ones(n) if heights is None else np.asarray(heights, dtype=float)
    g = min(gap_px / plot_px, 0.5 / max(n - 1, 1))
    spans = h / h.sum() * (1 - g * (n - 1))
    tops = 1 - np.concatenate([[0], np.cumsum(spans + g)[:-1]])
    return [(max(0.0, float(t - sp)), min(1.0, float(t))) for t, sp in zip(tops, spans)]


def stacked_panels(layout: dict, domains: list[tuple[float, float]], titles: list[str], x_title: str,
                   title_x: float = 0, title_font: dict | None = None) -> None:
    """Into `layout`: one panel per domain, top to bottom, on one time axis (every x axis follows the
    bottom one, which alone has tick labels and `x_title`), each titled above its top edge."""
    n = len(domains)
    for row, (domain, title) in enumerate(zip(domains, titles)):
        ax = "" if row == 0 else str(row + 1)
        layout[f"xaxis{ax}"] = dict(anchor=f"y{ax}", matches=None if row == n - 1 else f"x{n if n > 1 else ''}",
                                    showticklabels=row == n - 1,
                                    **({"title": dict(text=x_title)} if row == n - 1 else {}))
        layout[f"yaxis{ax}"] = dict(domain=domain)
        layout.setdefault("annotations", []).append(dict(
            text=title, x=title_x, xanchor="left" if title_x == 0 else "center", y=domain[1], yanchor="bottom",
            xref="paper", yref="paper", showarrow=False, **({"font": title_font} if title_font else {})))


def marker(x, xref: str, yref: str, y0: float = 0, y1: float = 1) -> list[dict]:
    """The timestep marker: a red line on a wide white one, which stands out on every colour scale
    (the projector's black middle and Plasma's reds would swallow a thin red line)."""
    return [dict(type="line", x0=x, x1=x, xref=xref, y0=y0, y1=y1, yref=yref, line=dict(color=color, width=width))
            for color, width in (("#ffffff", 7), ("#ff2d55", 3))]
