"""Gate figures (lstmviz/figures/gates.py), checked against the trace they draw."""
import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torch import nn

from lstmviz import figures, record
from lstmviz.models import SequenceModel
from tests.traces import gru_trace, trace  # noqa: F401 (fixtures)


def test_gate_heatmaps_rows_match_the_trace(trace):
    fig = figures.gate_heatmaps(trace, t=7)
    heat = [d for d in fig.data if d.type == "heatmap"]
    assert [d.name for d in heat] == list("ifgoch")
    for d in heat:
        z = np.array(d.z)
        assert z.shape == (5, 30)  # unit x time
        np.testing.assert_allclose(z, trace.get(d.name).T, atol=5e-5)
    assert heat[0].zmin == 0 and heat[0].zmax == 1 and heat[2].zmin == -1
    np.testing.assert_allclose(fig.data[0].y, trace.input()[:, 0])  # the input row on top
    lines = [s for s in fig.layout.shapes if s.type == "line"]  # t marked in every row
    assert {(s.x0, s.x1, s.y0, s.y1) for s in lines} == {(7, 7, 0, 1)}
    assert sorted({s.yref for s in lines}) == ["y domain"] + [f"y{k} domain" for k in range(2, 8)]
    # a red core on a wide white line: visible on dark and on bright colour scales alike
    assert [(s.line.color, s.line.width) for s in lines[:2]] == [("#ffffff", 7), ("#ff2d55", 3)]


def test_gate_heatmaps_time_axis_in_dates_when_the_series_has_them(trace):
    times = np.arange("1958-01", "1960-07", dtype="datetime64[M]").astype("datetime64[ns]")  # 30 months
    fig = figures.gate_heatmaps(trace, t=7, times=times).to_dict()
    heat = [d for d in fig["data"] if d["type"] == "heatmap"]
    assert list(heat[0]["x"]) == list(times) and list(fig["data"][0]["x"]) == list(times)
    assert {s["x0"] for s in fig["layout"]["shapes"]} == {"1958-08-01 00:00:00"}  # t = 7
    assert fig["layout"]["xaxis7"]["title"]["text"] == "date, t = 0 at 1958-01-01"
    assert "1958-08-01" in figures.gate_heatmaps(trace, t=7, times=times).to_json()
    assert figures.gate_heatmaps(trace).to_dict()["layout"]["xaxis7"]["title"]["text"] == "t (timestep)"


def test_gate_heatmaps_can_draw_only_some_units_labelled_by_their_ids(trace):

    fig = figures.gate_heatmaps(trace, units=[4, 1])
    heat = [d for d in fig.data if d.type == "heatmap"]
    for d in heat:
        assert list(d.y) == ["4", "1"]
        np.testing.assert_allclose(np.array(d.z), trace.get(d.name)[:, [4, 1]].T, atol=5e-5)
    assert fig.layout.yaxis2.type == "category" and fig.layout.yaxis2.dtick == 1  # every id, not positions
    go.Figure(fig.to_dict())  # valid plotly


def test_gate_heatmaps_window_and_decimate_long_runs():
    torch.manual_seed(1)
    tr = record(nn.GRU(1, 3), torch.randn(5000, 1, 1))
    fig = figures.gate_heatmaps(tr, t_range=(1000, 4000), max_columns=500)
    heat = [d for d in fig.data if d.type == "heatmap"]
    assert [d.name for d in heat] == list("rznh")
    z = np.array(heat[0].z)
    assert z.shape == (3, 500)
    np.testing.assert_allclose(z[:, 0], tr.get("r")[1000:1006].mean(axis=0), atol=5e-5)
    assert len(fig.data[0].x) == 3000


@pytest.mark.parametrize("steps, mode", [(50, "text"), (200, "markers")])
def test_one_hot_input_row_prints_symbols_only_where_they_can_be_read(steps, mode):
    """A text model's input row: the characters themselves, or, too many to print, a tick per step
    with the character on hover (at 11 px, 240 characters overprint into a smear)."""

    x = torch.nn.functional.one_hot(torch.arange(steps) % 3, 3).float()[None]
    fig = figures.gate_heatmaps(record(SequenceModel("lstm", 3, 4), x), input_names=["a", " ", "\n"]).to_dict()
    row = fig["data"][0]
    assert row["mode"] == mode and list(row["text"][:3]) == ["a", "␣", "↵"]
    assert ("hover to read" in fig["layout"]["annotations"][0]["text"]) == (mode == "markers")


def test_saturation_figure_has_a_panel_per_gate(trace, gru_trace):
    fig = figures.saturation_figure(trace)
    markers = [d for d in fig.data if d.mode == "markers"]
    assert [d.name for d in markers] == ["i", "f", "o"] and len(markers[0].x) == 5
    assert [d.name for d in figures.saturation_figure(gru_trace).data if d.mode == "markers"] == ["r", "z"]


def test_unit_lines_one_line_per_unit_and_quantity(trace):
    fig = figures.unit_lines(trace, [0, 3])
    assert len(fig.data) == 12
    np.testing.assert_allclose(fig.data[1].y, trace.get("i")[:, 3])


def test_a_deeper_layer_says_its_input_is_the_layer_below_not_x():
    torch.manual_seed(0)
    model = SequenceModel("lstm", 1, 4, 2)
    tr = record(model, torch.randn(1, 12, 1))
    deep, top = figures.gate_heatmaps(tr, layer=1), figures.gate_heatmaps(tr, layer=0)
    np.testing.assert_allclose(deep.data[0].y, tr.input()[:, 0])  # the row still draws x ...
    assert "layer 1 reads layer 0's h, not x" in " ".join(a.text for a in deep.layout.annotations)  # ... and says so
    assert "reads" not in " ".join(a.text for a in top.layout.annotations)
