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
import threading
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
# Largest allowed |rebuilt - PyTorch| for h and c_n. For an LSTM each unit's error is measured against its
# own cell's size, max(1, its largest |c|), and allowed one machine epsilon more per step (Block.allowed):
# PyTorch's cell rounds as it adds, in proportion to its size, and keeps what it rounded, where the rebuilt
# c (a float64 scan) does not. A float32 counter whose cell grows to 1,573 over 2,001 steps ends 0.1 off:
# 6.9e-5 of its size, within 1e-5 + 2001 * 2^-23. A wrong equation is off by a tenth of the cell and more.
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
    error: float  # max |rebuilt - PyTorch| of h and c_n; for an LSTM each unit's relative to max(1, its largest |c|)
    nbytes: int  # bytes of the buffers behind arrays
    initial: dict[str, np.ndarray] = field(default_factory=dict)  # "h" (and "c"): (B, H), the state before the first step
    allowed: float = TOLERANCE  # the error record accepts: TOLERANCE, plus the dtype's epsilon per step for an LSTM

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
    def allowed(self) -> float:
        """The loosest bound record held a block to (each to its own, Block.allowed): TOLERANCE, more for a
        long LSTM sequence. max_error never exceeds it."""
        return max(b.allowed for b in self.blocks)

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
    Hooks sit on the modules, so they would also see another thread's forward of the same
    model (two sessions of a web app recording one shared model): they record only calls made
    from the thread that called `record`.
    """
    targets = [(name or type(m).__name__.lower(), m) for name, m in model.named_modules()
               if isinstance(m, (nn.LSTM, nn.GRU, nn.RNN))]
    if not targets:
        raise LstmVizError(f"{type(model).__name__} holds no nn.LSTM, nn.GRU or nn.RNN to record")
    blocks: list[Block] = []
    inputs: dict[tuple[str, int], np.ndarray] = {}
    calls: dict[str, int] = {}

    me = threading.get_ident()

    def make_hook(name: str):
        def hook(module, hook_args, *rest):
            # (kwargs, output), or just (output,): while another thread adds or removes its hooks,
            # PyTorch can call a kwargs hook without its kwargs (the two registries race)
            if threading.get_ident() != me:
                return None
            hook_kwargs, output = rest if len(rest) == 2 else ({}, rest[0])
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
    worst = max(blocks, key=lambda b: b.error / b.allowed)
    if not worst.error <= worst.allowed:
        size = " of the cell's size" if worst.kind == "lstm" else ""
        raise LstmVizError(f"rebuilt states of {worst.module!r} layer {worst.layer} differ from PyTorch's by "
                           f"{worst.error:.3g}{size} (> {worst.allowed:.3g}); please report this model")
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
            arrays, dev = _rebuild_direction(m, kind, layer, d, layer_in, h_seq, h0[k],
                                             None if c0 is None else c0[k])
            last = 0 if d else -1
            dev = torch.maximum(dev, (arrays["h"][last] - h_n[k]).abs())
            allowed = TOLERANCE
            if c_n is not None:
                dev = torch.maximum(dev, (arrays["c"][last] - c_n[k]).abs())
                lo, hi = torch.aminmax(arrays["c"], dim=0)
                dev = dev / torch.maximum(hi, -lo).clamp_(min=1.0)  # each unit against its own cell's size
                allowed += torch.finfo(arrays["c"].dtype).eps * len(arrays["c"])
            err = float(dev.max()) if dev.numel() else 0.0
            storages = {a.untyped_storage().data_ptr(): a.untyped_storage().nbytes() for a in arrays.values()}
            initial = {"h": _frozen(h0[k].clone())}
            if c0 is not None:
                initial["c"] = _frozen(c0[k].clone())
            blocks.append(Block(name, call, layer, d, kind, {q: _frozen(a) for q, a in arrays.items()},
                                err, sum(storages.values()), initial, allowed))
        layer_in = layer_out
    return _frozen(x), blocks


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

    Returns ({quantity: (T, B, H) tensor}, max over t of |h - h_seq| for each sample and unit: (B, H)).
    """
    T, B, H = h_seq.shape
    reverse = d == 1
    w = _weights(m, layer, d)
    if kind == "lstm":
        # Two gate buffers, i, f, o side by side and g apart, so that sigmoid and tanh each run
        # once over contiguous memory (both are far slower on short strided rows, and g needs
        # no copy). The trace still holds 6 slots: ifo, g, c and h.
        rows = [*range(2 * H), *range(3 * H, 4 * H)]
        ifo = _pre(x, h_seq, h0, [t[rows] for t in w], reverse).sigmoid_()
        g = _pre(x, h_seq, h0, [t[2 * H:3 * H] for t in w], reverse).tanh_().view(T, B, H)
        i, f, o = ifo.view(T, B, 3, H).unbind(2)
        c = torch.empty(T, B, H, dtype=h_seq.dtype)
        _scan(f.reshape(T, B * H), i.reshape(T, B * H), g.view(T, B * H), c0.reshape(B * H), reverse,
              c.view(T, B * H))
        h = torch.tanh(c).mul_(o)
        arrays = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
    elif kind == "gru":  # r multiplies only the hidden part of n, so keep the two halves apart
        h_prev = torch.cat([h_seq[1:], h0[None]]) if reverse else torch.cat([h0[None], h_seq[:-1]])
        gx, gh = x.reshape(T * B, -1) @ w[0].T, h_prev.reshape(T * B, H) @ w[1].T
        if m.bias:
            gx += w[2]
            gh += w[3]
        gx, gh = gx.view(T, B, 3, H), gh.view(T, B, 3, H)
        # clone: r and z must not keep the whole (T, B, 3, H) buffer alive
        rz = gx[:, :, :2].add_(gh[:, :, :2]).sigmoid_().clone()
        r, z = rz.unbind(2)
        n = torch.tanh(gx[:, :, 2].addcmul_(r, gh[:, :, 2]))
        h = n + z * (h_prev - n)
        arrays = {"r": r, "z": z, "n": n, "h": h}
    else:
        pre = _pre(x, h_seq, h0, w, reverse).view(T, B, H)
        h = pre.tanh_() if m.nonlinearity == "tanh" else pre.relu_()
        arrays = {"h": h}
    return arrays, (h - h_seq).abs_().amax(0) if len(h) else h_seq.new_zeros(h_seq.shape[1:])


