"""Figure builders and the numbers behind them, checked against the trace they draw."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lstmviz import analysis, export, figures, record
from lstmviz.data import builtin
from lstmviz.forecast import ForecastConfig, evaluate, fit


@pytest.fixture(scope="module")
def trace():
    torch.manual_seed(0)
    return record(nn.LSTM(1, 5), torch.randn(30, 1, 1))


@pytest.fixture(scope="module")
def gru_trace():
    torch.manual_seed(0)
    return record(nn.GRU(1, 4), torch.randn(20, 1, 1))


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


def test_series_preview_outlines_the_gate_views_window():
    series = builtin("airline")
    shapes = figures.series_preview(series, 12, window=(100, 24)).to_dict()["layout"]["shapes"]
    (box,) = [s for s in shapes if s["layer"] == "above"]
    assert (box["x0"], box["x1"]) == ("1957-05-01 00:00:00", "1959-04-01 00:00:00")  # positions 100 and 123
    assert len(figures.series_preview(series, 12).to_dict()["layout"]["shapes"]) == 2


def test_gate_heatmaps_can_draw_only_some_units_labelled_by_their_ids(trace):
    import plotly.graph_objects as go

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


def test_step_values_and_equations_agree_with_the_trace(trace):
    v = analysis.step_values(trace, unit=2, t=10)
    assert v["c"] == pytest.approx(v["f"] * v["c_prev"] + v["i"] * v["g"], abs=1e-6)
    assert v["h"] == pytest.approx(v["o"] * math.tanh(v["c"]), abs=1e-6)
    assert v["c_prev"] == pytest.approx(float(trace.get("c")[9, 2]))
    assert v["x"] == pytest.approx(float(trace.input()[10, 0]))
    v0 = analysis.step_values(trace, unit=2, t=0)
    assert v0["c_prev"] == 0.0 and v0["h_prev"] == 0.0
    lines = analysis.equations("lstm", v)
    assert r"c_t &= f_t \cdot c_{t-1} + i_t \cdot g_t" in lines
    assert f"{v['f']:.3f}" in lines[5] and lines[6] == f"&= {v['c']:.3f}"
    block = analysis.equations_latex("lstm", v)
    assert block.startswith(r"\begin{aligned}") and block.count(r"\\") == len(lines) - 1


def test_gru_step_values_and_diagram(gru_trace):
    v = analysis.step_values(gru_trace, unit=1, t=5)
    assert v["h"] == pytest.approx((1 - v["z"]) * v["n"] + v["z"] * v["h_prev"], abs=1e-6)
    fig = figures.cell_diagram("gru", v, 1, 5)
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert f"{v['z']:+.3f}" in texts and f"{v['h']:+.3f}" in texts


def test_cell_diagram_shows_every_live_value(trace):
    v = analysis.step_values(trace, unit=0, t=3)
    fig = figures.cell_diagram("lstm", v, 0, 3)
    texts = " ".join(a.text for a in fig.layout.annotations)
    for q in ("i", "f", "g", "o", "c", "h", "c_prev", "h_prev", "x"):
        assert f"{v[q]:+.3f}" in texts, q


def test_saturation_and_half_life_numbers():
    f = np.array([[0.05, 0.95, 0.5], [0.05, 0.95, 0.5], [0.5, 0.95, 0.5], [0.05, 0.5, 0.5]])
    low, high = analysis.saturation(f)
    np.testing.assert_allclose(low, [0.75, 0, 0])
    np.testing.assert_allclose(high, [0, 0.75, 0])
    hl = analysis.half_life(np.array([[0.5, 1.0, 0.9]]))
    assert hl[0] == pytest.approx(1.0) and math.isinf(hl[1]) and hl[2] == pytest.approx(math.log(0.5) / math.log(0.9))


def test_saturation_figure_has_a_panel_per_gate(trace, gru_trace):
    fig = figures.saturation_figure(trace)
    markers = [d for d in fig.data if d.mode == "markers"]
    assert [d.name for d in markers] == ["i", "f", "o"] and len(markers[0].x) == 5
    assert [d.name for d in figures.saturation_figure(gru_trace).data if d.mode == "markers"] == ["r", "z"]


def test_unit_lines_one_line_per_unit_and_quantity(trace):
    fig = figures.unit_lines(trace, [0, 3])
    assert len(fig.data) == 12
    np.testing.assert_allclose(fig.data[1].y, trace.get("i")[:, 3])


def test_decimate_keeps_extremes_and_bounds_points():
    y = np.sin(np.arange(1_000_000) / 1000.0)
    y[123_457] = 5.0
    x, yd = figures.decimate(np.arange(len(y)), y, 4000)
    assert len(yd) <= 4100 and yd.max() == 5.0 and yd.min() == y.min()
    assert np.all(np.diff(x) > 0)


def test_forecast_figure_and_preview():
    series = builtin("trend_season", length=80)
    f = fit(series, ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4).replace(epochs=3))
    r = evaluate(f, horizon=4)
    fig = figures.forecast_figure(series, r, f.n_train)
    names = [d.name for d in fig.data]
    assert "test actual" in names and "recursive forecast (test)" in names and "forecast beyond the data" in names
    assert sum("baseline" in n for n in names) == 3
    beyond = fig.data[names.index("forecast beyond the data")]
    assert len(beyond.y) == 5
    pre = figures.series_preview(series, 6)
    assert len(pre.layout.shapes) == 2


def test_dates_reach_the_json_as_dates():
    series = builtin("airline")
    js = figures.series_preview(series, 12).to_json()
    assert "1960-01-01" in js and "1949-01-01" in js


def test_csv_export_escapes_formulas():
    import pandas as pd

    frame = pd.DataFrame({"=HYPERLINK(1)": [1.0, -2.0], "label": ["=cmd", "ok"]})
    text = export.csv_bytes(frame).decode()
    assert text.splitlines()[0] == "'=HYPERLINK(1),label"
    assert "'=cmd" in text and ",ok" in text and "-2.0" in text  # numbers stay numbers


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_unchecked_figures_pass_plotly_validation(kind):
    """The builders skip plotly's validation for speed; here it runs in full on each of them."""
    import plotly.graph_objects as go

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
    from lstmviz import figures

    from lstmviz.models import SequenceModel

    trace = record(SequenceModel("lstm", 1, 4), torch.randn(1, 20, 1))
    for scales in [(figures.SEQUENTIAL, figures.DIVERGING), figures.PROJECTOR]:
        fig = figures.gate_heatmaps(trace, colorscales=scales)
        for heat in [d for d in fig.to_dict()["data"] if d["type"] == "heatmap"]:
            assert isinstance(heat["colorscale"], (list, tuple)) and len(heat["colorscale"]) >= 3
    assert figures.gate_heatmaps(trace, colorscales=figures.PROJECTOR).to_dict()["data"][1]["colorscale"][0][1] \
        == "#0d0887"  # Plasma's first stop


