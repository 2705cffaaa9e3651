"""The text part of the page: a character-level model trained live in bits per character, the text
coloured by any unit, LSTMVis-style span selection with matches, and sampling."""
from __future__ import annotations

import hashlib
import math

import pandas as pd
import streamlit as st

from lstmviz import text as tx
from lstmviz import analysis, figures
from lstmviz.errors import LstmVizError
from lstmviz.jobs import FunctionJob
from lstmviz.models import count_parameters
from lstmviz.textviz import colored_text_html

from . import links
from .compare import gates_side_by_side
from .display import chart, pick_view, presenting
from .nextstep import job_result, main_train_button, this_data, train_button, trained_caption
from .progress import wait_all, watch
from .state import limits, registry, session_id, upload_bytes
from .words import plain
from .scrubber import keys as scrub_keys
from .scrubber import scrubber

SOURCES = {"stories": "Built-in: stories (~100 KB)", "brackets": "Built-in: nested brackets",
           "typed": "Type or paste", "upload": "Upload a .txt file"}
VIEWS = ["Text", "Generate", "Training", "Compare cells"]
VIEW_SLUGS = {"text": VIEWS[0], "generate": VIEWS[1], "training": VIEWS[2], "compare": VIEWS[3]}
EXCERPTS = [300, 600, 1000, 2000]
# the Text and Generate views' settings, kept while another view is open (app.main)
# the link parameters this page reads
LINKS = frozenset({"text", "seqlen", "cell", "hidden", "epochs", "lr", "seed", "view", "t", "unit"})
KEEP = ("tx_len", "tx_start", "tx_unit", "tx_span", "tx_find", *(f"tx_thr_{q}" for q in "ifgocrznh"),
             "gen_prompt", "gen_len", "gen_temp", "gen_seed", "gen_unit", "gen_all_rows", *scrub_keys("tg_"))
SEQ_LENS = [25, 50, 100, 200]
LRS = [1e-3, 3e-3, 1e-2, 3e-2]
BITS = 1 / math.log(2)
EXAMPLE = ('She said, "Look at the quotes (and the brackets)." He said, "I see them." '
           "Then they walked home (slowly) and said nothing. ") * 40


def _source(link: dict):
    """Sidebar: the text. Returns (text or None, a key for the data)."""
    raw = links.pending("text")
    if raw is not None and links.parse("text", raw, str, list(SOURCES)) is not None:
        st.session_state["text_source"] = raw
    source = st.radio("Text", list(SOURCES), format_func=SOURCES.get, key="text_source")
    link["text"] = source
    lim = limits()
    try:
        if source in tx.BUILTIN_TEXTS:
            return tx.builtin_text(source), source
        if source == "typed":
            typed = st.text_area("Your text", EXAMPLE, height=160, key="text_typed", max_chars=lim.text_chars,
                                 help="A few thousand characters or more; the model learns to predict the next one.")
            corpus = tx.Corpus.from_text(typed, max_chars=lim.text_chars)
        else:
            up = st.file_uploader(".txt file", type=["txt", "md", "csv"], key="text_upload",
                                  help=f"UTF-8 text, up to {lim.text_chars:,} characters.")
            if up is None:
                st.info("Upload a UTF-8 text file.")
                return None, None
            corpus = tx.Corpus.from_bytes(upload_bytes(up), max_chars=lim.text_chars)
    except LstmVizError as e:
        st.error(f"{plain(e)}.")
        return None, None
    st.caption("Texts you type or upload cannot travel in a link.")
    return corpus.text, hashlib.sha1(corpus.text.encode()).hexdigest()[:16]


