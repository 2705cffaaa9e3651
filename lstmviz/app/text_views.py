"""The text page's views, which only draw a finished run: the text coloured by a unit with LSTMVis-style
span selection (text_view), sampling with the gates as the model writes (generate_view), the loss in
bits per character (training_view), and the three cells side by side (compare_view)."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from lstmviz import analysis, figures
from lstmviz import text as tx
from lstmviz.errors import LstmVizError
from lstmviz.models import count_parameters

from .compare import gates_side_by_side
from .display import chart, plain_text, presenting
from .progress import wait_all
from .state import limits
from .words import plain
from .scrubber import scrubber

EXCERPTS = [300, 600, 1000, 2000]


def _quantity(fit) -> str:
    qs = {"lstm": ["c", "h", "i", "f", "g", "o"], "gru": ["h", "r", "z", "n"], "rnn": ["h"]}[fit.config.model.cell]
    if st.session_state.get("tx_q") not in qs:
        st.session_state["tx_q"] = qs[0]
    return st.radio("Colour by", qs, key="tx_q", horizontal=True,
                    help="c: cell state, h: hidden state; i f o / r z: the gates; g / n: the candidate.")


def _pick_unit(value: int) -> None:
    st.session_state["tx_unit"] = value


def _jump(runs: list[tuple[int, int]]) -> None:
    """The place picker's choice becomes the span; the picker goes back to its prompt."""
    ss = st.session_state
    if ss.get("tx_run") is not None and ss["tx_run"] < len(runs):
        ss["tx_span"] = runs[ss["tx_run"]]
    ss["tx_run"] = None


