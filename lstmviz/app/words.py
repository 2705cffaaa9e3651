"""Words every page uses: user text made safe for Markdown, numbers as tables show them, the Cell help."""
from __future__ import annotations

import re

# The Cell control's help on every page. g and n are candidates, not gates: a gate multiplies.
CELL_HELP = ("LSTM: 3 gates (input i, forget f, output o), a candidate g and a cell state c. "
             "GRU: 2 gates (reset r, update z) and a candidate n. RNN: no gates.")


def plain(text) -> str:
    """User-supplied text (file and column names, typed tokens) shown as itself, not as Markdown."""
    return re.sub(r"([\\`*_\[\]$~|<>#])", r"\\\1", str(text))


def number(v) -> str:
    """An error metric as a table shows it: 2 decimals from 1 up (16.46), 3 significant digits below (a sine
    forecaster's 0.00352 read as 0.00; seasonal naive's exact 3.44e-15 as well), n/a when there is none."""
    if v is None or v != v:
        return "n/a"
    return f"{v:,.2f}" if abs(v) >= 1 else "0" if v == 0 else f"{v:.3g}"
