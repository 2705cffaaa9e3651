"""The cell diagram (lstmviz/figures/cell.py): every box shows its live value, every wire is drawn."""
import numpy as np
import pytest
import torch
from torch import nn

from lstmviz import analysis, diagram, figures, record
from tests.traces import gru_trace, trace  # noqa: F401 (fixtures)


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


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_the_figure_draws_every_box_with_its_value_and_every_wire(kind):
    torch.manual_seed(0)
    trace = record(getattr(nn, kind.upper())(1, 3), torch.randn(8, 1, 1))
    v = analysis.step_values(trace, 1, 4)
    fig = figures.cell_diagram(kind, v, 1, 4, font_size=18, height=540).to_dict()["layout"]
    cell = diagram.CELLS[kind]
    texts = [a["text"] for a in fig["annotations"]]
    for n in cell.nodes:
        if n.kind == "value":
            assert f"<b>{n.label}</b><br>{v[n.name]:+.3f}" in texts
    arrows = [a for a in fig["annotations"] if a.get("showarrow")]
    assert len(arrows) == sum(cell.node(e.dst).kind != "join" for e in cell.edges)
    boxes = [a for a in fig["annotations"] if a["text"].startswith("<b>")]
    assert {a["font"]["size"] for a in boxes} == {18} and fig["height"] == 540
    for a in arrows:  # each arrow ends on the outline of the box or circle it enters
        end = np.array([a["x"], a["y"]])
        d = min(np.abs(end - [n.x, n.y]).max() for n in cell.nodes if n.kind != "join")
        assert d <= max(diagram.BOX_W, diagram.BOX_H) / 2 + 1e-9