def _config(lim) -> tx.TextConfig:
    base = tx.TextConfig(max_chars=lim.text_chars)
    links.take("cell", "tx:cell", options=["lstm", "gru", "rnn"], kind=str)
    links.take("hidden", "tx:hidden", lo=1, hi=lim.hidden_size)
    links.take("epochs", "tx:epochs", lo=1, hi=min(100, lim.epochs))
    links.take("seqlen", "tx:seq_len", options=SEQ_LENS)
    links.take("lr", "tx:lr", options=LRS, kind=float, snap=True)
    links.take("seed", "tx:seed", lo=0, hi=1_000_000)
    cell = st.selectbox("Cell", ["lstm", "gru", "rnn"], key="tx:cell", format_func=str.upper,
                        help="A GRU often grows a clearer quote unit in a short run; an LSTM needs longer.")
    hidden = st.slider("Hidden units", 1, lim.hidden_size, min(base.model.hidden_size, lim.hidden_size), key="tx:hidden")
    epochs = st.slider("Epochs", 1, min(100, lim.epochs), base.train.epochs, key="tx:epochs",
                       help="Passes over the text; 15 take a few seconds on the built-in stories.")
    seq_len = st.select_slider("Characters per training sequence", SEQ_LENS, base.seq_len, key="tx:seq_len",
                               help="How far back the gradient reaches (truncated backpropagation).")
    lr = st.select_slider("Learning rate", LRS, base.train.lr, key="tx:lr", format_func=lambda v: f"{v:g}")
    seed = st.number_input("Seed", 0, 1_000_000, base.train.seed, key="tx:seed")
    return base.replace(cell=cell, hidden_size=int(hidden), epochs=int(epochs), seq_len=int(seq_len), lr=float(lr),
                        seed=int(seed))


def _job(text: str, data_key: str, config: tx.TextConfig) -> FunctionJob:
    def run(on_epoch, max_seconds):
        fit = tx.fit_text(text, config, on_epoch=on_epoch, max_seconds=max_seconds)
        return {"fit": fit, "bpc": tx.bpc(fit, fit.val_text), "unigram": tx.unigram_bpc(fit.train_text, fit.val_text)}

    key = ("text", data_key, config)
    return registry().start_job(key, lambda: FunctionJob(key, run, config.train.epochs, limits().train_seconds),
                                session_id())


def page(link: dict, top) -> None:
    """The text page; the Train button shows again in `top`, on the first screen."""
    lim = limits()
    with st.sidebar:
        st.header("1 · Text")
        text, data_key = _source(link)
        if text is None:
            main_train_button(top, "text_train", "Choose the text, or fix it, in the sidebar first.", waiting=True)
            return
        st.header("2 · Model")
        config = _config(lim)
        link.update({"cell": config.model.cell, "hidden": str(config.model.hidden_size), "epochs": str(config.train.epochs),
                     "seqlen": str(config.seq_len), "lr": f"{config.train.lr:g}", "seed": str(config.train.seed)})
        def check():
            config.check()
            lim.check_config(config)

        step = train_button(check, "text_train", "Learn to predict the next character; the last 10% of the text "
                                                 "is held out.", top)
    st.caption(f"{len(text):,} characters, {len(set(text))} distinct. The model reads one character at a time "
               "(one-hot) and predicts the next; the last 10% is held out.")
    key = ("text", data_key, config)
    if step.pressed:
        st.session_state["text_job"] = _job(text, data_key, config).key
    job = registry().get(st.session_state.get("text_job"))
    job = this_data(job, job is not None and job.key[1] == data_key)
    if job is None:
        st.code(text[:600] + ("..." if len(text) > 600 else ""), language=None)
        if step.ready:
            st.info("Press **Train model** to train on this text.")
        return
    if not job.done:
        watch(job, "Loss (bits per character)", scale=BITS, state_key="text_job")
    results(job, key, link, step.ready)


def results(job, key, link: dict, ready: bool = True) -> None:
    r = job_result(job, key, ready)
    if r is None:
        return
    fit = r["fit"]
    res = fit.result
    verdict = "beats" if r["bpc"] < r["unigram"] else "does not beat"
    st.markdown(f"Held-out: **{r['bpc']:.3f} bits per character**; the unigram baseline (character frequencies "
                f"alone) scores **{r['unigram']:.3f}**: the model {verdict} it.")
    trained_caption(res)
    view = pick_view("text_view", VIEW_SLUGS, link)
    if view == "Text":
        text_view(job, fit)
    elif view == "Generate":
        generate_view(job, fit, link)
    elif view == "Training":
        chart(figures.loss_curve([x * BITS for x in res.losses], [x * BITS for x in res.val_losses],
                                 title="Loss (bits per character)"), "text_loss")
    else:
        compare_view(job, fit)


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
                                   help=f"{d['feature'].replace('_', ' ')}: {tx.FEATURES.get(d['feature'], '')}")
    if any(analysis.match_strength(d["correlation"]) == "weak" for d in ranked):
        st.caption(f"r is the correlation over this excerpt. Below |r| = {analysis.WEAK} a match is weak: the unit "
                   "only partly tracks that feature, and may mix it with other things.")


