"""The sequence-tasks page's result views: Results, Gate dynamics (one example), Unit finder and Compare
cells. Each draws a finished TaskRun; recording and finding units are the library's (TaskFit.trace,
TaskFit.finder_trace, tasks.find_units), kept per job in its memo so every session shares them."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from lstmviz import analysis, figures, tasks
from lstmviz.jobs import Job
from lstmviz.models import count_parameters
from lstmviz.tasks import TaskFit, TaskReport, TaskRun

from . import lessons as lesson_ui
from . import links
from .compare import gates_side_by_side
from .display import chart, plain_text
from .progress import wait_all
from .words import plain
from .scrubber import scrubber

CELLS = ["lstm", "gru", "rnn"]


def metric_text(metric: str, v: float) -> str:
    return f"{v:.1%}" if metric == "accuracy" else f"{v:.4f}"


def show_results(fit: TaskFit, report: TaskReport) -> None:
    m = report.metric
    common = tasks.commonest_class(fit.train) if m == "accuracy" else None  # what the constant baseline answers
    table = pd.DataFrame({m: [metric_text(m, report.value), metric_text(m, report.baseline)]},
                         index=[f"{fit.config.model.cell.upper()} (held-out)",
                                "baseline: " + (f"always '{fit.train.classes[common]}' (the commonest class in "
                                                "training)" if m == "accuracy" else "predict the training mean")])
    st.table(table)
    if not report.beats_baseline:
        st.warning("The model does not beat the baseline yet: try more epochs, more units or another seed.")
    if fit.config.task == "adding":
        st.caption("Hochreiter and Schmidhuber call the adding problem solved below an MSE of 0.04.")
    c1, c2 = st.columns(2)
    if m == "accuracy":
        chart(figures.confusion_figure([list(row) for row in report.confusion], list(report.classes)), "confusion", c1)
    longer = report.longer
    if longer is not None:
        ks = sorted(longer.by_k)
        chart(figures.bar_figure([str(k) for k in ks], [longer.by_k[k] for k in ks],
                                 "Accuracy on longer strings", "n (a's in the string)", "accuracy", (0, 1)),
              "longer", c2)
        st.caption(f"Trained on n = {longer.trained_k[0]} to {longer.trained_k[1]}; on n = {longer.k[0]} "
                   f"to {longer.k[1]} (longer strings) it scores {longer.accuracy:.1%}, against "
                   f"{tasks.always_share(longer, common):.1%} for always answering '{fit.train.classes[common]}'.")
    chart(figures.loss_curve(fit.result.losses, fit.result.val_losses,
                             title="Loss (MSE)" if m == "mse" else "Loss (cross-entropy, nats)"), "task_loss")


def example_trace(job: Job, fit: TaskFit, k: int):
    """Held-out example k recorded once per job, for every session."""
    return job.memo(("trace", k), lambda: fit.trace(k))


def input_names(task: tasks.Task) -> list[str] | None:
    if task.symbols is not None:
        return list(task.symbols)
    return ["value", "marker"] if task.name == "adding" else None


def _example_picker(fit: TaskFit) -> int:
    n = len(fit.test)
    links.to_widget("ex", "task_example", lo=0, hi=n - 1)
    return int(st.number_input("Held-out example", 0, n - 1, 0, key="task_example",
                               help="Which held-out sequence to run the model on."))


def examples(ks, task: tasks.Task) -> None:
    """Examples, each with its answer first and the sequence wrapped: a long row hides nothing."""
    answers = [task.answer(k) for k in ks]
    w = max(map(len, answers))
    plain_text("\n".join(f"{a:>{w}} ← {task.sequence(k)}" for a, k in zip(answers, ks)))
    st.caption("Read a row as: the right answer ← the sequence it comes from.")


def example_gates(job: Job, fit: TaskFit, link: dict) -> None:
    k = _example_picker(fit)
    link["ex"] = str(k)
    examples([k], fit.test)
    trace = example_trace(job, fit, k)
    out = trace.output[0] if trace.output.dim() > 1 else trace.output
    guess = (fit.test.classes[int(out.argmax())] if fit.test.kind == "classify" else f"{float(out[0]):.3f}")
    st.caption(f"The model answers **{plain(guess)}**; the right answer is **{plain(fit.test.answer(k))}**. "
               "t = 0 is the first step of the sequence.")
    scrubber(trace, fit.config.model.cell, 0, link, input_names(fit.test), prefix="tk_")


def finder(job: Job, fit: TaskFit) -> None:
    with st.spinner("Correlating every unit with what the task is known to need..."):
        units = job.memo("units", lambda: tasks.find_units(fit.model, fit.test, top=5))
    if not units:
        st.info("This task has no known quantity to look for.")
        return
    n = min(tasks.SAMPLES, len(fit.test))
    frame = pd.DataFrame(units)[["known", "quantity", "unit", "layer", "correlation"]]
    frame["match"] = [analysis.match_strength(r) for r in frame["correlation"]]
    st.markdown("The units whose value best tracks a quantity the task is known to need, over every step of "
                f"{n} held-out sequences (Pearson correlation r; a unit with r < 0 runs the other way):")
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
    pick = st.selectbox("Follow one", list(range(len(units))), key="finder_pick",
                        format_func=lambda j: f"unit {units[j]['unit']} {units[j]['quantity']} vs {units[j]['known']}"
                                              f" (r = {units[j]['correlation']:+.2f})")
    u = units[pick if pick is not None and pick < len(units) else 0]
    note = analysis.match_note(u["correlation"], u["known"])
    (st.warning if analysis.match_strength(u["correlation"]) == "weak" else st.caption)(note)
    k = _example_picker(fit)
    trace = example_trace(job, fit, k)
    values = trace.get(u["quantity"], module=u["module"], layer=u["layer"], direction=u["direction"])[:, u["unit"]]
    chart(figures.tracks_figure(values, fit.test.known[u["known"]][k], f"unit {u['unit']} {u['quantity']}",
                                u["known"], r=u["correlation"], unit_ref=u["unit_ref"], known_ref=u["known_ref"]),
          "tracks")
    st.caption("Both lines are standardized over the held-out steps (0 = the mean, 1 = one standard deviation "
               "above it), so a unit that tracks the quantity lies on top of it. Hover for the raw values.")
    examples([k], fit.test)
    block = job.memo("finder_block", lambda: fit.finder_trace(n))
    cells = block.block(u["module"], u["layer"], u["direction"]).arrays[u["quantity"]][:, :, u["unit"]]  # (T, n)
    steps = tasks.step_correlation(cells[..., None], fit.test.known[u["known"]][:n])[:, 0]
    chart(figures.bar_figure(list(range(len(steps))), steps, f"Step by step: unit {u['unit']} {u['quantity']}, r",
                             "t", "r", (-1, 1)), "tracks_steps")
    st.caption(f"Each bar: how closely unit {u['unit']}'s {u['quantity']} at step t follows the {u['known']} across "
               f"{n} held-out sequences (Pearson r). The line above shows one sequence; the bars, whether it holds "
               "for all.")


def compare(fit: TaskFit, start: Callable[[tasks.TaskConfig], Job[TaskRun]]) -> None:
    """The same task, data and seed with each cell, trained in shared background jobs (`start` gives one)."""
    config = fit.config
    if config.task not in tasks.TASKS:
        st.info("Comparing cells works on the built-in tasks.")
        return
    jobs = {c: start(config.replace(cell=c)) for c in CELLS}
    wait_all(jobs)
    rows, curves, metric = [], {}, "metric"
    for c, j in jobs.items():
        if j.error:
            st.error(f"{c.upper()}: {plain(j.error)}")
            continue
        f, r = j.result.fit, j.result.report
        metric = r.metric
        curves[c.upper()] = f.result.val_losses or f.result.losses
        rows.append([c.upper(), metric_text(r.metric, r.value), metric_text(r.metric, r.baseline),
                     f"{count_parameters(f.model):,}", f.result.epochs_run, f"{f.result.seconds:.1f}"])
    st.table(pd.DataFrame(rows, columns=["cell", f"held-out {metric}", "baseline", "parameters",
                                         "epochs", "train seconds"]).set_index("cell"))
    chart(figures.loss_curves(curves, title="Held-out loss per epoch"), "task_compare")
    k = int(st.session_state.get("task_example", 0)) % len(fit.test)
    gates_side_by_side({c: example_trace(j, j.result.fit, k) for c, j in jobs.items() if not j.error},
                       "task_compare_gates", input_names(fit.test))
    st.caption(f"Held-out example {k}: {fit.test.example(k)}")
    st.caption(f"Same task, data, epochs, learning rate and seed ({config.train.seed}); only the cell differs. "
               "Pick a cell in the sidebar to see its gates (already trained: no waiting).")
