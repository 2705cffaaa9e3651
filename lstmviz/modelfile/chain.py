"""A model read from another framework's file -> recurrent stacks of stock nn.LSTM / nn.GRU / nn.RNN plus a head.

The Keras and ONNX readers describe what they found as a list of steps in PyTorch's terms (weights
already in PyTorch's gate order and layout); `build` turns them into a `ChainModel`. Consecutive
recurrent layers of one kind and size become one multi-layer module (what nn.LSTM(num_layers=2)
computes is exactly two stacked layers), so a stacked Keras LSTM records as one module with layers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ..errors import InputError
from ..models import CELLS

__all__ = ["Recurrent", "Dense", "Activation", "Flatten", "ChainModel", "build", "ACTIVATIONS"]

# Activations a head may apply: element-wise (or softmax over the last axis), so exact in PyTorch.
ACTIVATIONS = {"linear": None, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
               "softmax": lambda: nn.Softmax(dim=-1)}


@dataclass
class Recurrent:
    """One recurrent layer, weights in PyTorch's layout and gate order (LSTM i f g o, GRU r z n)."""

    kind: str  # lstm | gru | rnn
    name: str  # the layer's or node's name in the file
    weight_ih: np.ndarray  # (G*H, input)
    weight_hh: np.ndarray  # (G*H, H)
    bias_ih: np.ndarray | None  # (G*H,) or None: no bias
    bias_hh: np.ndarray | None
    sequences: bool  # returns every step (Keras return_sequences) rather than the last
    nonlinearity: str = "tanh"  # nn.RNN only: tanh | relu

    @property
    def hidden_size(self) -> int:
        return self.weight_hh.shape[1]

    @property
    def input_size(self) -> int:
        return self.weight_ih.shape[1]


@dataclass
class Dense:
    name: str
    weight: np.ndarray  # (out, in), as nn.Linear holds it
    bias: np.ndarray | None  # (out,)
    activation: str = "linear"


@dataclass
class Activation:
    name: str
    activation: str


@dataclass
class Flatten:
    name: str


@dataclass
class _Stack:
    layers: list[Recurrent] = field(default_factory=list)

    def takes(self, r: Recurrent) -> bool:
        top = self.layers[-1]
        return (top.sequences and r.kind == top.kind and r.hidden_size == top.hidden_size
                and (r.bias_ih is None) == (top.bias_ih is None) and r.nonlinearity == top.nonlinearity)


