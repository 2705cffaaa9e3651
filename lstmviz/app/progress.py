"""Training in progress: the live loss curve with a Stop button, and progress bars for jobs trained side
by side."""
from __future__ import annotations

import time

import streamlit as st

from lstmviz import figures

from .display import chart
from .state import session_id, watchers


def redraw_seconds(watching: int) -> float:
    """Seconds between live redraws when `watching` sessions of this server watch a run: 0.4 s for a
    few, slower as they grow (2 s at most), so a class watching costs the server little."""
    return min(2.0, 0.4 * max(1.0, watching / 4))


def _status(job, p) -> str:
    """The bar's words: the run's place in the queue while it waits, else its epoch and time left."""
    waiting = job.waiting_text
    if waiting:
        return waiting
    eta = f", about {p.eta:.0f} s left" if p.eta is not None else ""
    return f"epoch {p.epoch} of {p.epochs} · {p.elapsed:.1f} s{eta}"


def wait_all(jobs: dict) -> None:
    """A progress bar per unfinished job (name -> job) until all are done; they train in the background."""
    running = [name for name, job in jobs.items() if not job.done]
    bars = {name: st.progress(0.0, text=f"{name.upper()}: starting") for name in running}
    while any(not jobs[name].done for name in running):
        for name in running:
            p = jobs[name].progress()
            bars[name].progress(min(p.epoch / max(p.epochs, 1), 1.0),
                                text=f"{name.upper()}: {jobs[name].waiting_text or f'epoch {p.epoch} of {p.epochs}'}")
        time.sleep(0.3)
    for bar in bars.values():
        bar.empty()


def watch(job, loss_title: str | None = None, scale: float = 1.0, state_key: str = "job_key") -> None:
    """Live loss curve, progress (its place in the queue while it waits) and a Stop button while the job runs;
    reruns the page when done.

    The bar and the chart are drawn at once, empty, so the layout does not jump as training runs.
    Jobs are shared: only the session that started one can stop it; the others can stop watching
    (`state_key` is where this session keeps the job's key), and it trains on for whoever else waits."""
    st.subheader("Training")
    me = session_id()
    if job.owner in (None, me):
        st.button("Stop training", on_click=job.stop, args=(me,), key="stop", disabled=job.stop_requested)
    else:
        st.button("Stop watching", on_click=st.session_state.pop, args=(state_key, None), key="stop",
                  help="Someone else started this same training; it goes on for them. Press Train to watch again.")
    bar, plot = st.empty(), st.empty()
    title = {"title": loss_title} if loss_title else {}
    p = job.progress()
    bar.progress(0.0, text=job.waiting_text or f"epoch 0 of {p.epochs} · starting")
    chart(figures.loss_curve([], None, p.epochs, **title), "live_loss_0", plot)
    scaled = (lambda xs: [x * scale for x in xs]) if scale != 1.0 else (lambda xs: xs)  # noqa: E731
    drawn = 0
    count = watchers()
    count.add(1)
    try:
        while not job.wait(redraw_seconds(count.n)):
            p = job.progress()
            bar.progress(min(p.epoch / max(p.epochs, 1), 1.0), text=_status(job, p))
            if p.epoch > drawn:  # redraw only on news; each drawing needs its own key (identical charts clash)
                drawn = p.epoch
                chart(figures.loss_curve(scaled(p.losses), scaled(p.val_losses), p.epochs, **title),
                      f"live_loss_{drawn}", plot)
    finally:
        count.add(-1)
    st.rerun()
