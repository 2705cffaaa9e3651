"""Numbers read off a trace (lstmviz/analysis.py), checked against the trace and by hand."""
import math

import numpy as np
import pytest

from lstmviz import analysis
from tests.traces import trace  # noqa: F401 (fixtures)


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


def test_saturation_and_half_life_numbers():
    f = np.array([[0.05, 0.95, 0.5], [0.05, 0.95, 0.5], [0.5, 0.95, 0.5], [0.05, 0.5, 0.5]])
    low, high = analysis.saturation(f)
    np.testing.assert_allclose(low, [0.75, 0, 0])
    np.testing.assert_allclose(high, [0, 0.75, 0])
    hl = analysis.half_life(np.array([[0.5, 1.0, 0.9]]))
    assert hl[0] == pytest.approx(1.0) and math.isinf(hl[1]) and hl[2] == pytest.approx(math.log(0.5) / math.log(0.9))


@pytest.mark.parametrize("r, strength", [(0.95, "strong"), (-0.8, "strong"), (0.7, "moderate"), (-0.52, "weak"),
                                         (0.1, "weak")])
def test_a_match_note_says_how_strong_from_r(r, strength):
    assert analysis.match_strength(r) == strength
    note = analysis.match_note(r, "running count")
    assert note.startswith(f"|r| = {abs(r):.2f}: a {strength} match")
    assert f"{r * r:.0%} of the spread in running count" in note
    assert ("other way" in note) == (r < 0)
    assert ("only partly tracks running count" in note) == (strength == "weak")


def test_correlation_is_pearson_of_every_column_pair_and_a_constant_column_gives_what_is_asked():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(50, 3)), rng.normal(size=(50, 4))
    B[:, 1] = -2 * A[:, 0] + 1
    B[:, 3] = 7.0
    r = analysis.correlation(A, B)
    assert r.shape == (3, 4)
    for k in range(3):
        for h in range(3):
            assert r[k, h] == pytest.approx(np.corrcoef(A[:, k], B[:, h])[0, 1], abs=1e-12)
    assert r[0, 1] == pytest.approx(-1.0, abs=1e-12)
    assert np.all(r[:, 3] == 0.0) and np.all(analysis.correlation(A, B, constant=1.0)[:, 3] == 1.0)
    np.testing.assert_array_equal(analysis.correlation(A, B, constant=1.0)[:, :3], r[:, :3])