class ChainModel(nn.Module):
    """Recurrent stacks (batch-first) then a head on the last step, or on every step when `per_step`.

    x: (B, T, input_size) -> (B, output_size), or (B, T, output_size) when per_step.
    Attributes for the page and the CLI: framework ("Keras 3", "ONNX", ...), window (the sequence length
    fixed by the file's input shape, or None), description (one line: framework and layers),
    cell / recurrent (the first recurrent module), input_size, output_size.
    """

    def __init__(self, stacks: list[_Stack], head: list, framework: str, window: int | None, per_step: bool,
                 flattens: bool):
        super().__init__()
        self.framework, self.window, self.per_step = framework, window, per_step
        self._flattens = flattens
        self._names: list[str] = []
        for stack in stacks:
            first = stack.layers[0]
            name = first.kind if first.kind not in self._names else f"{first.kind}_{len(self._names) + 1}"
            extra = {"nonlinearity": first.nonlinearity} if first.kind == "rnn" else {}
            module = CELLS[first.kind](first.input_size, first.hidden_size, len(stack.layers),
                                       bias=first.bias_ih is not None, batch_first=True, **extra)
            with torch.no_grad():
                for k, layer in enumerate(stack.layers):
                    for attr in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                        value = getattr(layer, attr)
                        if value is not None:
                            getattr(module, f"{attr}_l{k}").copy_(torch.from_numpy(np.asarray(value, np.float32)))
            self.add_module(name, module)
            self._names.append(name)
        self.head = nn.Sequential(*head)
        self.cell = stacks[0].layers[0].kind
        self.input_size = stacks[0].layers[0].input_size
        linears = [m for m in self.head if isinstance(m, nn.Linear)]
        self.output_size = linears[-1].out_features if linears else stacks[-1].layers[-1].hidden_size
        self.description = ""
        self.eval()

    @property
    def recurrent(self) -> nn.Module:
        return getattr(self, self._names[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self._names:
            x, _ = getattr(self, name)(x)  # (B, T, H)
        if not self.per_step and not self._flattens:
            x = x[:, -1]
        return self.head(x)


def _linear(d: Dense) -> nn.Linear:
    lin = nn.Linear(d.weight.shape[1], d.weight.shape[0], bias=d.bias is not None)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(np.asarray(d.weight, np.float32)))
        if d.bias is not None:
            lin.bias.copy_(torch.from_numpy(np.asarray(d.bias, np.float32)))
    return lin


def _activation(name: str, where: str) -> list[nn.Module]:
    if name not in ACTIVATIONS:
        raise InputError(f"{where} uses the activation {name!r}; lstmviz applies {', '.join(ACTIVATIONS)}")
    make = ACTIVATIONS[name]
    return [] if make is None else [make()]


def build(steps: list, framework: str, window: int | None, what: str) -> ChainModel:
    """The module for `steps` (recurrent layers, then Dense / Activation / Flatten); InputError names what does not fit.

    `what` is the word for a step in messages ("layer" for Keras, "node" for ONNX).
    """
    stacks: list[_Stack] = []
    head: list[nn.Module] = []
    flattens = False
    width = None  # features coming out of the last step so far
    for step in steps:
        if isinstance(step, Recurrent):
            if head or flattens:
                raise InputError(f"{what} '{step.name}' ({step.kind.upper()}) comes after a Dense {what}; lstmviz reads "
                                 f"recurrent {what}s first, then the Dense head")
            if stacks and not stacks[-1].layers[-1].sequences:
                prev = stacks[-1].layers[-1]
                raise InputError(f"{what} '{prev.name}' returns only its last step (return_sequences=False), "
                                 f"so '{step.name}' after it has no sequence to read")
            if width is not None and step.input_size != width:
                raise InputError(f"{what} '{step.name}' reads {step.input_size} features per step, but the "
                                 f"{what} before it gives {width}")
            if stacks and stacks[-1].takes(step):
                stacks[-1].layers.append(step)
            else:
                stacks.append(_Stack([step]))
            width = step.hidden_size
        elif not stacks:
            raise InputError(f"the model starts with {what} '{step.name}' ({type(step).__name__}); lstmviz reads "
                             f"models whose first {what}s are LSTM, GRU or RNN")
        elif isinstance(step, Flatten):
            if not stacks[-1].layers[-1].sequences or head or flattens:
                raise InputError(f"Flatten {what} '{step.name}' must come right after a recurrent {what} that "
                                 "returns sequences")
            if window is None:
                raise InputError(f"Flatten {what} '{step.name}' needs a fixed sequence length, and the input "
                                 "shape leaves it open")
            flattens = True
            width *= window
            head.append(nn.Flatten())
        elif isinstance(step, Dense):
            if step.weight.shape[1] != width:
                raise InputError(f"Dense {what} '{step.name}' reads {step.weight.shape[1]} features, but the "
                                 f"{what} before it gives {width}")
            head.append(_linear(step))
            head.extend(_activation(step.activation, f"Dense {what} '{step.name}'"))
            width = step.weight.shape[0]
        elif isinstance(step, Activation):
            head.extend(_activation(step.activation, f"{what} '{step.name}'"))
    if not stacks:
        raise InputError(f"the model has no LSTM, GRU or RNN {what}; lstmviz shows the inside of recurrent models")
    per_step = stacks[-1].layers[-1].sequences and not flattens
    model = ChainModel(stacks, head, framework, window, per_step, flattens)
    model.description = describe(framework, stacks, head, per_step, window, flattens)
    return model


def describe(framework: str, stacks: list[_Stack], head: list[nn.Module], per_step: bool, window: int | None,
             flattens: bool = False) -> str:
    """One line, e.g. "Keras 3: LSTM 50 x 2 layers -> Dense 1; window 50 from the input shape; the head reads the last step"."""
    parts = []
    for s in stacks:
        r = s.layers[0]
        kind = "RNN (relu)" if r.kind == "rnn" and r.nonlinearity == "relu" else r.kind.upper()
        n = len(s.layers)
        parts.append(f"{kind} {r.hidden_size}" + (f" x {n} layers" if n > 1 else ""))
    for m in head:
        if isinstance(m, nn.Linear):
            parts.append(f"Dense {m.out_features}")
        elif isinstance(m, nn.Flatten):
            parts.append("Flatten")
        else:
            parts[-1] += f" ({type(m).__name__.lower()})"
    reads = "every step" if per_step else "all steps, flattened" if flattens else "the last step"
    shape = f"window {window} from the input shape" if window else "any sequence length"
    return f"{framework}: {' -> '.join(parts)}; {shape}; the head reads {reads}"
