"""The sequence-tasks part of the page: a task with a known mechanism, training, results, the unit
finder, one example's gates, and LSTM / GRU / RNN side by side."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st
import torch

from lstmviz import analysis, figures, record, tasks
from lstmviz.errors import LstmVizError
from lstmviz.jobs import FunctionJob
from lstmviz.models import count_parameters

from . import lessons as lesson_ui
from . import links
from .compare import gates_side_by_side
from .display import chart, pick_view, presenting
from .nextstep import job_result, main_train_button, this_data, train_button, trained_caption
from .progress import wait_all, watch
from .state import keep, limits, read_csv, registry, session_id, upload_bytes
from .words import CELL_HELP, plain
from .scrubber import keys as scrub_keys
from .scrubber import scrubber

TASK_NAMES = {"adding": "Adding problem: sum the two marked values", "remember": "Remember the first value",
              "anbn": "Counting: accept a^n b^n, reject the rest", "parity": "Parity of a bit string",
              "seed004": "Does a short sequence rise or fall?", "csv": "Upload a CSV (one sequence per row)"}
LENGTHS = {"adding": (10, 200), "remember": (2, 100), "anbn": (6, 62), "parity": (2, 64), "seed004": (2, 50)}
VIEWS = ["Results", "Gate dynamics", "Unit finder", "Compare cells"]
VIEW_SLUGS = {"results": VIEWS[0], "gates": VIEWS[1], "finder": VIEWS[2], "compare": VIEWS[3]}
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
SIZES = [200, 500, 1000, 2000, 5000, 10000, 20000]
BATCHES = [16, 32, 64, 128, 0]
FORGET_BIASES = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
# the link parameters this page reads
LINKS = frozenset({"task", "tlength", "n", "ex", "fbias", "cell", "hidden", "epochs", "lr", "batch", "seed", "view", "t", "unit"})
# widget keys kept through runs that do not draw them
KEEP = ("task_example", "finder_pick", *scrub_keys("tk_"))
CELLS = ["lstm", "gru", "rnn"]
PRESENTER_CONTROLS = ("length", "cell", "hidden", "epochs", "seed")


@st.cache_resource(max_entries=4, show_spinner="Reading the sequences...")
def _read_task(data: bytes, label: str | None, max_rows: int, max_bytes: int) -> tasks.Task:
    """Sequences from a CSV, parsed once and shared read-only (Task arrays are read-only)."""
    return tasks.from_csv(data, label, max_rows=max_rows, max_bytes=max_bytes)


def _source(link: dict):
    """Sidebar: the task, or an uploaded CSV of sequences. Returns (name, base config, data or None, data key)."""
    links.take("task", "task", options=list(TASK_NAMES), kind=str)
    name = st.selectbox("Task", list(TASK_NAMES), format_func=TASK_NAMES.get, key="task")
    link["task"] = name
    if name != "csv":
        return name, tasks.DEFAULTS[name], None, None
    up = st.file_uploader("Sequences (CSV)", type=["csv", "txt", "tsv"], key="task_upload",
                          help="One sequence per row, one step per column, and a label column (text or whole "
                               "numbers: classify; other numbers: regress).")
    if up is None:
        st.info("Upload a CSV: one sequence per row plus a label column.")
        return name, None, None, None
    try:
        lim = limits()
        data = upload_bytes(up)
        columns = list(read_csv(data, lim.rows, lim.upload_bytes).frame.columns)
        label = st.selectbox("Label column", ["(found by name, else the last)"] + columns, key="task_label")
        task = _read_task(data, None if label.startswith("(") else label, min(lim.rows, 100_000), lim.upload_bytes)
    except LstmVizError as e:
        st.error(plain(f"{up.name}: {e}"))
        return name, None, None, None
    st.caption(f"{len(task):,} sequences of {task.length} steps · "
               + (f"classes: {plain(', '.join(task.classes))}" if task.classes else "a number to predict"))
    base = tasks.TaskConfig().replace(task="csv", length=task.length, n_train=len(task), n_test=max(1, len(task) // 5),
                                      hidden_size=16, epochs=40, lr=1e-2, batch_size=32)
    return name, base, task, hashlib.sha1(data).hexdigest()[:12] + str(label)


def _config(name: str, base: tasks.TaskConfig, data) -> tasks.TaskConfig:
    """Sidebar: length, data size, model and training controls (keys carry the task)."""
    k = lambda field: f"task:{name}:{field}"  # noqa: E731
    lim = limits()
    main, more = st.container(), (st.expander("More settings") if presenting() else st.container())
    essential = lesson_ui.essential() or PRESENTER_CONTROLS
    box = lambda field: main if not presenting() or field in essential else more  # noqa: E731
    if data is None:
        lo, hi = LENGTHS[name]
        links.take("tlength", k("length"), lo=lo, hi=hi)
        length = box("length").slider("Sequence length T", lo, hi, base.length, key=k("length"),
                           help="Steps per sequence: longer asks for longer memory.")
        links.take("n", k("n_train"), options=SIZES)
        n_train = box("n_train").select_slider("Training sequences", SIZES, min(SIZES, key=lambda v: abs(v - base.n_train)),
                                   key=k("n_train"), help="How many examples to learn from; 1,000 more are held out.")
    else:
        length, n_train = data.length, base.n_train
    links.take("cell", k("cell"), options=CELLS, kind=str)
    links.take("hidden", k("hidden"), lo=1, hi=lim.hidden_size)
    links.take("epochs", k("epochs"), lo=1, hi=min(300, lim.epochs))
    links.take("lr", k("lr"), options=LRS, kind=float, snap=True)
    links.take("batch", k("batch"), options=BATCHES)
    links.take("seed", k("seed"), lo=0, hi=1_000_000)
    links.take("fbias", k("fbias"), options=FORGET_BIASES, kind=float, snap=True)
    cell = box("cell").selectbox("Cell", CELLS, CELLS.index(base.model.cell), key=k("cell"), format_func=str.upper,
                        help=CELL_HELP)
    hidden = box("hidden").slider("Hidden units", 1, lim.hidden_size, min(base.model.hidden_size, lim.hidden_size), key=k("hidden"))
    epochs = box("epochs").slider("Epochs", 1, min(300, lim.epochs), min(base.train.epochs, 300), key=k("epochs"),
                       help="Passes over the training sequences.")
    lr = box("lr").select_slider("Learning rate", LRS, min(LRS, key=lambda v: abs(v - base.train.lr)), key=k("lr"),
                          format_func=lambda v: f"{v:g}")
    batch = box("batch").selectbox("Batch size", BATCHES, BATCHES.index(base.train.batch_size) if base.train.batch_size in BATCHES else 2,
                         key=k("batch"), format_func=lambda b: "full" if b == 0 else str(b))
    seed = box("seed").number_input("Seed", 0, 1_000_000, base.train.seed, key=k("seed"),
                           help="The data, the starting weights and the batch order: same seed, same numbers.")
    fbias = base.model.forget_bias
    if cell != "lstm":  # GRU and RNN have no forget gate; the LSTM's setting waits for it
        keep(k("fbias"))
    else:
        fbias = box("fbias").select_slider(
            "Forget-gate bias at start", FORGET_BIASES, min(FORGET_BIASES, key=lambda v: abs(v - base.model.forget_bias)),
            key=k("fbias"), format_func=lambda v: f"{v:+g}",
            help="Added to every forget gate's starting bias. At 0 the gates start near 0.5, so a cell keeps "
                 "only 0.5^T of a value after T steps and training cannot see that it mattered; at +2 they "
                 "start near 0.88. Try it on Remember the first value at T = 30.")
    return base.replace(length=int(length), n_train=int(n_train), cell=cell, hidden_size=int(hidden),
                        epochs=int(epochs), lr=float(lr), batch_size=int(batch), seed=int(seed),
                        forget_bias=float(fbias))


def _job(config: tasks.TaskConfig, data, data_key) -> FunctionJob:
    """The shared job for this config (and data): trained once, for every session."""
    def run(on_epoch, max_seconds):
        fit = tasks.fit_task(config, on_epoch=on_epoch, max_seconds=max_seconds, task=data)
        return {"fit": fit, "report": tasks.evaluate_task(fit)}

    key = ("task", config, data_key)
    return registry().start_job(key, lambda: FunctionJob(key, run, config.train.epochs, limits().train_seconds),
                                session_id())


def page(link: dict, top) -> None:
    """The tasks page; the Train button shows again in `top`, on the first screen."""
    with st.sidebar:
        st.header("1 · Task")
        name, base, data, data_key = _source(link)
        if base is None:
            main_train_button(top, "task_train", "Upload a CSV of sequences in the sidebar first, or pick a task.",
                              waiting=True)
            return
        st.header("2 · Model")
        config = _config(name, base, data)
        link.update({"tlength": str(config.length), "n": str(config.n_train), "cell": config.model.cell,
                     "hidden": str(config.model.hidden_size), "epochs": str(config.train.epochs), "lr": f"{config.train.lr:g}",
                     "batch": str(config.train.batch_size), "seed": str(config.train.seed),
                     **({"fbias": f"{config.model.forget_bias:g}"} if config.model.cell == "lstm" else {})})
        def check():
            config.check()
            limits().check_config(config)
            if data is None:
                tasks.TASKS[name](2, config.length, 0)  # the generator's own checks

        step = train_button(check, "task_train", "Train on the training sequences; the rest are held out.", top)
    lesson_slot = st.container()
    if data is None:
        try:
            sample = tasks.TASKS[name](3, config.length, config.train.seed)
            title = TASK_NAMES[name]
            st.markdown(f"**{title}{'' if title.endswith(('?', '.')) else '.'}** {sample.description}")
            _examples(range(3), sample)
        except LstmVizError:
            pass  # the sidebar already says what is wrong with these settings
    key = ("task", config, data_key)
    if step.pressed:
        st.session_state["task_job"] = _job(config, data, data_key).key
    regress = data.kind == "regress" if data is not None else name in ("adding", "remember")
    job = registry().get(st.session_state.get("task_job"))
    # another task (or another file) is other data; its length or seed is a setting, marked stale
    job = this_data(job, job is not None and job.key[1].task == config.task and job.key[2] == data_key)
    lesson_ui.around(lesson_slot, job, key, link,
                     "Choose a task and settings in the sidebar and press **Train model**." if step.ready else None,
                     lambda job: watch(job, "Loss (MSE)" if regress else "Loss (cross-entropy, nats)",
                                       state_key="task_job"),
                     lambda job, key, link: results(job, key, link, step.ready))


def results(job: FunctionJob, key, link: dict, ready: bool = True) -> None:
    r = job_result(job, key, ready)
    if r is None:
        return
    fit, report = r["fit"], r["report"]
    trained_caption(fit.result)
    view = pick_view("task_view", VIEW_SLUGS, link)
    if view == "Results":
        show_results(fit, report)
    elif view == "Gate dynamics":
        example_gates(job, fit, link)
    elif view == "Unit finder":
        finder(job, fit)
    else:
        compare(job, fit)


def _metric_text(metric: str, v: float) -> str:
    return f"{v:.1%}" if metric == "accuracy" else f"{v:.4f}"


def show_results(fit, report: dict) -> None:
    m = report["metric"]
    better = report["value"] > report["baseline"] if m == "accuracy" else report["value"] < report["baseline"]
    table = pd.DataFrame({m: [_metric_text(m, report["value"]), _metric_text(m, report["baseline"])]},
                         index=[f"{fit.config.model.cell.upper()} (held-out)",
                                "baseline: " + ("majority class" if m == "accuracy" else "predict the mean")])
    st.table(table)
    if not better:
        st.warning("The model does not beat the baseline yet: try more epochs, more units or another seed.")
    if fit.config.task == "adding":
        st.caption("Hochreiter and Schmidhuber call the adding problem solved below an MSE of 0.04.")
    c1, c2 = st.columns(2)
    if m == "accuracy":
        chart(figures.confusion_figure(report["confusion"], report["classes"]), "confusion", c1)
    longer = report.get("longer")
    if longer:
        ks = sorted(longer["by_k"], key=int)
        chart(figures.bar_figure(ks, [longer["by_k"][k] for k in ks], "Accuracy on longer strings than trained",
                                 "n (a's in the string)", "accuracy", (0, 1)), "longer", c2)
        st.caption(f"Trained on n = {longer['trained_k'][0]} to {longer['trained_k'][1]}; on n = {longer['k'][0]} "
                   f"to {longer['k'][1]} it scores {longer['accuracy']:.1%}.")
    chart(figures.loss_curve(fit.result.losses, fit.result.val_losses,
                             title="Loss (MSE)" if m == "mse" else "Loss (cross-entropy, nats)"), "task_loss")


def _example_trace(job, fit, k: int):
    return job.memo(("trace", k), lambda: record(fit.model, torch.as_tensor(np.array(fit.test.X[k:k + 1]))))


def _input_names(task) -> list[str] | None:
    if task.symbols is not None:
        return list(task.symbols)
    return ["value", "marker"] if task.name == "adding" else None


def _example_picker(fit) -> int:
    n = len(fit.test)
    links.take("ex", "task_example", lo=0, hi=n - 1)
    return int(st.number_input("Held-out example", 0, n - 1, 0, key="task_example",
                               help="Which held-out sequence to run the model on."))


def _examples(ks, task) -> None:
    """Examples, each with its answer first and the sequence wrapped: a long row hides nothing."""
    answers = [task.answer(k) for k in ks]
    w = max(map(len, answers))
    st.code("\n".join(f"{a:>{w}} ← {task.sequence(k)}" for a, k in zip(answers, ks)), language=None, wrap_lines=True)
    st.caption("Read a row as: the right answer ← the sequence it comes from.")


def example_gates(job, fit, link: dict) -> None:
    k = _example_picker(fit)
    link["ex"] = str(k)
    _examples([k], fit.test)
    trace = _example_trace(job, fit, k)
    out = trace.output[0] if trace.output.dim() > 1 else trace.output
    guess = (fit.test.classes[int(out.argmax())] if fit.test.kind == "classify" else f"{float(out[0]):.3f}")
    st.caption(f"The model answers **{plain(guess)}**; the right answer is **{plain(fit.test.answer(k))}**. "
               "t = 0 is the first step of the sequence.")
    scrubber(trace, fit.config.model.cell, 0, link, _input_names(fit.test), prefix="tk_")


def finder(job, fit) -> None:
    with st.spinner("Correlating every unit with what the task is known to need..."):
        units = job.memo("units", lambda: tasks.find_units(fit.model, fit.test, top=5))
    if not units:
        st.info("This task has no known quantity to look for.")
        return
    frame = pd.DataFrame(units)[["known", "quantity", "unit", "layer", "correlation"]]
    frame["match"] = [analysis.match_strength(r) for r in frame["correlation"]]
    st.markdown("The units whose value best tracks a quantity the task is known to need, over every step of "
                f"{min(256, len(fit.test))} held-out sequences (Pearson correlation r; a unit with r < 0 runs the "
                "other way):")
    st.table(frame.style.format({"correlation": "{:+.3f}"}))
    st.caption(f"Match: strong at |r| ≥ {analysis.STRONG}, weak below {analysis.WEAK}.")
    focus = lesson_ui.focus(job)
    if focus is not None:
        same = ("unit", "quantity", "known", "layer")
        mine = [j for j, v in enumerate(units) if all(v[f] == focus["row"][f] for f in same)]
        if not mine:  # the lesson's unit, where the pooled r ranks it below the best five
            units, mine = units + [focus["row"]], [len(units)]
        if st.session_state.pop("finder_pick_focus", False):
            st.session_state["finder_pick"] = mine[0]
    options = list(range(len(units)))
    pick = st.selectbox("Follow one", options, key="finder_pick",
                        format_func=lambda j: f"unit {units[j]['unit']} {units[j]['quantity']} vs {units[j]['known']}"
                                              f" (r = {units[j]['correlation']:+.2f})")
    u = units[pick if pick is not None and pick < len(units) else 0]
    note = analysis.match_note(u["correlation"], u["known"])
    (st.warning if analysis.match_strength(u["correlation"]) == "weak" else st.caption)(note)
    k = _example_picker(fit)
    trace = _example_trace(job, fit, k)
    values = trace.get(u["quantity"], module=u["module"], layer=u["layer"], direction=u["direction"])[:, u["unit"]]
    chart(figures.tracks_figure(values, fit.test.known[u["known"]][k], f"unit {u['unit']} {u['quantity']}",
                                u["known"], r=u["correlation"], unit_ref=u["unit_ref"], known_ref=u["known_ref"]),
          "tracks")
    st.caption("Both lines are standardized over the held-out steps (0 = the mean, 1 = one standard deviation "
               "above it), so a unit that tracks the quantity lies on top of it. Hover for the raw values.")
    _examples([k], fit.test)
    n = min(256, len(fit.test))
    block = job.memo("finder_block", lambda: record(fit.model, torch.as_tensor(np.array(fit.test.X[:n]))))
    cells = block.block(u["module"], u["layer"], u["direction"]).arrays[u["quantity"]][:, :, u["unit"]]  # (T, n)
    steps = tasks.step_correlation(cells[..., None], fit.test.known[u["known"]][:n])[:, 0]
    chart(figures.bar_figure(list(range(len(steps))), steps, f"Step by step: unit {u['unit']} {u['quantity']}, r",
                             "t", "r", (-1, 1)), "tracks_steps")
    st.caption(f"Each bar: how closely unit {u['unit']}'s {u['quantity']} at step t follows the {u['known']} across "
               f"{n} held-out sequences (Pearson r). The line above shows one sequence; the bars, whether it holds "
               "for all.")


def compare(job, fit) -> None:
    """The same task, data and seed with each cell, trained in shared background jobs."""
    config = fit.config
    if config.task not in tasks.TASKS:
        st.info("Comparing cells works on the built-in tasks.")
        return
    jobs = {c: _job(config.replace(cell=c), None, None) for c in CELLS}
    wait_all(jobs)
    rows, curves = [], {}
    for c, j in jobs.items():
        if j.error:
            st.error(f"{c.upper()}: {plain(j.error)}")
            continue
        f, r = j.result["fit"], j.result["report"]
        curves[c.upper()] = f.result.val_losses or f.result.losses
        rows.append([c.upper(), _metric_text(r["metric"], r["value"]), _metric_text(r["metric"], r["baseline"]),
                     f"{count_parameters(f.model):,}", f.result.epochs_run, f"{f.result.seconds:.1f}"])
    st.table(pd.DataFrame(rows, columns=["cell", f"held-out {report_metric(jobs)}", "baseline", "parameters",
                                         "epochs", "train seconds"]).set_index("cell"))
    chart(figures.loss_curves(curves, title="Held-out loss per epoch"), "task_compare")
    k = int(st.session_state.get("task_example", 0)) % len(fit.test)
    gates_side_by_side({c: _example_trace(j, j.result["fit"], k) for c, j in jobs.items() if not j.error},
                       "task_compare_gates", _input_names(fit.test))
    st.caption(f"Held-out example {k}: {fit.test.example(k)}")
    st.caption(f"Same task, data, epochs, learning rate and seed ({config.train.seed}); only the cell differs. "
               "Pick a cell in the sidebar to see its gates (already trained: no waiting).")


def report_metric(jobs) -> str:
    for j in jobs.values():
        if j.result:
            return j.result["report"]["metric"]
    return "metric"


# TaskConfig field -> its widget's key on this page
WIDGET_KEYS = {"hidden_size": "hidden", "batch_size": "batch", "forget_bias": "fbias"}


def apply_lesson(les) -> None:
    """Set this page up for a task lesson: the task with the lesson's settings, the view it names."""
    ss = st.session_state
    name = les.task["task"]
    ss["task"] = name
    for key in [k for k in ss if isinstance(k, str) and k.startswith(f"task:{name}:")]:
        del ss[key]  # back to the task's default settings
    for field, value in les.task.items():
        if field != "task":
            ss[f"task:{name}:{WIDGET_KEYS.get(field, field)}"] = value
    ss["task_view"] = {"finder": "Unit finder", "gates": "Gate dynamics"}.get(les.view, "Results")
