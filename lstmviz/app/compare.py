"""The compare-cells view's parts, on every page: the same run with each cell (LSTM, GRU, RNN) as one
table row and one loss curve each, and their gates on the same input side by side."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from lstmviz import figures

from .display import chart, presenting
from .progress import wait_all
from .words import plain

Row = tuple[list, list[float]]  # a cell's table values (after its name) and its loss curve


def cells_table(jobs: dict, row: Callable[[object], Row | None], columns: list[str], key: str,
                formats: dict[str, str] | None = None, loss_title: str | None = None, note: str | None = None) -> None:
    """Waits for every cell's job (cell -> job, training in the background), then draws a row per cell
    (`row(job)`: its values and loss curve, or None when it has none), the `note` on the table, and
    their loss curves in one chart. A failed cell gets an error line instead of a row."""
    wait_all(jobs)
    rows, curves = [], {}
    for cell, job in jobs.items():
        got = None if job.error else row(job)
        if got is None:
            st.error(f"{cell.upper()}: {plain(job.error or 'no model was trained')}")
            continue
        values, curves[cell.upper()] = got
        rows.append([cell.upper(), *values])
    table = pd.DataFrame(rows, columns=["cell", *columns]).set_index("cell")
    st.table(table.style.format(formats) if formats else table)
    if note:
        st.caption(note)
    chart(figures.loss_curves(curves, **({"title": loss_title} if loss_title else {})), key)


def gates_side_by_side(traces: dict, key: str, input_names: list[str] | None = None,
                       rows: dict[str, list[int]] | None = None) -> None:
    """Each cell's gates on the same input, in matching views (LSTM: i f g o c h; GRU: r z n h; RNN: h);
    rows: cell -> the units to draw (default: all)."""
    if not traces:
        return
    st.markdown("**Their gates and states on the same input** (LSTM: gates i f o, candidate g, states c h; "
                "GRU: gates r z, candidate n, state h; RNN: h only):")
    for tab, (name, trace) in zip(st.tabs([name.upper() for name in traces]), traces.items()):
        with tab:
            scales = figures.PROJECTOR if presenting() else (figures.SEQUENTIAL, figures.DIVERGING)
            chart(figures.gate_heatmaps(trace, input_names=input_names, colorscales=scales,
                                        units=(rows or {}).get(name) or None), f"{key}_{name}")
