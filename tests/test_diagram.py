"""The cell diagrams' wiring, read from their graphs and checked against PyTorch's equations."""
import math

import pytest
import torch
from torch import nn

from lstmviz import analysis, diagram, record

ARITY = {"mul": 2, "add": 2, "one_minus": 1, "tanh": 1}


def formula(cell: diagram.Cell, name: str):
    """What flows into `name`, as a nested tuple: joins are see-through, a box is its own name,
    an operator is (op, its inputs sorted); a gate box is (activation, the set of what it reads)."""
    def source(n):
        node = cell.node(n)
        if node.kind == "join":
            ins = [source(m) for m in cell.inputs(n)]
            return ins[0] if len(ins) == 1 else ("concat", *sorted(ins, key=repr))
        if node.kind == "value":
            return n
        return (node.fn, *sorted((source(m) for m in cell.inputs(n)), key=repr))

    node = cell.node(name)
    ins = [source(m) for m in cell.inputs(name)]
    if node.fn:  # a gate: weights times everything it reads
        flat = set()
        for i in ins:
            flat |= set(i[1:]) if isinstance(i, tuple) and i[0] == "concat" else {i}
        return node.fn, frozenset(flat)
    (only,) = ins
    return only


def mul(*a):
    return ("mul", *sorted(a, key=repr))


def add(*a):
    return ("add", *sorted(a, key=repr))


HX = frozenset({"h_prev", "x"})
# Written from the equations in PyTorch's nn.LSTM / nn.GRU / nn.RNN documentation.
EQUATIONS = {
    "lstm": {"i": ("sigmoid", HX), "f": ("sigmoid", HX), "g": ("tanh", HX), "o": ("sigmoid", HX),
             "c": add(mul("f", "c_prev"), mul("i", "g")),  # c = f*c_prev + i*g
             "h": mul("o", ("tanh", add(mul("f", "c_prev"), mul("i", "g"))))},  # h = o*tanh(c)
    "gru": {"r": ("sigmoid", HX), "z": ("sigmoid", HX),
            "n": ("tanh", frozenset({"x", mul("r", "h_prev")})),  # tanh(W_in x + b_in + r*(W_hn h + b_hn))
            "h": add(mul(("one_minus", "z"), "n"), mul("z", "h_prev"))},  # (1-z)*n + z*h_prev
    "rnn": {"h": ("tanh", HX)},
}


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_every_computed_box_is_wired_as_its_equation(kind):
    cell = diagram.CELLS[kind]
    computed = {n.name for n in cell.nodes if n.kind == "value" and cell.inputs(n.name)}
    assert computed == set(EQUATIONS[kind])
    for name, expected in EQUATIONS[kind].items():
        assert formula(cell, name) == expected, name


def test_the_gru_reset_gate_feeds_the_multiply_inside_n_and_n_meets_one_minus_z():
    """The lecturer's two findings: r wired to nothing, and n added without its (1 - z)."""
    cell = diagram.GRU
    (inside_n,) = [m for m in cell.inputs("n") if cell.node(m).kind == "op"]
    assert cell.node(inside_n).fn == "mul" and "r" in cell.inputs(inside_n)
    (gated_n,) = [e.dst for e in cell.edges if e.src == "n"]
    assert cell.node(gated_n).fn == "mul"
    (one_minus,) = [m for m in cell.inputs(gated_n) if m != "n"]
    assert cell.node(one_minus).fn == "one_minus" and mul(("one_minus", "z"), "n") in formula(cell, "h")[1:]


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_wires_are_whole(kind):
    """Every operator has its inputs and an output; every box but the cell's outputs feeds something."""
    cell = diagram.CELLS[kind]
    names = [n.name for n in cell.nodes]
    assert len(set(names)) == len(names)
    for e in cell.edges:
        assert e.src in names and e.dst in names, e
    outputs = {"h", "c"}
    for n in cell.nodes:
        feeds = [e for e in cell.edges if e.src == n.name]
        if n.kind == "op":
            assert len(cell.inputs(n.name)) == ARITY[n.fn], n.name
        if n.name not in outputs:
            assert feeds, f"{n.name} connects to nothing"


def _evaluate(cell, v, name):
    node = cell.node(name)
    if node.kind == "value" and (node.fn or not cell.inputs(name)):
        return v[name]  # an input, or a gate (its weights are not in the picture)
    ins = [_evaluate(cell, v, m) for m in cell.inputs(name)]
    if node.kind in ("join", "value"):
        assert len(ins) == 1, name
        return ins[0]
    return {"mul": lambda a, b: a * b, "add": lambda a, b: a + b, "one_minus": lambda a: 1 - a,
            "tanh": math.tanh}[node.fn](*ins)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_the_drawn_wires_compute_the_recorded_state(kind):
    """Run the diagram's operators on one recorded step: they give the c and h PyTorch gave."""
    torch.manual_seed(3)
    trace = record(getattr(nn, kind.upper())(1, 4), torch.randn(12, 1, 1))
    cell = diagram.CELLS[kind]
    for t, unit in [(0, 1), (5, 2), (11, 3)]:
        v = analysis.step_values(trace, unit, t)
        for out in ("c", "h") if kind == "lstm" else ("h",):
            assert _evaluate(cell, v, out) == pytest.approx(v[out], abs=1e-6), (out, t)
