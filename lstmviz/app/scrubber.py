"""The timestep scrubber: slider, step buttons, Play at a chosen speed, and what hangs on it
(the gate heatmaps, the cell diagram, the equations with one step's numbers filled in).

Shared by the forecast, task and text pages; each keeps its own state under its key prefix.
"""
from __future__ import annotations

import time

import numpy as np
import streamlit as st

from lstmviz import analysis, figures

from . import links
from .display import chart, presenting

SPEEDS = [0.5, 1, 2, 3, 5, 10]  # steps per second a class can follow, slowest to fastest
DEFAULT_SPEED = 2
MIN_FRAME = 0.5  # seconds: the fastest redraw; faster, a busy browser falls behind the server's frames
MAX_GAP = 3.0  # seconds: after a stall (a hidden tab, a busy server) play goes on rather than leaps
NAMES = ("t", "unit", "units", "play", "speed")


def keys(prefix: str) -> tuple[str, ...]:
    """The session-state keys of one page's scrubber (kept while another view is open)."""
    return tuple(prefix + name for name in NAMES)


def frame_seconds(speed: float) -> float:
    """How often a playing scrubber redraws: every step, or, above 1 / MIN_FRAME steps/s, every few."""
    return max(1.0 / speed, MIN_FRAME)


def advance(t: int, T: int, speed: float, elapsed: float, carry: float = 0.0) -> tuple[int, float]:
    """Where play stands `elapsed` seconds after step t at `speed` steps/s, wrapping at T, and the
    part of a step not yet taken (carried into the next frame, so 0.5 steps/s moves every 2 s).

    Steps follow the clock, not the frame count: when a redraw takes longer than a frame, play
    skips steps and keeps its speed instead of slowing down."""
    total = min(max(elapsed, 0.0), MAX_GAP) * speed + carry
    k = int(total + 1e-9)  # 0.3 s * 10 steps/s is 2.9999999999999996 in floating point: still 3 steps
    return (t + k) % T, max(total - k, 0.0)


def _css(key: str) -> str:
    """The diagram beside the equations while both fit, else one above the other; the equations'
    type shrinks (down to its width) rather than be cut off on the right."""
    box = f".st-key-{key}"
    return (f"<style>{box} [data-testid='stHorizontalBlock'] {{ flex-wrap: wrap; }}"
            f"{box} [data-testid='stColumn'] {{ min-width: min(100%, 28rem); }}"
            f"{box} [data-testid='stColumn']:last-child {{ container-type: inline-size; }}"
            f"{box} .katex-display {{ overflow: hidden; padding: 0 0.25em; }}"
            f"{box} .katex-display > .katex {{ font-size: min(1.21em, calc(100cqi / 22)); }}</style>")