def text_view(job, fit) -> None:
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
    ranked = tx.rank_units(trace, tx.features(excerpt), quantity=q, top=1)
    ranked = sorted(ranked, key=lambda d: -abs(d["correlation"]))[:6]
    if st.session_state.get("tx_unit", 0) >= H:
        st.session_state["tx_unit"] = 0
    if "tx_unit" not in st.session_state and ranked:
        st.session_state["tx_unit"] = ranked[0]["unit"]
    if ranked:
        _ranked_buttons(ranked)
    c1, c2 = st.columns([1, 3])
    unit = int(c1.number_input("Unit", 0, H - 1, key="tx_unit"))
    lo, hi_v = (0.0, 1.0) if q in "ifozr" else (-1.0, 1.0) if q in "hgn" else (None, None)
    default_thr = 0.5 if q in "ifozr" else 0.3
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
        st.code(excerpt[a:b], language=None)
        if len(units):
            spans = tx.matches(values, units, thr, min_len=max(1, (b - a) // 2), exclude=(a, b))
            st.markdown(f"**{len(units)} unit(s)** on across the span and off just around it: "
                        f"{', '.join(map(str, units[:20]))}{' ...' if len(units) > 20 else ''}. They are on together "
                        f"at **{len(spans)} other place(s)**, outlined below.")
        else:
            st.info("No unit is on across the whole span and off around it: lower the threshold or pick a "
                    "shorter span.")
    st.html(colored_text_html(excerpt, values[:, unit], vmin=lo, vmax=hi_v, highlight_spans=spans + [(a, b)],
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
    st.html(colored_text_html(text, values[:, unit], highlight_spans=[(0, len(prompt))], label=f"unit {unit} {q}"))
    st.caption("Outlined: your prompt; the rest was sampled one character at a time. Below: the gates as it wrote"
               + (f", for units {', '.join(map(str, rows))}." if rows is not None else "."))
    scrubber(trace, fit.config.model.cell, 0, link, list(fit.vocab.chars), prefix="tg_", unit=unit, rows=rows)


def compare_view(job, fit) -> None:
    """The same text, settings and seed with each cell."""
    text = fit.train_text + fit.val_text
    data_key = job.key[1]
    jobs = {c: _job(text, data_key, fit.config.replace(cell=c)) for c in ("lstm", "gru", "rnn")}
    wait_all(jobs)
    rows, curves = [], {}
    for c, j in jobs.items():
        if j.error:
            st.error(f"{c.upper()}: {plain(j.error)}")
            continue
        f = j.result["fit"]
        curves[c.upper()] = [x * BITS for x in (f.result.val_losses or f.result.losses)]
        rows.append([c.upper(), f"{j.result['bpc']:.3f}", f"{j.result['unigram']:.3f}",
                     f"{count_parameters(f.model):,}", f.result.epochs_run, f"{f.result.seconds:.1f}"])
    st.table(pd.DataFrame(rows, columns=["cell", "held-out bits/char", "unigram", "parameters", "epochs",
                                         "train seconds"])
             .set_index("cell"))
    chart(figures.loss_curves(curves, title="Held-out bits per character"), "text_compare")
    excerpt = fit.val_text[:200]
    traces = {}
    for c, j in jobs.items():
        if not j.error:
            traces[c] = j.memo(("rec", "compare"), lambda j=j: tx.record_text(j.result["fit"], excerpt))
    rows = {c: sorted(tx.top_units(t, excerpt)) for c, t in traces.items()}
    gates_side_by_side(traces, "text_compare_gates", list(fit.vocab.chars), rows)
    st.caption("The first 200 held-out characters; in each, the units whose h best tracks a feature of the text.")

