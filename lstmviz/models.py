"""Small sequence models for the app: a recurrent cell (LSTM, GRU or RNN) plus a linear head."""
from __future__ import annotations

import torch
from torch import nn

from .errors import InputError

__all__ = ["SequenceModel", "CELLS", "count_parameters"]


def count_parameters(model: nn.Module) -> int:
    """How many numbers the model learns."""
    return sum(p.numel() for p in model.parameters())

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class SequenceModel(nn.Module):
    """A batch-first recurrent net whose head reads the last timestep.

    x: (B, T, input_size) -> (B, output_size), or (B, T, output_size) with per_step=True (a head on
    every timestep: next-character models, per-step labels). The recurrent submodule is named after
    its cell ("lstm", "gru" or "rnn"), so traces and state_dict keys say what it is.
    """

    def __init__(self, cell: str = "lstm", input_size: int = 1, hidden_size: int = 32,
                 num_layers: int = 1, dropout: float = 0.0, output_size: int = 1, per_step: bool = False):
        super().__init__()
        if cell not in CELLS:
            raise InputError(f"cell must be one of {', '.join(CELLS)}, not {cell!r}")
        self.cell = cell
        self.per_step = per_step
        # nn.LSTM warns when dropout is set on a single layer, where it does nothing.
        self.add_module(cell, CELLS[cell](input_size, hidden_size, num_layers, batch_first=True,
                                          dropout=dropout if num_layers > 1 else 0.0))
        self.head = nn.Linear(hidden_size, output_size)

    @property
    def recurrent(self) -> nn.Module:
        return getattr(self, self.cell)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.recurrent(x)  # (B, T, H)
        return self.head(out if self.per_step else out[:, -1])
