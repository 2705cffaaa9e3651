"""K small recurrent nets trained as one: their parameters stacked on a member axis, one forward for all.

Tiny nets on a CPU spend their time in per-operation overhead, not arithmetic, so K of them cost
little more than one when each operation does the work of all K at once (batched matmuls over the
member axis). Each member keeps its own weights, its own Adam state (Adam works element by element)
and its own gradient clipping, so member k learns as it would alone, up to float rounding.
After training, `unpack` gives each member back as an ordinary SequenceModel (nn.LSTM inside):
that is what forecasts and what the gate view records.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .errors import InputError
from .models import SequenceModel
from .train import Epoch, TrainConfig, TrainData, TrainResult, train

__all__ = ["Packed", "train_members"]

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


class Packed(nn.Module):
    """K SequenceModels of one shape (one output, no dropout) as one module: x (B, T, I) -> (B, K).

    Every parameter is the members' tensors stacked: (K, *shape), under the member's state_dict key
    with '.' written '__'.
    """

    def __init__(self, members: list[SequenceModel]):
        super().__init__()
        first = members[0]
        rec = first.recurrent
        if first.per_step or first.head.out_features != 1 or (rec.num_layers > 1 and rec.dropout > 0):
            raise InputError("only one-output models without dropout can be trained as an ensemble")
        if not rec.bias or rec.bidirectional:
            raise InputError("ensembles need a one-direction recurrent layer with biases")
        self.cell, self.k, self.layers, self.hidden = first.cell, len(members), rec.num_layers, rec.hidden_size
        self.keys = list(first.state_dict())
        states = [m.state_dict() for m in members]
        for key in self.keys:
            stacked = torch.stack([s[key].detach() for s in states]).clone()
            self.register_parameter(key.replace(".", "__"), nn.Parameter(stacked))

    def _p(self, key: str) -> torch.Tensor:
        return getattr(self, key.replace(".", "__"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        K, H, c = self.k, self.hidden, self.cell
        inp = x.unsqueeze(0).expand(K, *x.shape)  # (K, B, T, I): every member reads the same windows
        B, T = x.shape[0], x.shape[1]
        for layer in range(self.layers):
            w_ih, w_hh = self._p(f"{c}.weight_ih_l{layer}"), self._p(f"{c}.weight_hh_l{layer}")  # (K, G*H, I|H)
            b_ih, b_hh = self._p(f"{c}.bias_ih_l{layer}"), self._p(f"{c}.bias_hh_l{layer}")  # (K, G*H)
            xw = torch.matmul(inp, w_ih.transpose(1, 2).unsqueeze(1)) + b_ih[:, None, None]  # (K, B, T, G*H)
            # one unbind, not T selects: each select's backward would add into a zero tensor of xw's full size
            steps = xw.unbind(2)
            h = x.new_zeros(K, B, H)
            cs = x.new_zeros(K, B, H)
            outs = []
            for t in range(T):
                hw = torch.baddbmm(b_hh.unsqueeze(1), h, w_hh.transpose(1, 2))  # (K, B, G*H)
                xt = steps[t]
                if c == "lstm":  # PyTorch's gate order: i, f, g, o; one sigmoid for all four (fewer ops)
                    gates = xt + hw
                    i, f, _, o = torch.sigmoid(gates).chunk(4, -1)
                    g = torch.tanh(gates[..., 2 * H:3 * H])
                    cs = f * cs + i * g
                    h = o * torch.tanh(cs)
                elif c == "gru":  # r, z, n; the reset gate scales W_hn h + b_hn, as nn.GRU does
                    xr, xz, xn = xt.chunk(3, -1)
                    hr, hz, hn = hw.chunk(3, -1)
                    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                    h = (1 - z) * torch.tanh(xn + r * hn) + z * h
                else:
                    h = torch.tanh(xt + hw)
                outs.append(h)
            inp = torch.stack(outs, 2)  # (K, B, T, H)
        out = torch.baddbmm(self._p("head.bias").unsqueeze(1), inp[:, :, -1], self._p("head.weight").transpose(1, 2))
        return out[..., 0].T  # (B, K)

    def clip_members_(self, max_norm: float) -> None:
        """Per-member gradients as each member alone would have them: train() calls this instead of
        clip_grad_norm_. The loss is the members' mean, so each member's gradient arrives divided by K."""
        grads = [p.grad for p in self.parameters() if p.grad is not None]
        for g in grads:
            g.mul_(self.k)
        if max_norm > 0:  # as clip_grad_norm_, but one norm per member
            norms = torch.sqrt(sum(g.pow(2).reshape(self.k, -1).sum(1) for g in grads))
            coef = (max_norm / (norms + 1e-6)).clamp(max=1.0)
            for g in grads:
                g.mul_(coef.view(-1, *[1] * (g.dim() - 1)))

    def activation_units(self) -> int:
        """Units a timestep holds activations for (train's batch cap reads it)."""
        return self.k * self.hidden * self.layers

    def member_state(self, state: dict, k: int) -> dict:
        """Member k's state_dict from a state_dict of this module."""
        return {key: state[key.replace(".", "__")][k].clone() for key in self.keys}

    def unpack(self, members: list[SequenceModel]) -> None:
        """Load each member's trained weights back into `members` (the models it was built from)."""
        state = self.state_dict()
        for k, m in enumerate(members):
            m.load_state_dict(self.member_state(state, k))
            m.eval()


def train_members(members: list[SequenceModel], data: TrainData, config: TrainConfig,
                  on_epoch: Callable[[Epoch], bool | None] | None = None,
                  max_seconds: float | None = None) -> TrainResult:
    """Train `members` together, in place; the result's losses are the members' mean and its
    snapshots are member 0's state_dicts (the one the gate view shows)."""
    packed = Packed(members)
    K = packed.k
    y = data.y.expand(-1, K)
    y_val = data.y_val.expand(-1, K) if data.y_val is not None else None
    result = train(packed, TrainData(data.X, y, data.X_val, y_val), config, on_epoch, max_seconds)
    packed.unpack(members)
    result.snapshots = [(e, packed.member_state(s, 0)) for e, s in result.snapshots]
    return result
