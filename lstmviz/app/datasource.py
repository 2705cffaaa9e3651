"""The sidebar's uploaded-CSV controls: which series (long format), which column, missing values; then a
preview of what was read (the first rows, the chosen column highlighted), so a wrong guess shows before
anyone trains."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lstmviz.csvtable import Table
from lstmviz.series import Series

from .words import plain

HIGHLIGHT = "background-color: rgba(255, 160, 0, 0.28); font-weight: 600"


def pick_series(table: Table) -> Series:
    """Draws the CSV controls and the preview; returns the chosen series (InputError if it is unusable)."""
    series_id = None
    if table.id_column is not None:
        series_id = st.selectbox("Series", list(table.ids), key="csv_series",
                                 help=f"This file holds {len(table.ids):,} series, one per value of its "
                                      f"'{table.id_column}' column (long format). Pick the one to model.")
    column = st.selectbox("Column", table.numeric_columns, key="csv_column", help="The numeric column to model.")
    missing = st.radio("Missing values", ["interpolate", "drop"], horizontal=True, key="csv_missing",
                       help="Fill gaps by straight lines between neighbours, or leave those rows out.")
    series = table.series(column, missing, series_id)
    st.caption(describe(table, series, missing))
    st.dataframe(_styled(table.preview(column, series_id), column), hide_index=True, width="stretch", height="auto")
    return series


def describe(table: Table, series: Series, missing: str) -> str:
    """One caption: the time column and its span, the count, what was skipped or dropped."""
    time = table.time_column
    span = ""
    if series.time is not None and len(series):
        span = f" ({_when(series.time[0])} to {_when(series.time[-1])})"
    parts = [f"Time column: **{plain(time or 'none found')}**{span}"]
    if table.id_column is not None:
        parts.append(f"{len(table.ids):,} series in **{plain(table.id_column)}**")
    parts.append(f"{len(series):,} values")
    parts.append(f"missing: **{series.missing}**" + (f" ({missing}d)" if series.missing else ""))
    if series.season:
        parts.append(f"season {series.season}")
    if table.index_column is not None and table.index_column != time:
        parts.append(f"**{plain(table.index_column)}** is a row index, not values")
    text = " · ".join(parts)
    if table.notes:
        text += ". " + " ".join(n[:1].upper() + n[1:] for n in table.notes)
    return text


def _when(t) -> str:
    if isinstance(t, np.datetime64):
        ts = pd.Timestamp(t)
        return ts.strftime("%Y-%m-%d %H:%M") if (ts.hour or ts.minute) else ts.strftime("%Y-%m-%d")
    return plain(t)


def _styled(frame: pd.DataFrame, column: str):
    """The chosen column highlighted; numbers with the digits the file gave (100.38, not 100.380000)."""
    numbers = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    return (frame.style.format(_number, subset=numbers, na_rep="")
            .set_properties(subset=[column], **dict(p.split(": ") for p in HIGHLIGHT.split("; "))))


def _number(v: float) -> str:
    return np.format_float_positional(v, trim="-") if abs(v) < 1e15 else repr(float(v))