def test_log_loss_axis_labels_are_whole_numbers_not_bare_digits():
    """Plotly's own log ticks label 0.05 and 0.02 as "5" and "2"; ours say what they are."""
    from lstmviz import figures

    def axis(curves):
        return figures.loss_curves(curves).to_dict()["layout"]["yaxis"]

    wide = axis({"train": [1.0, 1e-2, 1e-4], "validation": [float("nan"), 0.0, 2.0]})
    assert wide["type"] == "log" and wide["ticktext"] == ["0.0001", "0.001", "0.01", "0.1", "1"]
    mid = axis({"train": [2.3, 0.021]})
    assert mid["ticktext"] == ["0.05", "0.1", "0.2", "0.5", "1", "2"]
    assert np.allclose(mid["tickvals"], [0.05, 0.1, 0.2, 0.5, 1, 2])
    assert axis({"train": [0.2, 0.0004]})["ticktext"] == ["0.001", "0.01", "0.1"]  # 1-2-5 would be 9 labels
    assert len(axis({"train": [1.0, 1e-9]})["ticktext"]) <= 6
    flat = axis({"train": [1.2, 1.25]})
    assert "tickvals" not in flat and flat["tickformat"] == ".3g"
    assert axis({"train": []})["type"] == "log"
    assert figures.loss_curves({"a": [1.0, 1e-4]}, log=False).layout.yaxis.type == "linear"


