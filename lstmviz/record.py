"""Exact per-timestep gates, cell and hidden states of every nn.LSTM / nn.GRU / nn.RNN in a model.

A forward hook on a stock ``nn.LSTM`` only sees ``output, (h_n, c_n)``: the gates live inside
the fused kernel. We rebuild them from the module's own weights, the input the hook saw and
PyTorch's own h_{t-1}. Knowing h_{t-1} for every t turns every gate into one batched matmul;
the cell state is then the linear recurrence c_t = f_t * c_{t-1} + i_t * g_t, solved by a
blocked scan. Every trace carries ``max_error``, the largest difference between what we rebuilt
and what PyTorch computed, and recording raises if it exceeds the tolerance.

Equations (PyTorch's, gate order i, f, g, o for LSTM and r, z, n for GRU):
    LSTM  i,f,o = sigmoid(W_i* x_t + b_i* + W_h* h_{t-1} + b_h*),  g = tanh(...)
          c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
    GRU   r,z = sigmoid(...),  n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))
          h_t = (1 - z) * n + z * h_{t-1}
    RNN   h_t = tanh or relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from .errors import LstmVizError

__all__ = ["record", "Trace", "Block", "QUANTITIES", "TOLERANCE"]

QUANTITIES = {
    "lstm": ("i", "f", "g", "o", "c", "h"),
    "gru": ("r", "z", "n", "h"),
    "rnn": ("h",),
}
# Largest allowed |rebuilt - PyTorch| for h, and for c relative to max(1, |c_n|).
TOLERANCE = 1e-5


@dataclass(frozen=True)
class Block:
    """One (module, call, layer, direction) of a trace.

    arrays[q]: np.ndarray (T, B, H), read-only; axis 0 is the position t in the input
    sequence, also for the reverse direction of a bidirectional module.
    """

    module: str
    call: int
    layer: int
    direction: int
    kind: str
    arrays: dict[str, np.ndarray]
    error: float
    nbytes: int  # bytes of the buffers behind arrays

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.arrays["h"].shape  # (T, B, H)


@dataclass
class Trace:
    """Everything one ``record`` call saw. Look values up with ``get`` or export ``to_frame``."""

    blocks: list[Block]
    inputs: dict[tuple[str, int], np.ndarray]  # (module, call) -> (T, B, input_size), layer 0's input
    output: Any = field(repr=False, default=None)  # what model(x) returned

    @property
    def max_error(self) -> float:
        """Largest difference between the rebuilt states and PyTorch's own (see TOLERANCE)."""
        return max(b.error for b in self.blocks)

    @property
    def modules(self) -> list[str]:
        return list(dict.fromkeys(b.module for b in self.blocks))

    def kind(self, module: str | None = None) -> str:
        return self.block(module).kind

    def quantities(self, module: str | None = None) -> tuple[str, ...]:
        return QUANTITIES[self.kind(module)]

    @property
    def nbytes(self) -> int:
        """Bytes held by the recorded arrays."""
        return sum(b.nbytes for b in self.blocks)

    def _module(self, module: str | None) -> str:
        names = self.modules
        if module is None:
            if len(names) > 1:
                raise LstmVizError(f"this trace holds several modules ({', '.join(names)}); pass module=")
            return names[0]
        if module not in names:
            raise LstmVizError(f"no module {module!r} in this trace; it has {', '.join(names)}")
        return module

    def block(self, module: str | None = None, layer: int = 0, direction: int = 0, call: int = 0) -> Block:
        """The block for (module, layer, direction, call); negative layer counts from the top."""
        module = self._module(module)
        mine = [b for b in self.blocks if b.module == module]
        layers = sorted({b.layer for b in mine})
        if layer < 0:
            layer = layers[layer] if -layer <= len(layers) else layer
        for b in mine:
            if (b.layer, b.direction, b.call) == (layer, direction, call):
                return b
        calls = sorted({b.call for b in mine})
        dirs = sorted({b.direction for b in mine})
        raise LstmVizError(f"module {module!r} has layers {layers}, directions {dirs}, calls {calls}; "
                           f"got layer={layer}, direction={direction}, call={call}")

    def get(self, quantity: str, module: str | None = None, layer: int = 0, direction: int = 0,
            sample: int = 0, call: int = 0) -> np.ndarray:
        """Values of one quantity for one sample: np.ndarray (T, H), axis 0 is time."""
        b = self.block(module, layer, direction, call)
        if quantity not in b.arrays:
            raise LstmVizError(f"{b.kind.upper()} records {', '.join(QUANTITIES[b.kind])}, not {quantity!r}")
        a = b.arrays[quantity]
        if not -a.shape[1] <= sample < a.shape[1]:
            raise LstmVizError(f"sample {sample} is out of range: the batch has {a.shape[1]}")
        return a[:, sample, :]

    def input(self, module: str | None = None, sample: int = 0, call: int = 0) -> np.ndarray:
        """The sequence the module was fed: np.ndarray (T, input_size)."""
        return self.inputs[(self._module(module), call)][:, sample, :]

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: module, call, layer, direction, sample, t, unit, quantity, value."""
        parts = []
        for b in self.blocks:
            T, B, H = b.shape
            qs = QUANTITIES[b.kind]
            values = np.stack([b.arrays[q] for q in qs]).transpose(0, 2, 1, 3)  # (Q, B, T, H)
            n = values.size
            idx = np.indices(values.shape, dtype=np.int32).reshape(4, n)
            parts.append(pd.DataFrame({
                "module": b.module, "call": b.call, "layer": b.layer, "direction": b.direction,
                "sample": idx[1], "t": idx[2], "unit": idx[3],
                "quantity": pd.Categorical.from_codes(idx[0], categories=list(qs)),
                "value": values.reshape(n),
            }))
        frame = pd.concat(parts, ignore_index=True)
        frame["quantity"] = frame["quantity"].astype(str)
        return frame


def record(model: nn.Module, *args: Any, **kwargs: Any) -> Trace:
    """Run ``model(*args, **kwargs)`` once and return the Trace of every LSTM/GRU/RNN it called.

    The model runs in eval mode under no_grad, so dropout cannot change the numbers;
    its training flags are restored and its hooks removed even if forward raises.
    """
    targets = [(name or type(m).__name__.lower(), m) for name, m in model.named_modules()
               if isinstance(m, (nn.LSTM, nn.GRU, nn.RNN))]
    if not targets:
        raise LstmVizError(f"{type(model).__name__} holds no nn.LSTM, nn.GRU or nn.RNN to record")
    blocks: list[Block] = []
    inputs: dict[tuple[str, int], np.ndarray] = {}
    calls: dict[str, int] = {}

    def make_hook(name: str):
        def hook(module, hook_args, hook_kwargs, output):
            call = calls.get(name, 0)
            calls[name] = call + 1
            x = hook_args[0] if hook_args else hook_kwargs["input"]
            hx = hook_args[1] if len(hook_args) > 1 else hook_kwargs.get("hx")
            x_seq, new = _rebuild(name, call, module, x, hx, output)
            inputs[(name, call)] = x_seq
            blocks.extend(new)
        return hook

    modes = {m: m.training for m in model.modules()}
    handles = []
    try:
        for name, m in targets:
            handles.append(m.register_forward_hook(make_hook(name), with_kwargs=True))
        model.eval()
        with torch.no_grad():
            out = model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    if not blocks:
        raise LstmVizError("the model ran but called none of its LSTM/GRU/RNN modules; nothing was recorded")
    trace = Trace(blocks=blocks, inputs=inputs, output=out)
    worst = max(blocks, key=lambda b: b.error)
    if not worst.error <= TOLERANCE:
        raise LstmVizError(f"rebuilt states of {worst.module!r} layer {worst.layer} differ from PyTorch's by "
                           f"{worst.error:.3g} (> {TOLERANCE:g}); please report this model")
    return trace


def _kind(module: nn.Module) -> str:
    return "lstm" if isinstance(module, nn.LSTM) else "gru" if isinstance(module, nn.GRU) else "rnn"


def _rebuild(name: str, call: int, m: nn.Module, x, hx, output) -> tuple[np.ndarray, list[Block]]:
    """Rebuild every layer and direction of one module call; returns (layer-0 input, blocks)."""
    kind = _kind(m)
    if isinstance(x, PackedSequence):
        raise LstmVizError(f"{name!r} was called with a PackedSequence; record each sequence unpacked "
                           "(pad_packed_sequence, then slice to its length)")
    if kind == "lstm" and m.proj_size > 0:
        raise LstmVizError(f"{name!r} uses proj_size={m.proj_size}; LSTMs with projections are not supported yet")
    batched = x.dim() == 3
    out = output[0]
    h_n = output[1][0] if kind == "lstm" else output[1]
    c_n = output[1][1] if kind == "lstm" else None
    h0, c0 = (hx if hx is not None else (None, None)) if kind == "lstm" else (hx, None)
    if batched and m.batch_first:
        x, out = x.transpose(0, 1), out.transpose(0, 1)
    if not batched:  # unbatched (T, I): give it a batch of one, seq-first
        x, out = x.unsqueeze(1), out.unsqueeze(1)
        h_n, h0 = h_n.unsqueeze(1), None if h0 is None else h0.unsqueeze(1)
        c_n, c0 = None if c_n is None else c_n.unsqueeze(1), None if c0 is None else c0.unsqueeze(1)
    T, B, _ = x.shape
    H, D, L = m.hidden_size, 2 if m.bidirectional else 1, m.num_layers
    if h0 is None:
        h0 = x.new_zeros(L * D, B, H)
    if kind == "lstm" and c0 is None:
        c0 = x.new_zeros(L * D, B, H)

    blocks = []
    layer_in = x
    for layer in range(L):
        if layer == L - 1:
            layer_out = out  # PyTorch's own h for the top layer
        else:  # lower layers' h sequences are not in the output: run just this layer with the same kernel
            layer_out = _run_layer(m, kind, layer, layer_in, h0[layer * D:(layer + 1) * D],
                                   None if c0 is None else c0[layer * D:(layer + 1) * D])
        for d in range(D):
            k = layer * D + d
            h_seq = layer_out[..., d * H:(d + 1) * H]  # (T, B, H)
            arrays, err = _rebuild_direction(m, kind, layer, d, layer_in, h_seq, h0[k],
                                             None if c0 is None else c0[k])
            err = max(err, _diff(arrays["h"][0 if d else -1], h_n[k]))
            if c_n is not None:
                last = arrays["c"][0 if d else -1]
                err = max(err, _diff(last, c_n[k]) / max(1.0, float(c_n[k].abs().max())))
            storages = {a.untyped_storage().data_ptr(): a.untyped_storage().nbytes() for a in arrays.values()}
            blocks.append(Block(name, call, layer, d, kind, {q: _frozen(a) for q, a in arrays.items()},
                                err, sum(storages.values())))
        layer_in = layer_out
    return _frozen(x), blocks


def _diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max()) if a.numel() else 0.0


def _frozen(t: torch.Tensor) -> np.ndarray:
    a = t.detach().cpu().numpy()
    a.flags.writeable = False
    return a


def _weights(m: nn.Module, layer: int, d: int) -> list[torch.Tensor]:
    sfx = f"_l{layer}" + ("_reverse" if d else "")
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if m.bias else [])
    return [getattr(m, n + sfx) for n in names]


def _run_layer(m, kind, layer, x, h0, c0):
    """One layer (both directions) through PyTorch's own kernel: (T, B, D*H), seq-first."""
    D = 2 if m.bidirectional else 1
    flat = [w for d in range(D) for w in _weights(m, layer, d)]
    if kind == "lstm":
        return torch._VF.lstm(x, (h0, c0), flat, m.bias, 1, 0.0, False, m.bidirectional, False)[0]
    if kind == "gru":
        return torch._VF.gru(x, h0, flat, m.bias, 1, 0.0, False, m.bidirectional, False)[0]
    fn = torch._VF.rnn_tanh if m.nonlinearity == "tanh" else torch._VF.rnn_relu
    return fn(x, h0, flat, m.bias, 1, 0.0, False, m.bidirectional, False)[0]


