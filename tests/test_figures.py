"""The figures package: every builder reachable as figures.<name>, valid plotly, shared helpers."""
import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torch import nn

from lstmviz import analysis, export, figures, record
from lstmviz.data import builtin
from lstmviz.forecast import ForecastConfig, evaluate, fit
from lstmviz.models import SequenceModel


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_unchecked_figures_pass_plotly_validation(kind):
    """The builders skip plotly's validation for speed; here it runs in full on each of them."""
    torch.manual_seed(0)
    tr = record(getattr(nn, kind.upper())(1, 3), torch.randn(12, 1, 1))
    built = [figures.gate_heatmaps(tr, t=4, max_columns=5), figures.unit_lines(tr, [0, 2], t=3),
             figures.cell_diagram(kind, analysis.step_values(tr, 1, 4), 1, 4), figures.loss_curve([1.0, 0.5], [1.2])]
    if kind != "rnn":
        built.append(figures.saturation_figure(tr))
    if kind == "lstm":
        built.append(figures.half_life_figure(tr.get("f")))
        series = builtin("airline")
        r = evaluate(fit(series, ForecastConfig().replace(epochs=2)), horizon=3)
        built += [figures.forecast_figure(series, r, len(series) - 12), figures.series_preview(series, 12)]
    for fig in built:
        go.Figure(fig.to_dict())  # raises on any invalid property
        fig.to_json()


def test_heatmap_colour_scales_reach_the_browser_as_stops_not_names():
    """plotly.js knows neither 'Plasma' nor 'RdBu_r' and would fall back to its default silently."""
    trace = record(SequenceModel("lstm", 1, 4), torch.randn(1, 20, 1))
    for scales in [(figures.SEQUENTIAL, figures.DIVERGING), figures.PROJECTOR]:
        fig = figures.gate_heatmaps(trace, colorscales=scales)
        for heat in [d for d in fig.to_dict()["data"] if d["type"] == "heatmap"]:
            assert isinstance(heat["colorscale"], (list, tuple)) and len(heat["colorscale"]) >= 3
    assert figures.gate_heatmaps(trace, colorscales=figures.PROJECTOR).to_dict()["data"][1]["colorscale"][0][1] \
        == "#0d0887"  # Plasma's first stop


def test_decimate_keeps_extremes_and_bounds_points():
    y = np.sin(np.arange(1_000_000) / 1000.0)
    y[123_457] = 5.0
    x, yd = figures.decimate(np.arange(len(y)), y, 4000)
    assert len(yd) <= 4100 and yd.max() == 5.0 and yd.min() == y.min()
    assert np.all(np.diff(x) > 0)


def test_csv_export_escapes_formulas():
    import pandas as pd

    frame = pd.DataFrame({"=HYPERLINK(1)": [1.0, -2.0], "label": ["=cmd", "ok"]})
    text = export.csv_bytes(frame).decode()
    assert text.splitlines()[0] == "'=HYPERLINK(1),label"
    assert "'=cmd" in text and ",ok" in text and "-2.0" in text  # numbers stay numbers


def test_every_public_name_is_reached_from_the_package():
    """The pages call figures.<name>: each builder is the one its own module defines."""
    from lstmviz.figures import cell, common, gates, results, series, training

    homes = {n: m for m in (cell, common, gates, results, series, training) for n in m.__all__}
    for name in figures.__all__:
        assert getattr(figures, name) is getattr(homes[name], name), name
    assert set(figures.__all__) >= {"gate_heatmaps", "cell_diagram", "loss_curves", "tracks_figure", "PROJECTOR",
                                    "CELL_COLORS", "decimate", "date_label"}
