"""Bring your own model: a state_dict of an nn.LSTM- or nn.GRU-based model -> a model lstmviz can run.

Files are loaded with torch.load(weights_only=True) only, so a pickle that would run code is
refused before any of it runs. The architecture is read off the keys and shapes: the recurrent
module (any prefix, e.g. "lstm" or "encoder.rnn"), its sizes, layers and directions, and a
Linear head that reads its last step (many tutorials' "fc", the airline tutorial's "linear", lstmviz's "head").
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import InputError

__all__ = ["Architecture", "LoadedModel", "load_state_dict", "infer", "build"]

_GATES = {4: "lstm", 3: "gru", 1: "rnn"}
_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


@dataclass(frozen=True)
class Architecture:
    cell: str  # lstm | gru | rnn
    prefix: str  # where the recurrent module's keys live, e.g. "lstm"
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    bias: bool
    head: str | None  # prefix of the Linear head, or None
    output_size: int | None

    def describe(self) -> str:
        dirs = "bidirectional " if self.bidirectional else ""
        head = f", head '{self.head}' -> {self.output_size}" if self.head else ", no head"
        return (f"{dirs}{self.cell.upper()} '{self.prefix}': input {self.input_size}, hidden {self.hidden_size}, "
                f"{self.num_layers} layer{'s' if self.num_layers > 1 else ''}{head}")


def load_state_dict(source, name: str | None = None) -> dict[str, torch.Tensor]:
    """bytes, a path or a binary file -> a dict of tensors, or InputError saying what the file is instead."""
    name = name or (Path(source).name if isinstance(source, (str, Path)) else "the file")
    if isinstance(source, (str, Path)) and not Path(source).is_file():
        raise InputError(f"no such model file: {source}")
    f = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        obj = torch.load(f, map_location="cpu", weights_only=True)
    except Exception as e:  # UnpicklingError for code, RuntimeError / EOFError / zip errors for junk
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise InputError(f"{name} is not a plain state_dict file; it was refused by weights_only loading "
                         f"(which never runs code from the file): {first[:160]}") from None
    if isinstance(obj, dict):  # a training checkpoint often nests the weights
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InputError(f"{name} holds a {type(obj).__name__}, not a state_dict; save the weights with "
                         "torch.save(model.state_dict(), path)")
    return obj


def infer(state: dict[str, torch.Tensor]) -> Architecture:
    """Read the architecture off a state_dict's keys and shapes; InputError says what was expected."""
    prefixes = [k[: -len("weight_ih_l0")].rstrip(".") for k in state if k.endswith("weight_ih_l0")]
    if not prefixes:
        raise InputError("no LSTM or GRU weights in this state_dict: expected keys like 'lstm.weight_ih_l0' "
                         "and 'lstm.weight_hh_l0'; found " + ", ".join(list(state)[:6]))
    if len(prefixes) > 1:
        raise InputError(f"this state_dict holds several recurrent modules ({', '.join(prefixes)}); "
                         "lstmviz can run a model with one")
    prefix = prefixes[0]
    p = f"{prefix}." if prefix else ""
    if f"{p}weight_hr_l0" in state:
        raise InputError("this LSTM uses projections (proj_size > 0), which lstmviz does not support yet")
    w_hh = state[f"{p}weight_hh_l0"]
    if w_hh.dim() != 2 or w_hh.shape[0] % w_hh.shape[1] or w_hh.shape[0] // w_hh.shape[1] not in _GATES:
        raise InputError(f"'{p}weight_hh_l0' has shape {tuple(w_hh.shape)}; expected (4H, H) for an LSTM "
                         "or (3H, H) for a GRU")
    H = w_hh.shape[1]
    gates = w_hh.shape[0] // H
    cell = _GATES[gates]
    layers = 0
    while f"{p}weight_ih_l{layers}" in state:
        layers += 1
    bidirectional = f"{p}weight_ih_l0_reverse" in state
    bias = f"{p}bias_ih_l0" in state
    input_size = state[f"{p}weight_ih_l0"].shape[1]
    D = 2 if bidirectional else 1
    expected = {}
    for layer in range(layers):
        for sfx in ("", "_reverse")[:D]:
            expected[f"{p}weight_ih_l{layer}{sfx}"] = (gates * H, input_size if layer == 0 else H * D)
            expected[f"{p}weight_hh_l{layer}{sfx}"] = (gates * H, H)
            if bias:
                expected[f"{p}bias_ih_l{layer}{sfx}"] = (gates * H,)
                expected[f"{p}bias_hh_l{layer}{sfx}"] = (gates * H,)
    for key, shape in expected.items():
        if key not in state:
            raise InputError(f"'{key}' is missing; a {cell.upper()} with {layers} layers needs it, shape {shape}")
        if tuple(state[key].shape) != shape:
            raise InputError(f"'{key}' has shape {tuple(state[key].shape)}; expected {shape}")
    head, out = None, None
    for key, w in state.items():
        if key.endswith("weight") and key not in expected and w.dim() == 2 and w.shape[1] == H * D:
            head, out = key[: -len("weight")].rstrip("."), int(w.shape[0])
            break
    return Architecture(cell, prefix, int(input_size), int(H), layers, bidirectional, bias, head, out)


class LoadedModel(nn.Module):
    """The inferred recurrent module (batch-first) and its head on the last step; named by cell."""

    def __init__(self, arch: Architecture):
        super().__init__()
        self.arch = arch
        self.cell = arch.cell
        self.add_module(arch.cell, _CELLS[arch.cell](arch.input_size, arch.hidden_size, arch.num_layers,
                                                    bias=arch.bias, batch_first=True,
                                                    bidirectional=arch.bidirectional))
        D = 2 if arch.bidirectional else 1
        self.head = nn.Linear(arch.hidden_size * D, arch.output_size) if arch.head is not None else None
        # what load_model's other readers expose too (see modelfile.chain.ChainModel)
        self.framework, self.window, self.per_step = "PyTorch state_dict", None, False
        self.input_size = arch.input_size
        self.output_size = arch.output_size if arch.head is not None else arch.hidden_size * D
        self.description = f"{self.framework}: {arch.describe()}; any sequence length; the head reads the last step"

    @property
    def recurrent(self) -> nn.Module:
        return getattr(self, self.cell)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = getattr(self, self.cell)(x)  # (B, T, D*H)
        last = out[:, -1]
        return self.head(last) if self.head is not None else last


def build(state: dict[str, torch.Tensor]) -> tuple[LoadedModel, Architecture]:
    """A runnable model holding the state_dict's weights, and the architecture read from it."""
    arch = infer(state)
    model = LoadedModel(arch)
    renamed = {}
    for key, value in state.items():
        for old, new in ((arch.prefix, arch.cell), (arch.head, "head")):
            if old is not None and (key.startswith(old + ".") or (old == "" and "." not in key)):
                renamed[f"{new}.{key[len(old) + 1:] if old else key}"] = value
                break
    try:
        model.load_state_dict(renamed, strict=True)
    except RuntimeError as e:
        raise InputError(f"the weights do not fit the inferred model ({arch.describe()}): "
                         f"{str(e).splitlines()[0]}") from None
    model.eval()
    return model, arch
