"""Words every page uses: user text made safe for Markdown, and the Cell control's help."""
from __future__ import annotations

import re

# The Cell control's help on every page. g and n are candidates, not gates: a gate multiplies.
CELL_HELP = ("LSTM: 3 gates (input i, forget f, output o), a candidate g and a cell state c. "
             "GRU: 2 gates (reset r, update z) and a candidate n. RNN: no gates.")


def plain(text) -> str:
    """User-supplied text (file and column names, typed tokens) shown as itself, not as Markdown."""
    return re.sub(r"([\\`*_\[\]$~|<>#])", r"\\\1", str(text))