def scrubber(trace, kind: str, layer: int, link: dict, input_names: list[str] | None = None,
             prefix: str = "gv_", times: np.ndarray | None = None, unit: int | None = None,
             rows: list[int] | None = None) -> None:
    """The timestep scrubber and what hangs on it: a fragment, so moving it re-runs only this part.
    The cell diagram and its equations come first, right under the controls, so a class sees the
    step being taken without scrolling; the heatmaps below give the whole run.

    `times` (T,): the date of each step, for the heatmaps' time axis and the step's heading. A page
    that picks the unit itself passes it as `unit` (no second Unit control); `rows` keeps only those
    units in the heatmaps."""
    ss = st.session_state
    kt, ku, kus, kp, ksp = keys(prefix)
    kclock = prefix + "clock"
    playing = bool(ss.get(kp, False))
    if ss.get(ksp) not in SPEEDS:
        ss[ksp] = DEFAULT_SPEED
    speed = ss[ksp]
    T, _, H = trace.block(layer=layer).shape
    links.to_widget("t", kt, lo=0, hi=T - 1)
    links.to_widget("unit", ku, lo=0, hi=H - 1)
    if not set(ss.get(kus, [])) <= set(range(H)):
        del ss[kus]  # another model with fewer units
    if kus not in ss:  # lines to look at at once (measured only when there is no choice yet, not every run)
        ss[kus] = analysis.liveliest_units(trace.get("h", layer=layer, sample=0))
    fixed = unit  # the body's own `unit` is the one shown
    if fixed is not None:
        ss[ku] = int(fixed)
    present = presenting()
    scales = figures.PROJECTOR if present else (figures.SEQUENTIAL, figures.DIVERGING)
    st.html(_css(prefix + "cell"))

    # A click that starts or stops play reruns the page (below), and that run presses the button
    # again (Streamlit keeps the click through st.rerun), with the arguments of the button as redrawn:
    # Pause would become Play again. `kreplay` marks that run, and its clicks are ignored.
    kreplay = prefix + "replay"

    def play(on: bool):
        if not ss.get(kreplay):
            ss[kp] = on
            ss[kclock] = (time.monotonic(), 0.0, int(ss.get(kt, 0)))

    def goto(t: int):
        if not ss.get(kreplay):
            ss[kp] = False
            ss[kt] = t

    @st.fragment(run_every=frame_seconds(speed) if playing else None)
    def body():
        ss[kreplay] = False
        if ss.get(kt, 0) >= T:
            ss[kt] = T - 1
        if ss.get(ku, 0) >= H:
            ss[ku] = 0
        if ss.get(kp, False):
            # Play keeps its own place: a browser busy drawing sends back the slider's value of a
            # frame or more ago, and taking it would make play jump back. To drag, pause first.
            now = time.monotonic()
            last, carry, pos = ss.get(kclock, (now, 0.0, int(ss.get(kt, 0))))
            t, carry = advance(pos, T, float(ss[ksp]), now - last, carry)
            ss[kt], ss[kclock] = t, (now, carry, t)
        c1, c2 = st.columns([5, 1.3] if present else [6, 1], vertical_alignment="bottom")
        t = c1.slider("Timestep t", 0, T - 1, key=kt,
                      help="Move through time; every plot marks this step. While Play runs, the slider follows it.")
        if fixed is None:
            unit = c2.number_input("Unit", 0, H - 1, key=ku, help="Which memory cell the diagram shows.")
        else:
            unit = fixed
            c2.caption(f"Unit {fixed}, as chosen above")
        b = st.columns([1, 1.5, 1, 4.5], vertical_alignment="bottom")
        on = bool(ss.get(kp))
        b[0].button("◀", key=prefix + "back", on_click=goto, args=((t - 1) % T,), help="One step back (pauses).",
                    use_container_width=True)
        b[1].button("Pause" if on else "Play", key=prefix + "playbtn", on_click=play, args=(not on,), type="primary",
                    help="Step through time by itself, at the speed beside.", use_container_width=True)
        b[2].button("▶", key=prefix + "next", on_click=goto, args=((t + 1) % T,), help="One step forward (pauses).",
                    use_container_width=True)
        b[3].select_slider("Speed (steps per second)", SPEEDS, key=ksp, format_func=lambda v: f"{v:g}",
                           help="How fast Play moves through time.")
        if bool(ss.get(kp)) != playing or (playing and ss[ksp] != speed):
            ss[kreplay] = True
            st.rerun()  # the refresh rate changes with play/pause and speed: rerun the page to apply it
        links.set_param("t", int(t))  # a fragment run does not rerun the page: keep the link current
        links.set_param("unit", int(unit))
        v = analysis.step_values(trace, int(unit), int(t), layer=layer)
        with st.container(key=prefix + "cell"):
            c1, c2 = st.columns(2)
            chart(figures.cell_diagram(kind, v, int(unit), int(t), colorscales=scales,
                                       **(dict(font_size=18, height=480) if present else {})), "cell_diagram", c1,
                  scale_fonts=False)
            with c2:
                when = f" ({figures.date_label(times[int(t)])})" if times is not None else ""
                st.markdown(f"**Unit {unit} at t = {t}**{when}, with the numbers filled in:")
                st.latex(analysis.equations_latex(kind, v))
        chart(figures.gate_heatmaps(trace, layer=layer, t=t, t_range=figures.heatmap_window(t, T), colorscales=scales,
                                    input_names=input_names, times=times, units=rows), "heatmaps")
        units = st.multiselect("Units to follow", list(range(H)), key=kus,
                               help="Lines of every quantity for the units you pick.")
        if units:
            chart(figures.unit_lines(trace, units, layer=layer, t=t), "unit_lines")

    body()
    link.update(t=str(int(ss.get(kt, 0))), unit=str(int(ss.get(ku, 0))))
