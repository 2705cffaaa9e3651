"""The cell schematics as graphs: boxes, operators and wires, placed in diagram units.

Each cell is written down once, as data: figures/cell.py draws it, and tests/test_diagram.py reads
the same graph and checks every wire against PyTorch's equations, so the picture cannot drift from them.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Node", "Edge", "Cell", "CELLS", "BOX_W", "BOX_H", "OP_R"]


@dataclass(frozen=True)
class Node:
    """A box (`value`: a quantity of analysis.step_values, shown live), an operator circle (`op`),
    or a point where wires meet or split (`join`). x, y: centre in diagram units."""

    name: str
    kind: str  # "value" | "op" | "join"
    x: float
    y: float
    label: str = ""
    # op: "mul" | "add" | "one_minus" | "tanh". value: its activation ("sigmoid" | "tanh") when it is
    # a gate computed from weights and its inputs, "" when it is its one input (c_t, h_t) or an input.
    fn: str = ""


@dataclass(frozen=True)
class Edge:
    """A wire from src to dst, bent at `via` points, with an arrowhead where it enters dst."""

    src: str
    dst: str
    via: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Cell:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def inputs(self, name: str) -> list[str]:
        """The nodes wired into `name`, in the order written."""
        return [e.src for e in self.edges if e.dst == name]


def _box(name, x, y, label, fn=""):
    return Node(name, "value", x, y, label, fn)


def _op(name, x, y, fn):
    return Node(name, "op", x, y, {"mul": "×", "add": "+", "one_minus": "1−", "tanh": "tanh"}[fn], fn)


def _join(name, x, y):
    return Node(name, "join", x, y)


def _bus(gates, y):
    """[h_{t-1}, x_t] along the bus at height y, up into each gate."""
    return tuple(Edge("hx", g.name, ((g.x, y),)) for g in gates)


_LSTM_GATES = (_box("f", 2.4, 2.2, "f σ", "sigmoid"), _box("i", 3.7, 2.2, "i σ", "sigmoid"),
               _box("g", 5.0, 2.2, "g tanh", "tanh"), _box("o", 6.4, 2.2, "o σ", "sigmoid"))
LSTM = Cell(
    nodes=(_box("c_prev", 0.6, 4.6, "c<sub>t-1</sub>"), _box("h_prev", 0.6, 1.0, "h<sub>t-1</sub>"),
           _box("x", 1.6, -0.3, "x<sub>t</sub>"), _join("hx", 1.6, 1.0), *_LSTM_GATES,
           _op("mul_f", 2.4, 4.6, "mul"), _op("mul_i", 4.35, 3.5, "mul"), _op("add_c", 4.35, 4.6, "add"),
           _join("c_split", 7.6, 4.6), _box("c", 8.9, 4.6, "c<sub>t</sub>"), _op("tanh_c", 7.6, 3.4, "tanh"),
           _op("mul_o", 7.6, 2.2, "mul"), _box("h", 8.9, 2.2, "h<sub>t</sub>")),
    edges=(Edge("h_prev", "hx"), Edge("x", "hx"), *_bus(_LSTM_GATES, 1.0),
           Edge("c_prev", "mul_f"), Edge("f", "mul_f"), Edge("i", "mul_i"), Edge("g", "mul_i"),
           Edge("mul_f", "add_c"), Edge("mul_i", "add_c"), Edge("add_c", "c_split"), Edge("c_split", "c"),
           Edge("c_split", "tanh_c"), Edge("tanh_c", "mul_o"), Edge("o", "mul_o"), Edge("mul_o", "h")),
    x_range=(-0.1, 9.6), y_range=(-0.85, 5.15))

# PyTorch's GRU: r and z read [h_{t-1}, x_t]; n reads x_t and r * (W_hn h_{t-1} + b_hn);
# h_t = (1 - z) * n + z * h_{t-1}.
_GRU_GATES = (_box("z", 3.4, 2.0, "z σ", "sigmoid"), _box("r", 4.7, 2.0, "r σ", "sigmoid"))
GRU = Cell(
    nodes=(_box("h_prev", 0.6, 4.6, "h<sub>t-1</sub>"), _box("x", 0.6, -0.2, "x<sub>t</sub>"),
           _join("h_split", 1.7, 4.6), _join("h_to_r", 1.7, 2.95), _join("hx", 1.7, 0.6), _join("x_split", 1.7, -0.2),
           *_GRU_GATES, _op("mul_r", 6.1, 2.0, "mul"), _box("n", 7.5, 2.0, "n tanh", "tanh"),
           _join("z_split", 3.4, 3.5), _op("one_minus", 5.5, 3.5, "one_minus"), _op("mul_n", 7.5, 3.5, "mul"),
           _op("mul_z", 3.4, 4.6, "mul"), _op("add_h", 7.5, 4.6, "add"), _box("h", 8.9, 4.6, "h<sub>t</sub>")),
    edges=(Edge("h_prev", "h_split"), Edge("h_split", "h_to_r"), Edge("h_to_r", "hx"), Edge("x", "x_split"),
           Edge("x_split", "hx"), *_bus(_GRU_GATES, 0.6),
           Edge("r", "mul_r"), Edge("h_to_r", "mul_r", ((6.1, 2.95),)), Edge("mul_r", "n"),
           Edge("x_split", "n", ((7.5, -0.2),)),
           Edge("z", "z_split"), Edge("z_split", "mul_z"), Edge("h_split", "mul_z"),
           Edge("z_split", "one_minus"), Edge("one_minus", "mul_n"), Edge("n", "mul_n"),
           Edge("mul_z", "add_h"), Edge("mul_n", "add_h"), Edge("add_h", "h")),
    x_range=(-0.1, 9.6), y_range=(-0.75, 5.15))

RNN = Cell(
    nodes=(_box("h_prev", 0.6, 2.0, "h<sub>t-1</sub>"), _box("x", 0.6, 0.0, "x<sub>t</sub>"),
           _join("hx", 1.8, 1.0), _box("h", 3.4, 1.0, "h<sub>t</sub> tanh", "tanh")),
    edges=(Edge("h_prev", "hx", ((1.8, 2.0),)), Edge("x", "hx", ((1.8, 0.0),)), Edge("hx", "h")),
    x_range=(-0.1, 4.3), y_range=(-0.55, 2.55))

CELLS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}

# The drawn size of a box and an operator circle, in diagram units: the positions above leave room for them.
BOX_W, BOX_H, OP_R = 1.15, 0.8, 0.3
