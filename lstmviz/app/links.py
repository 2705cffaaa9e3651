"""Links that reproduce a run: the page's settings <-> st.query_params.

On a session's first run, `read_link` checks every parameter of the link: a value of the wrong
kind is ignored, a number outside its control's range is clamped, and each is listed in a notice
(never an exception). Source and presenter settings go straight into session state; model and view
settings wait until their controls are drawn, where the data-dependent ranges are known
(`take`). After every run, `write_link` puts what is on the screen back into the address bar.
"""
from __future__ import annotations

import math
import re

import streamlit as st

VIEW = ("view", "on", "start", "epoch", "layer", "t", "unit")  # a forecast's view: what its run bundle keeps
ALWAYS = {"explore", "present", "lesson"}  # read by app.py whichever page shows
MAX_VALUE_CHARS = 4000  # typed numbers travel in the link up to this length
# linear-time (no nested quantifiers that could backtrack), and only ever run on short values
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
MAX_NUMBER_CHARS = 32


def notice(text: str) -> None:
    """Queue a line for the link notice shown at the top of the page."""
    st.session_state.setdefault("link_notices", []).append(text)


def read_link(known: set[str]) -> None:
    """Once per session: take the link's parameters into session state (pending ones for later); a name
    no page reads (not in `known`, every page's LINKS) is dropped with a notice."""
    if st.session_state.get("link_read"):
        return
    st.session_state["link_read"] = True
    params = {}
    try:
        params = {str(k): str(v) for k, v in st.query_params.to_dict().items()}
    except Exception:  # a query string Streamlit cannot read: start clean rather than fail
        notice("the link's settings could not be read and were ignored")
    pending = {}
    for name, value in params.items():
        if name not in known and name not in ALWAYS:
            notice(f"unknown setting {_show(name)} ignored")
        elif len(value) > MAX_VALUE_CHARS:
            notice(f"{name}: the value is too long ({len(value):,} characters) and was ignored")
        else:
            pending[name] = value
    st.session_state["link"] = pending


def drop_other_modes(reads: set[str]) -> None:
    """Forget link parameters the page does not read (its LINKS), with a notice (so a forecasting link's
    epochs never land on the tasks page's slider)."""
    link = st.session_state.get("link", {})
    for name in [k for k in link if k not in ALWAYS and k not in reads]:
        notice(f"{name} does not apply to this page; ignored")
        del link[name]


def consume(name: str) -> str | None:
    """The link's raw value for `name`, once: later runs see the widget's own state."""
    return st.session_state.get("link", {}).pop(name, None)


def value(name: str) -> str | None:
    return st.session_state.get("link", {}).get(name)


def to_widget(name: str, key: str, *, lo=None, hi=None, options=None, kind=int, snap=False, step=None) -> None:
    """Move the link's value for `name` into the widget state `key`, checked against the control.

    Numbers are clamped to [lo, hi] (and rounded to `step`); with `options`, a value must be one
    of them, or with snap=True the nearest one is used. Anything else is ignored with a notice.
    """
    raw = consume(name)
    if raw is None:
        return
    value = parse(name, raw, kind, options if not snap else None)
    if value is None:
        return
    if options is not None and snap:
        near = min(options, key=lambda o: abs(math.log(o) - math.log(value)) if o > 0 and value > 0 else abs(o - value))
        if near != value:
            notice(f"{name}={_show(raw)} is not offered; using the nearest, {near:g}")
        value = near
    if lo is not None and hi is not None:
        clamped = min(max(value, lo), hi)
        if step:
            clamped = min(max(lo + round((clamped - lo) / step) * step, lo), hi)
        if clamped != value:
            notice(f"{name}={_show(raw)} is outside {lo:g} to {hi:g}; using {clamped:g}")
        value = kind(clamped)
    st.session_state[key] = value


def parse(name: str, raw: str, kind=int, options=None):
    """The link value as `kind` (or one of `options`), or None with a notice saying why it was ignored."""
    if options is not None and kind is str:
        if raw in options:
            return raw
        notice(f"{name}={_show(raw)} is not one of {', '.join(map(str, options))}; ignored")
        return None
    if len(raw) > MAX_NUMBER_CHARS or not _NUMBER.match(raw.strip()):
        notice(f"{name}={_show(raw)} is not a number; ignored")
        return None
    x = float(raw)
    if not math.isfinite(x) or (kind is int and x != int(x)):
        notice(f"{name}={_show(raw)} is not a {'whole ' if kind is int else ''}number; ignored")
        return None
    value = kind(x)
    if options is not None and value not in options:
        notice(f"{name}={_show(raw)} is not one of {', '.join(f'{o:g}' for o in options)}; ignored")
        return None
    return value


def flag(raw: str | None, name: str = "present") -> bool | None:
    if raw is None:
        return None
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    notice(f"{name}={_show(raw)} is not 1 or 0; ignored")
    return None


def write_link(params: dict[str, str]) -> None:
    """Make the address bar say `params` (only when it differs, so history is not flooded)."""
    params = {k: v for k, v in params.items() if v is not None and len(v) <= MAX_VALUE_CHARS}
    try:
        if st.query_params.to_dict() != params:
            st.query_params.from_dict(params)
    except Exception:  # the link is a convenience; the page must not fail for it
        pass


def set_param(name: str, value) -> None:
    """Change one parameter of the link (from a fragment, which does not rerun the page)."""
    try:
        if st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)
    except Exception:
        pass


def show_notices() -> None:
    notes = st.session_state.pop("link_notices", None)
    if notes:
        st.warning("From the link: " + "; ".join(notes) + ".", icon=":material/link:")


def _show(text: str) -> str:
    """A short quote of a user's value that Markdown shows as itself: a code span (no links, no
    emphasis), without backticks or line breaks that could end it."""
    text = text if len(text) <= 40 else text[:37] + "..."
    text = re.sub(r"[`\x00-\x1f\x7f]", "?", text)
    return f"`'{text}'`"