@pytest.mark.parametrize("steps, mode", [(50, "text"), (200, "markers")])
def test_one_hot_input_row_prints_symbols_only_where_they_can_be_read(steps, mode):
    """A text model's input row: the characters themselves, or, too many to print, a tick per step
    with the character on hover (at 11 px, 240 characters overprint into a smear)."""
    from lstmviz import figures
    from lstmviz.models import SequenceModel

    x = torch.nn.functional.one_hot(torch.arange(steps) % 3, 3).float()[None]
    fig = figures.gate_heatmaps(record(SequenceModel("lstm", 3, 4), x), input_names=["a", " ", "\n"]).to_dict()
    row = fig["data"][0]
    assert row["mode"] == mode and list(row["text"][:3]) == ["a", "␣", "↵"]
    assert ("hover to read" in fig["layout"]["annotations"][0]["text"]) == (mode == "markers")


def test_compare_charts_give_each_cell_its_own_colour_and_dash():
    """LSTM, GRU and RNN were dark blue, light blue and red by trace order; now fixed per cell, and the
    dash tells them apart without colour."""
    curves = {"GRU": [1.0, 0.5], "RNN": [1.0, 0.7], "LSTM": [1.0, 0.4], "train": [1.0, 0.9]}
    lines = {d["name"]: d.get("line", {}) for d in figures.loss_curves(curves).to_dict()["data"]}
    assert {c: lines[c]["color"] for c in ("LSTM", "GRU", "RNN")} == {"LSTM": "#d55e00", "GRU": "#0072b2",
                                                                      "RNN": "#009e73"}
    assert len({lines[c]["dash"] for c in ("LSTM", "GRU", "RNN")}) == 3
    assert "color" not in lines["train"]  # other curves keep the default colours
    again = {d["name"]: d["line"]["color"] for d in figures.loss_curves({"LSTM": [1.0], "GRU": [2.0]}).to_dict()["data"]}
    assert again == {"LSTM": "#d55e00", "GRU": "#0072b2"}  # the same whatever else is drawn


def test_tracks_figure_one_axis_standardized_and_a_negative_unit_drawn_upright():
    import plotly.graph_objects as go

    known = np.array([0.0, 1.0, 2.0, 1.0, 0.0])
    unit = np.array([0.5, 0.3, 0.1, 0.3, 0.5])  # runs against it: r = -1
    fig = figures.tracks_figure(unit, known, "unit 3 c", "running count", r=-0.52, unit_ref=(0.3, 0.1),
                                known_ref=(1.0, 0.5), t=2)
    assert "yaxis2" not in fig.to_dict()["layout"] and {tr.yaxis for tr in fig.data} == {None}  # one y axis
    k, u = fig.data
    np.testing.assert_allclose(k.y, (known - 1.0) / 0.5)
    np.testing.assert_allclose(u.y, -(unit - 0.3) / 0.1)  # flipped: it now rises with the count
    np.testing.assert_allclose(u.customdata, unit)  # hover keeps the raw values
    assert "× −1" in u.name and "r < 0" in u.name
    assert "r = -0.52" in fig.layout.title.text
    up = figures.tracks_figure(unit, known, "unit 3 c", "running count", r=0.9).data[1]
    assert up.name == "unit 3 c"
    np.testing.assert_allclose(up.y, (unit - unit.mean()) / unit.std())  # its own scale, without refs
    flat = figures.tracks_figure(unit, np.ones(5), "u", "k").data[0]
    np.testing.assert_allclose(flat.y, 0.0)  # a constant quantity: 0, not 0/0
    go.Figure(fig.to_dict())  # valid plotly


@pytest.mark.parametrize("r, strength", [(0.95, "strong"), (-0.8, "strong"), (0.7, "moderate"), (-0.52, "weak"),
                                         (0.1, "weak")])
def test_a_match_note_says_how_strong_from_r(r, strength):
    assert analysis.match_strength(r) == strength
    note = analysis.match_note(r, "running count")
    assert note.startswith(f"|r| = {abs(r):.2f}: a {strength} match")
    assert f"{r * r:.0%} of the spread in running count" in note
    assert ("other way" in note) == (r < 0)
    assert ("only partly tracks running count" in note) == (strength == "weak")
