"""Task result figures (lstmviz/figures/results.py)."""
import numpy as np
import plotly.graph_objects as go

from lstmviz import figures


def test_tracks_figure_one_axis_standardized_and_a_negative_unit_drawn_upright():

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
