"""The app's gate view for a notebook: ``show(model, x)`` records the model and returns the page's own
figures (heatmaps, cell diagram, unit lines, saturation, half-life), built by the same builders with
the same arguments as the scrubber and the gate view (lstmviz/app/scrubber.py, forecast_gates.py)."""
from __future__ import annotations

import operator
from dataclasses import dataclass, fields
from typing import Any, Iterator

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from . import analysis, figures
from .errors import InputError
from .record import Trace, record

__all__ = ["show", "Figures"]


@dataclass(frozen=True)
class Figures:
    """The gate view of one sequence: what the page shows, as plotly figures.

    heatmaps: unit x time heatmaps of every quantity under the input, step t marked
    cell: the cell diagram of `unit` at step t, each box labelled with its value
    unit_lines: every quantity of the `units` over time
    saturation: per unit, how often each gate is below 0.1 and above 0.9 (None for a plain RNN)
    half_life: per unit, the steps until the forget gate halves the cell (None unless an LSTM)
    Iterating gives the figures that exist, in that order; ``show()`` draws them, and a notebook
    cell that ends with a Figures draws them too.
    """

    heatmaps: go.Figure
    cell: go.Figure
    unit_lines: go.Figure
    saturation: go.Figure | None
    half_life: go.Figure | None
    trace: Trace
    kind: str
    module: str
    layer: int
    direction: int
    example: int
    t: int
    unit: int
    units: tuple[int, ...]

    def items(self) -> list[tuple[str, go.Figure]]:
        """(name, figure) for every figure there is."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)[:5] if getattr(self, f.name) is not None]

    def __iter__(self) -> Iterator[go.Figure]:
        return (fig for _, fig in self.items())

    def __len__(self) -> int:
        return len(self.items())

    def show(self, **kwargs: Any) -> None:
        """fig.show(**kwargs) for each figure, with plotly's renderer for where this runs."""
        for fig in self:
            fig.show(**kwargs)

    def _ipython_display_(self) -> None:
        # each figure through IPython's display: plotly's own renderer for the front end (JupyterLab, VS Code, ...)
        from IPython.display import display
        for fig in self:
            display(fig)

    def _repr_html_(self) -> str:
        # plotly.js goes in once, inline: the figures draw offline and in any notebook front end
        parts = [fig.to_html(full_html=False, include_plotlyjs=k == 0) for k, fig in enumerate(self)]
        return "\n".join(parts)

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self.items())
        return (f"Figures({names}; {self.kind.upper()} {self.module!r} layer {self.layer}, example {self.example}, "
                f"t={self.t}, unit {self.unit})")


def show(model: nn.Module | Trace, x: Any = None, *, example: int = 0, module: str | None = None, layer: int = 0,
         direction: int = 0, t: int = 0, unit: int = 0, units: list[int] | None = None) -> Figures:
    """The page's gate-view figures for one sequence of x, recorded from `model` (or of a Trace already recorded).

    model: any nn.Module holding nn.LSTM / nn.GRU / nn.RNN (lstmviz.load_model's included), called as model(x);
    x: a tensor or array in the shape the model takes. example picks the sequence of a batch; module
    (its name in the model) and layer (negative counts from the top) pick the recurrent layer when there
    are several; t the step the heatmaps mark and the diagram shows (negative counts from the end); unit
    the diagram's unit; units the lines to follow (default: the 3 units whose h varies most, as on the page).
    A module called more than once is shown at its first call.
    """
    trace = _trace(model, x)
    module = _pick("module", module, trace.modules)
    blocks = [b for b in trace.blocks if b.module == module and b.call == 0]
    layer = _index("layer", layer, sorted({b.layer for b in blocks}), f"module {module!r}")
    directions = sorted({b.direction for b in blocks})
    if direction not in directions:
        raise InputError(f"direction={direction!r} does not exist: module {module!r} runs "
                         + ("forward only (direction 0)" if len(directions) == 1 else "directions 0 and 1"))
    block = trace.block(module, layer, direction)
    T, B, H = block.shape
    example = _index("example", example, list(range(B)), f"the batch of {B} sequences")
    t = _index("t", t, list(range(T)), f"the {T} steps")
    unit = _index("unit", unit, list(range(H)), f"the {H} units")
    where = dict(module=module, layer=layer, direction=direction, sample=example)
    if units is None:
        units = analysis.liveliest_units(trace.get("h", **where))
    units = [_index("units", u, list(range(H)), f"the {H} units", negative=False) for u in _sequence(units)]
    kind = block.kind
    v = analysis.step_values(trace, unit, t, **where)
    return Figures(
        heatmaps=figures.gate_heatmaps(trace, t=t, t_range=figures.heatmap_window(t, T), **where),
        cell=figures.cell_diagram(kind, v, unit, t),
        unit_lines=figures.unit_lines(trace, units, t=t, **where),
        saturation=figures.saturation_figure(trace, **where) if kind != "rnn" else None,
        half_life=figures.half_life_figure(trace.get("f", **where)) if kind == "lstm" else None,
        trace=trace, kind=kind, module=module, layer=layer, direction=direction, example=example, t=t, unit=unit,
        units=tuple(units))


def _trace(model, x) -> Trace:
    if isinstance(model, Trace):
        if x is not None:
            raise InputError("show(trace) draws a trace already recorded: pass no x with it")
        return model
    if not isinstance(model, nn.Module):
        raise InputError(f"show() takes a torch.nn.Module or a lstmviz Trace, not {type(model).__name__}")
    if not any(isinstance(m, (nn.LSTM, nn.GRU, nn.RNN)) for m in model.modules()):
        raise InputError(f"{type(model).__name__} holds no nn.LSTM, nn.GRU or nn.RNN to show")
    if x is None:
        raise InputError("show(model, x) needs an input x to run the model on")
    if not isinstance(x, torch.Tensor):
        try:
            array = np.asarray(x)
        except Exception:
            array = None
        if array is None or array.dtype.kind not in "biuf":
            raise InputError(f"x must be a tensor or an array of numbers, not {type(x).__name__}")
        weights = next(model.parameters(), None)
        x = torch.as_tensor(array, dtype=weights.dtype if weights is not None else torch.float32)
    try:
        return record(model, x)
    except (RuntimeError, ValueError, TypeError, IndexError) as e:
        if isinstance(e, InputError):
            raise
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise InputError(f"the model could not run on x of shape {tuple(x.shape)}: {first}") from None


def _pick(what: str, value, options: list[str]) -> str:
    if value is None:
        if len(options) > 1:
            raise InputError(f"this model has several recurrent modules ({', '.join(options)}): pass {what}= one of them")
        return options[0]
    if value not in options:
        raise InputError(f"{what}={value!r} is not in this model: its recurrent modules are {', '.join(options)}")
    return value


def _index(what: str, value, options: list[int], of: str, negative: bool = True) -> int:
    """value as one of options (0..n-1), negative counting from the end; else InputError."""
    try:
        k = operator.index(value)
    except TypeError:
        raise InputError(f"{what} must be a whole number, not {value!r}") from None
    n = len(options)
    if negative and -n <= k < 0:
        return options[k]
    if k not in options:
        span = f"0..{n - 1}" + (f" (or -{n}..-1 from the end)" if negative else "")
        raise InputError(f"{what}={k} is out of range for {of}: use {span}")
    return k


def _sequence(units) -> list:
    if isinstance(units, (str, bytes)) or not hasattr(units, "__iter__"):
        raise InputError(f"units must be a list of unit numbers, not {units!r}")
    return list(units)
