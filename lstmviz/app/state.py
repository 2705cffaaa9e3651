"""This server's shared state: the training registry, the limits, cached readers of uploads, and this
session's id and widget values."""
from __future__ import annotations

import threading

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lstmviz.bundle import read_bundle
from lstmviz.data import load_csv
from lstmviz.errors import LstmVizError
from lstmviz.jobs import Registry, backend_from_env
from lstmviz.limits import Limits


@st.cache_resource
def registry() -> Registry:
    """Training jobs shared by every session: identical (data, config) trains once. The engine (an
    embedded Dask cluster, or LSTMVIZ_SCHEDULER's) starts in the background when the first page is drawn
    (start_engine), or at the first run if that comes sooner."""
    return Registry(engine=backend_from_env(start=False))


def start_engine() -> None:
    """Start the engine (no-op when it is started or starting, or runs train in this process)."""
    engine = registry().engine
    if engine is not None:
        engine.start()


class Watchers:
    """How many sessions of this server watch a run live now: their redraw rate falls as they grow."""

    def __init__(self):
        self.n = 0
        self._lock = threading.Lock()

    def add(self, k: int) -> int:
        with self._lock:
            self.n += k
            return self.n


@st.cache_resource
def watchers() -> Watchers:
    return Watchers()


def limits() -> Limits:
    """This server's limits (LSTMVIZ_* environment variables; see lstmviz/limits.py and the README)."""
    return Limits.from_env()


@st.cache_resource(max_entries=8, show_spinner="Reading the CSV...")
def read_csv(data: bytes, max_rows: int, max_bytes: int):
    """A parsed CSV, shared read-only: cache_data would pickle a million-row table on every rerun."""
    return load_csv(data, max_rows=max_rows, max_bytes=max_bytes)


@st.cache_resource(max_entries=4, show_spinner="Reading the run bundle...")
def read_run_bundle(data: bytes, max_rows: int):
    """A parsed run bundle, shared read-only (not parsed again on every rerun)."""
    return read_bundle(data, max_rows)


def upload_bytes(up) -> bytes:
    """An uploaded file's bytes, or LstmVizError when it is above this server's upload limit."""
    lim = limits()
    if up.size > lim.upload_bytes:
        raise LstmVizError(f"the file is {up.size / 1e6:.1f} MB; this server allows {lim.upload_mb:g} MB")
    return up.getvalue()


def session_id() -> str | None:
    """This browser session's id (jobs remember who started them)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def keep_widgets(*keys: str) -> None:
    """Keep these widgets' values through runs that do not draw them (Streamlit drops those)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