def _find(full: str, length: int, again: bool) -> None:
    """Select the typed text where it next occurs (from the excerpt's start, or after the span with
    `again`), wrapping round, in any case if it never occurs as typed; the excerpt moves to it when it
    is outside."""
    ss = st.session_state
    needle = ss.get("tx_find", "")
    ss.pop("tx_find_note", None)
    if not needle:
        return
    start, span = ss.get("tx_start", 0), ss.get("tx_span", (0, 0))
    if needle not in full and len(full.lower()) == len(full):  # no exact match: ignore case
        full, needle = full.lower(), needle.lower()
    i = full.find(needle, start + (int(span[0]) + 1 if again else 0))
    i = full.find(needle) if i < 0 else i
    if i < 0:
        ss["tx_find_note"] = f"“{ss['tx_find']}” is not in the text."
        return
    if not start <= i <= i + len(needle) <= start + length:
        start = min(max(0, i - length // 4), max(0, len(full) - length))
        ss["tx_start"] = start
    ss["tx_span"] = (i - start, i - start + len(needle))


def _snippet(text: str, most: int = 24) -> str:
    shown = text.replace("\n", "↵")
    return shown if len(shown) <= most else shown[:most - 1] + "…"


def _ranked_buttons(ranked: list[dict]) -> None:
    """The units most correlated with a feature of the excerpt, each a button that picks it."""
    st.markdown("**Units worth a look** (most correlated with a feature of this excerpt):")
    cols = st.columns(min(2 if presenting() else 3, len(ranked)))
    for j, d in enumerate(ranked):
        weak = analysis.match_strength(d["correlation"]) == "weak"
        # the numbers first: a narrow button cuts its label's end
        cols[j % len(cols)].button(f"unit {d['unit']} · r {d['correlation']:+.2f}{' weak' if weak else ''}: "
                                   f"{d['feature'].replace('_', ' ')}", key=f"tx_rank_{j}", on_click=_pick_unit,
                                   args=(d["unit"],), use_container_width=True,
                                   help=f"{d['feature'].replace('_', ' ')}: "
                                        f"{tx.FEATURES.get(d['feature']) or tx.CODE_FEATURES.get(d['feature'], '')}")
    if any(analysis.match_strength(d["correlation"]) == "weak" for d in ranked):
        st.caption(f"r is the correlation over this excerpt. Below |r| = {analysis.WEAK} a match is weak: the unit "
                   "only partly tracks that feature, and may mix it with other things.")


def first_unit_on(ranked: list[dict], values, threshold: float) -> int:
    """The best-ranked unit that is on somewhere (as the jump list counts places), else the best-ranked: one
    that tracks its feature by going low (r < 0) can stay below the threshold everywhere, and the view would
    open on an empty "jump to where it is on"."""
    return next((d["unit"] for d in ranked if tx.on_runs(values[:, d["unit"]], threshold, shortest=2)),
                ranked[0]["unit"])


def text_view(job, fit, feats=tx.features) -> None:
    full = fit.train_text + fit.val_text
    c1, c2 = st.columns([3, 1])
    length = c2.select_slider("Characters shown", EXCERPTS, 1000, key="tx_len")
    hi = max(0, len(full) - length)
    st.session_state.setdefault("tx_start", min(len(fit.train_text), hi))
    st.session_state["tx_start"] = min(st.session_state["tx_start"], hi)
    start = c1.slider("Start at character", 0, hi, key="tx_start",
                      help="Where the excerpt begins; the held-out part starts at "
                           f"{len(fit.train_text):,}.") if hi > 0 else 0
    excerpt = full[start:start + length]
    trace = job.memo(("rec", start, length), lambda: tx.record_text(fit, excerpt, limits().record_steps))
    q = _quantity(fit)
    values = trace.get(q)  # (T, H)
    H = values.shape[1]
    ranked = tx.rank_units(trace, feats(excerpt), quantity=q, top=1)
    ranked = sorted(ranked, key=lambda d: -abs(d["correlation"]))[:6]
    if st.session_state.get("tx_unit", 0) >= H:
        st.session_state["tx_unit"] = 0
    default_thr = 0.5 if q in "ifozr" else 0.3
    if "tx_unit" not in st.session_state and ranked:
        st.session_state["tx_unit"] = first_unit_on(ranked, values, st.session_state.get(f"tx_thr_{q}", default_thr))
    if ranked:
        _ranked_buttons(ranked)
    c1, c2 = st.columns([1, 3])
    unit = int(c1.number_input("Unit", 0, H - 1, key="tx_unit"))
    lo, hi_v = (0.0, 1.0) if q in "ifozr" else (-1.0, 1.0) if q in "hgn" else (None, None)
    thr = c2.slider("On above", -1.0 if lo is None else lo, 1.0 if hi_v is None else hi_v,
                    st.session_state.get(f"tx_thr_{q}", default_thr), 0.05, key=f"tx_thr_{q}",
                    help="A unit is 'on' where its value is at or above this threshold.")
    T = len(excerpt)
    if "tx_span" in st.session_state:  # a shorter excerpt: keep the selection inside it
        st.session_state["tx_span"] = tuple(min(max(int(e), 0), T) for e in st.session_state["tx_span"])
    else:  # start from a span where the unit in view (or else some unit) fires: the first look finds something
        runs = (tx.on_run(values[:, u], thr) for u in (unit, *range(H)))
        st.session_state["tx_span"] = next((r for r in runs if r), (min(10, T - 1), min(30, T)))
    # Three ways to a span: a place where the unit is on, a piece of text, or the slider to fine-tune.
    runs = tx.on_runs(values[:, unit], thr, shortest=2)[:300]
    c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
    c1.selectbox(f"Jump to where unit {unit} is on ({len(runs)} place{'s' * (len(runs) != 1)})",
                 list(range(len(runs))), index=None, key="tx_run", on_change=_jump, args=(runs,),
                 format_func=lambda j: f"{runs[j][0]}–{runs[j][1]}: {_snippet(excerpt[runs[j][0]:runs[j][1]])}",
                 placeholder="choose a place..." if runs else "never on here: lower the threshold",
                 disabled=not runs)
    c2.text_input("Or find text", key="tx_find", max_chars=200, on_change=_find, args=(full, length, False),
                  placeholder='e.g. " or (', help="Selects where the text next occurs; press Enter.")
    c3.button("Next", key="tx_find_next", on_click=_find, args=(full, length, True),
              disabled=not st.session_state.get("tx_find"), use_container_width=True)
    if st.session_state.get("tx_find_note"):
        st.info(st.session_state["tx_find_note"])
    span = st.slider("Select a span (LSTMVis): which units are on across it and off around it?", 0, T, key="tx_span")
    a, b = int(span[0]), int(span[1])
    spans = []
    if b > a:
        units = tx.select_span(values, a, b, thr)
        plain_text(excerpt[a:b])
        if len(units):
            spans = tx.matches(values, units, thr, min_len=max(1, (b - a) // 2), exclude=(a, b))
            st.markdown(f"**{len(units)} unit(s)** on across the span and off just around it: "
                        f"{', '.join(map(str, units[:20]))}{' ...' if len(units) > 20 else ''}. They are on together "
                        f"at **{len(spans)} other place(s)**, outlined below.")
        else:
            st.info("No unit is on across the whole span and off around it: lower the threshold or pick a "
                    "shorter span.")
    st.html(tx.colored_text_html(excerpt, values[:, unit], vmin=lo, vmax=hi_v, highlight_spans=spans + [(a, b)],
                              label=f"unit {unit} {q}"))
    st.caption("Hover a character for its exact value. Outlined: your span and its matches.")


def generate_view(job, fit, link: dict) -> None:
    c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
    prompt = c1.text_input("Start from", fit.val_text[:40].split("\n")[0] or "The", key="gen_prompt")
    length = c2.number_input("Characters", 10, 400, 200, 10, key="gen_len")
    temperature = c3.slider("Temperature", 0.1, 2.0, 0.8, 0.05, key="gen_temp",
                            help="Low: the likeliest characters, repetitive. High: more surprising, more errors.")
    seed = c4.number_input("Sample seed", 0, 1_000_000, 0, key="gen_seed")
    args = ("gen", prompt, int(length), float(temperature), int(seed))
    try:
        text, trace = job.memo(args, lambda: tx.generate(fit, prompt, int(length), float(temperature), int(seed)))
    except LstmVizError as e:
        st.error(f"{plain(e)}.")
        return
    q = _quantity(fit)
    values = trace.get(q)
    H = values.shape[1]
    top = job.memo((*args, "top", q), lambda: tx.top_units(trace, text, q))
    if st.session_state.get("gen_unit", 0) >= H:
        del st.session_state["gen_unit"]
    st.session_state.setdefault("gen_unit", top[0] if top else 0)
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    unit = int(c1.number_input("Unit", 0, H - 1, key="gen_unit",
                               help="Colours the text, and the cell diagram below shows it."))
    every = c2.toggle(f"All {H} units in the heatmaps", key="gen_all_rows", disabled=not top,
                      help="Off: only the units that best track a feature of this text (quotes, brackets, "
                           "word position...), and the one you picked.")
    rows = None if every or not top else sorted({*top, unit})
    st.html(tx.colored_text_html(text, values[:, unit], highlight_spans=[(0, len(prompt))], label=f"unit {unit} {q}"))
    st.caption("Outlined: your prompt; the rest was sampled one character at a time. Below: the gates as it wrote"
               + (f", for units {', '.join(map(str, rows))}." if rows is not None else "."))
    scrubber(trace, fit.config.model.cell, 0, link, list(fit.vocab.chars), prefix="tg_", unit=unit, rows=rows)


def training_view(fit) -> None:
    chart(figures.loss_curve(fit.train_bpc, fit.val_bpc, title="Loss (bits per character)"), "text_loss")


def compare_view(fit, start: Callable[[tx.TextConfig], object]) -> None:
    """The same text, settings and seed with each cell; `start(config)` gives the training job for a config."""
    jobs = {cell.upper(): start(fit.config.replace(cell=cell)) for cell in ("lstm", "gru", "rnn")}
    wait_all(jobs)
    for name in [name for name, j in jobs.items() if j.error]:
        st.error(f"{name}: {plain(jobs.pop(name).error)}")
    runs: dict[str, tx.TextRun] = {name: j.result for name, j in jobs.items()}
    st.table(pd.DataFrame(
        [[f"{r.bpc:.3f}", f"{r.unigram_bpc:.3f}", f"{count_parameters(r.fit.model):,}", r.fit.result.epochs_run,
          f"{r.fit.result.seconds:.1f}"] for r in runs.values()],
        index=pd.Index(list(runs), name="cell"),
        columns=["held-out bits/char", "unigram", "parameters", "epochs", "train seconds"]))
    curves = {name: r.fit.val_bpc or r.fit.train_bpc for name, r in runs.items()}
    chart(figures.loss_curves(curves, title="Held-out bits per character"), "text_compare")
    excerpt = fit.val_text[:200]
    traces = {name.lower(): j.memo(("rec", "compare"), lambda j=j: tx.record_text(j.result.fit, excerpt))
              for name, j in jobs.items()}
    rows = {cell: sorted(tx.top_units(trace, excerpt)) for cell, trace in traces.items()}
    gates_side_by_side(traces, "text_compare_gates", list(fit.vocab.chars), rows)
    st.caption("The first 200 held-out characters; in each, the units whose h best tracks a feature of the text.")