def _rebuild_direction(m, kind, layer, d, x, h_seq, h0, c0):
    """Rebuild one layer-direction from its input x (T, B, I) and PyTorch's h_seq (T, B, H).

    Returns ({quantity: (T, B, H) tensor}, max |h - h_seq|).
    """
    T, B, H = h_seq.shape
    reverse = d == 1
    # h_{t-1} in processing order: the reverse direction comes from t+1.
    h_prev = torch.cat([h_seq[1:], h0[None]]) if reverse else torch.cat([h0[None], h_seq[:-1]])
    w = _weights(m, layer, d)
    x2, hp2 = x.reshape(T * B, -1), h_prev.reshape(T * B, H)
    if kind == "gru":  # r multiplies only the hidden part of n, so keep the two halves apart
        gx, gh = x2 @ w[0].T, hp2 @ w[1].T
        if m.bias:
            gx += w[2]
            gh += w[3]
    else:
        pre = torch.addmm(w[2] + w[3], x2, w[0].T) if m.bias else x2 @ w[0].T
        pre.addmm_(hp2, w[1].T)
    if kind == "lstm":
        pre = pre.view(T, B, 4, H)
        pre[:, :, :2].sigmoid_()
        pre[:, :, 3].sigmoid_()
        # A contiguous copy (never a view: h overwrites this slot); tanh is only vectorised on contiguous memory.
        g = pre[:, :, 2].clone(memory_format=torch.contiguous_format).tanh_()
        i, f, h, o = pre.unbind(2)  # g's old slot is reused for h, so the trace holds 6 slots, not 7
        c = _scan(f.reshape(T, B * H), (i * g).reshape(T, B * H), c0.reshape(B * H), reverse).view(T, B, H)
        torch.mul(o, torch.tanh(c), out=h)
        arrays = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
    elif kind == "gru":
        gx, gh = gx.view(T, B, 3, H), gh.view(T, B, 3, H)
        # clone: r and z must not keep the whole (T, B, 3, H) buffer alive
        rz = gx[:, :, :2].add_(gh[:, :, :2]).sigmoid_().clone()
        r, z = rz.unbind(2)
        n = torch.tanh(gx[:, :, 2].addcmul_(r, gh[:, :, 2]))
        h = n + z * (h_prev - n)
        arrays = {"r": r, "z": z, "n": n, "h": h}
    else:
        pre = pre.view(T, B, H)
        h = torch.tanh(pre) if m.nonlinearity == "tanh" else torch.relu(pre)
        arrays = {"h": h}
    return arrays, _diff(h, h_seq)