def _pre(x, h_seq, h0, w, reverse):
    """Pre-activations (b_ih + b_hh + x_t W_ih^T) + h_{t-1} W_hh^T for every t: (T*B, rows of W).

    Summed in that order, as PyTorch's kernel does (folding x into the h matmul doubles the
    error against PyTorch). h_{t-1} is PyTorch's own h one step earlier in processing order
    (t+1 for the reverse direction), h0 at the first step: the h matmul writes into shifted
    rows, so h_{t-1} is never copied.
    """
    T, B, I = x.shape
    H = h_seq.shape[-1]
    x2, b = x.reshape(T * B, I), w[2] + w[3] if len(w) > 2 else None
    if I == 1:  # an outer product: one broadcast pass instead of addmm's bias copy + matmul
        out = torch.addcmul(b, x2, w[0][:, 0]) if b is not None else x2 * w[0][:, 0]
    else:
        out = torch.addmm(b, x2, w[0].T) if b is not None else x2 @ w[0].T
    h2 = h_seq.reshape(T * B, H)
    first, rest = (out[-B:], out[:-B]) if reverse else (out[:B], out[B:])
    first.addmm_(h0, w[1].T)
    rest.addmm_(h2[B:] if reverse else h2[:-B], w[1].T)
    return out


def _scan(f, i, g, c0, reverse, out):
    """Solve c_t = f_t * c_{t-1} + i_t * g_t for f, i, g (T, N) from c0 (N) into out (T, N).

    Blocked, in float64: a sequential pass inside sqrt(T)-long blocks, vectorised across
    blocks, then the carries between blocks, then one vectorised fix-up. About 2*sqrt(T)
    small steps instead of T. Block-major layout (K, nb, N) keeps every step contiguous;
    the reverse direction runs the same blocks backwards, so nothing is flipped.
    """
    T, N = f.shape
    K = max(1, math.isqrt(T))
    nb = -(-T // K)
    F = torch.empty(K, nb, N, dtype=torch.float64)
    U = torch.empty(K, nb, N, dtype=torch.float64)
    # i*g and f go straight into the float64 block layout (one pass each, no temporaries).
    for (Fb, fb), (Ub, ib), (_, gb) in zip(_blocks(F, f), _blocks(U, i), _blocks(U, g)):
        Fb.copy_(fb)
        torch.mul(ib, gb, out=Ub)
    rest = T - (nb - 1) * K
    F[rest:, -1] = 1.0  # pad the last block with c_t = c_{t-1}, whichever way it is run
    U[rest:, -1] = 0.0
    # Within each block, from a zero carry: U = partial c, F = product of f so far.
    Fk, Uk = F.unbind(0), U.unbind(0)
    steps = range(K - 2, -1, -1) if reverse else range(1, K)
    for k in steps:
        p = k + 1 if reverse else k - 1
        torch.addcmul(Uk[k], Fk[k], Uk[p], out=Uk[k])
        torch.mul(Fk[k], Fk[p], out=Fk[k])
    # Carries: the c each block starts from, block by block (tiny: N values per step).
    last = 0 if reverse else -1
    Fl, Ul = F[last].numpy(), U[last].numpy()
    starts = np.empty((nb, N))
    order = range(nb - 1, -1, -1) if reverse else range(nb)
    carry = c0.detach().double().numpy()
    for j in order:
        starts[j] = carry
        carry = Ul[j] + Fl[j] * carry
    U.addcmul_(F, torch.from_numpy(starts))
    for Ub, cb in _blocks(U, out):
        cb.copy_(Ub)


def _blocks(blocked: torch.Tensor, seq: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Matching (blocked, seq) view pairs, blocked[k, j] <-> seq[j*K + k], covering seq (T, N)."""
    K, T = blocked.shape[0], seq.shape[0]
    full = T // K
    pairs = [(blocked[:, :full], seq[:full * K].unflatten(0, (full, K)).transpose(0, 1))]
    if full * K < T:
        pairs.append((blocked[:T - full * K, full], seq[full * K:]))
    return pairs
