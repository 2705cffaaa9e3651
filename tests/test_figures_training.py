"""Loss curves (lstmviz/figures/training.py): readable log ticks, one colour and dash per cell."""
import numpy as np

from lstmviz import figures


def test_log_loss_axis_labels_are_whole_numbers_not_bare_digits():
    """Plotly's own log ticks label 0.05 and 0.02 as "5" and "2"; ours say what they are."""
    def axis(curves):
        return figures.loss_curves(curves).to_dict()["layout"]["yaxis"]

    wide = axis({"train": [1.0, 1e-2, 1e-4], "validation": [float("nan"), 0.0, 2.0]})
    assert wide["type"] == "log" and wide["ticktext"] == ["0.0001", "0.001", "0.01", "0.1", "1"]
    mid = axis({"train": [2.3, 0.021]})  # the drawn range has room below 0.021: its 0.02 tick shows
    assert mid["ticktext"] == ["0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]
    assert np.allclose(mid["tickvals"], [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2])
    assert 10 ** mid["range"][0] < 0.021 and 10 ** mid["range"][1] > 2.3  # every tick chosen is drawn
    assert all(10 ** mid["range"][0] <= v <= 10 ** mid["range"][1] for v in mid["tickvals"])
    five = figures.loss_curves({"train": [1.0, 0.5, 0.3, 0.2, 0.1]}).to_dict()["layout"]["xaxis"]
    assert five["dtick"] == 1  # whole epochs, not 1.5, 2.5, ...
    assert axis({"train": [0.2, 0.0004]})["ticktext"] == ["0.001", "0.01", "0.1"]  # 1-2-5 would be 9 labels
    assert len(axis({"train": [1.0, 1e-9]})["ticktext"]) <= 6
    flat = axis({"train": [1.2, 1.25]})
    assert "tickvals" not in flat and flat["tickformat"] == ".3g"
    assert axis({"train": []})["type"] == "log"
    assert figures.loss_curves({"a": [1.0, 1e-4]}, log=False).layout.yaxis.type == "linear"


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