def _scan(f: torch.Tensor, u: torch.Tensor, c0: torch.Tensor, reverse: bool) -> torch.Tensor:
    """Solve c_t = f_t * c_{t-1} + u_t for f, u (T, N) from c0 (N); returns c (T, N) in f's dtype.

    Blocked, in float64: a sequential pass inside sqrt(T)-long blocks, vectorised across
    blocks, then the carries between blocks, then one vectorised fix-up. About 2*sqrt(T)
    small steps instead of T. Block-major layout (K, nb, N) keeps every step contiguous.
    """
    T, N = f.shape
    K = max(1, math.isqrt(T))
    nb = -(-T // K)
    if reverse:
        f, u = f.flip(0), u.flip(0)
    F = _blocked(f, K, nb, 1.0)
    U = _blocked(u, K, nb, 0.0)
    for k in range(1, K):  # within each block, from a zero carry: U = partial c, F = prod of f so far
        U[k].addcmul_(F[k], U[k - 1])
        F[k].mul_(F[k - 1])
    starts = torch.empty(nb, N, dtype=torch.float64)
    carry = c0.to(torch.float64)
    for j in range(nb):
        starts[j] = carry
        carry = torch.addcmul(U[-1, j], F[-1, j], carry)
    U.addcmul_(F, starts)
    c = torch.empty(T, N, dtype=f.dtype)
    full = T // K
    c[:full * K].view(full, K, N).copy_(U[:, :full].transpose(0, 1))
    if full < nb:
        c[full * K:] = U[:T - full * K, full]
    return c.flip(0) if reverse else c


def _blocked(a: torch.Tensor, K: int, nb: int, pad: float) -> torch.Tensor:
    """a (T, N) -> float64 (K, nb, N) with out[k, j] = a[j*K + k], padded with `pad`."""
    T, N = a.shape
    out = torch.empty(K, nb, N, dtype=torch.float64)
    full = T // K
    out[:, :full].copy_(a[:full * K].view(full, K, N).transpose(0, 1))
    if full < nb:
        rest = T - full * K
        out[:rest, full].copy_(a[full * K:])
        out[rest:, full].fill_(pad)
    return out
