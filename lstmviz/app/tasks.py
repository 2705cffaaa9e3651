"""The sequence-tasks page: the task (or an uploaded CSV of sequences), its controls from one table, the
shared training job, and the result views (lstmviz/app/task_views.py)."""
from __future__ import annotations

import dataclasses
import hashlib
from functools import partial

import streamlit as st

from lstmviz import tasks
from lstmviz.errors import LstmVizError
from lstmviz.jobs import Job
from lstmviz.tasks import TaskConfig, TaskRun

from . import lessons as lesson_ui
from . import links
from . import task_views as views
from .display import pick_view, presenting
from .nextstep import job_result, main_train_button, this_data, train_button, trained_caption
from .progress import watch
from .state import keep_widgets, limits, read_csv, registry, session_id, upload_bytes
from .words import CELL_HELP, plain
from .controls import Control, Table
from .scrubber import keys as scrub_keys

TASK_NAMES = {"adding": "Adding problem: sum the two marked values", "remember": "Remember the first value",
              "anbn": "Counting: accept a^n b^n, reject the rest", "parity": "Parity of a bit string",
              "rise_fall": "Does a short sequence rise or fall?", "csv": "Upload a CSV (one sequence per row)"}
VIEWS = ["Results", "Gate dynamics", "Unit finder", "Compare cells"]
VIEW_SLUGS = {"results": VIEWS[0], "gates": VIEWS[1], "finder": VIEWS[2], "compare": VIEWS[3]}
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
SIZES = (200, 500, 1000, 2000, 5000, 10000, 20000)
BATCHES = (16, 32, 64, 128, 0)
FORGET_BIASES = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)

# One row per control; "{task}" in a key: each task keeps its own settings. Ranges come from TaskConfig.
TABLE = Table(
    TaskConfig,
    Control("task", "task", "Task", field="task", kind=str, widget="selectbox", format=TASK_NAMES.get),
    Control("tlength", "task:{task}:length", "Sequence length T", field="length",
            help="Steps per sequence: longer asks for longer memory."),
    Control("n", "task:{task}:n_train", "Training sequences", field="n_train", options=SIZES, widget="select_slider",
            help="How many examples to learn from; 1,000 more are held out."),
    Control("cell", "task:{task}:cell", "Cell", field="cell", kind=str, widget="selectbox", format=str.upper,
            help=CELL_HELP),
    Control("hidden", "task:{task}:hidden", "Hidden units", field="hidden_size"),
    Control("epochs", "task:{task}:epochs", "Epochs", field="epochs", help="Passes over the training sequences."),
    Control("lr", "task:{task}:lr", "Learning rate", field="lr", kind=float, options=LRS, snap=True,
            widget="select_slider", format=lambda v: f"{v:g}"),
    Control("batch", "task:{task}:batch", "Batch size", field="batch_size", options=BATCHES, widget="selectbox",
            format=lambda b: "full" if b == 0 else str(b)),
    Control("seed", "task:{task}:seed", "Seed", field="seed", widget="number",
            help="The data, the starting weights and the batch order: same seed, same numbers."),
    Control("fbias", "task:{task}:fbias", "Forget-gate bias at start", field="forget_bias", kind=float,
            options=FORGET_BIASES, snap=True, widget="select_slider", format=lambda v: f"{v:+g}",
            help="Added to every forget gate's starting bias. At 0 the gates start near 0.5, so a cell keeps "
                 "only 0.5^T of a value after T steps and training cannot see that it mattered; at +2 they "
                 "start near 0.88. Try it on Remember the first value at T = 30."),
)
# the link parameters this page reads: its controls, then what its views show
LINKS = frozenset(TABLE.links | {"ex", "view", "t", "unit"})
# widget keys kept through runs that do not draw them
KEEP = ("task_example", "finder_pick", *scrub_keys("tk_"))
PRESENTER_CONTROLS = ("length", "cell", "hidden", "epochs", "seed")


def _row(link: str, task: str) -> Control:
    """Row `link` with this task's own session key."""
    row = TABLE[link]
    return dataclasses.replace(row, key=row.key.format(task=task))


@st.cache_resource(max_entries=4, show_spinner="Reading the sequences...")
def _read_task(data: bytes, label: str | None, max_rows: int, max_bytes: int) -> tasks.Task:
    """Sequences from a CSV, parsed once and shared read-only (Task arrays are read-only)."""
    return tasks.from_csv(data, label, max_rows=max_rows, max_bytes=max_bytes)


def _source():
    """Sidebar: the task, or an uploaded CSV of sequences. Returns (name, base config, data or None, data key)."""
    pending = st.session_state.get("link", {})
    if pending.get("task") in tasks.ALIASES:  # a link from before a task was renamed
        pending["task"] = tasks.task_name(pending["task"])
    name = TABLE.draw("task", "adding")
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
    base = TaskConfig().replace(task="csv", length=task.length, n_train=len(task), n_test=max(1, len(task) // 5),
                                hidden_size=16, epochs=40, lr=1e-2, batch_size=32)
    return name, base, task, hashlib.sha1(data).hexdigest()[:12] + str(label)


def _config(name: str, base: TaskConfig, data) -> TaskConfig:
    """Sidebar: length, data size, model and training controls, each from its row (keys carry the task)."""
    lim = limits()
    main, more = st.container(), (st.expander("More settings") if presenting() else st.container())
    essential = lesson_ui.essential() or PRESENTER_CONTROLS

    def draw(link: str, default, **narrow):
        row = _row(link, name)
        where = main if not presenting() or row.key.rsplit(":", 1)[-1] in essential else more
        return row.narrowed(**narrow).draw(default, where)

    flat, values = base.flat(), {}
    if data is None:
        lo, hi = tasks.LENGTHS[name]
        values["tlength"] = draw("tlength", base.length, lo=lo, hi=hi)
        values["n"] = draw("n", base.n_train)
    values["cell"] = draw("cell", base.model.cell)
    values["hidden"] = draw("hidden", min(base.model.hidden_size, lim.hidden_size), hi=lim.hidden_size)
    values["epochs"] = draw("epochs", min(base.train.epochs, 300), hi=min(300, lim.epochs))
    for link in ("lr", "batch", "seed"):
        values[link] = draw(link, flat[TABLE[link].field])
    if values["cell"] == "lstm":
        values["fbias"] = draw("fbias", base.model.forget_bias)
    else:  # GRU and RNN have no forget gate; the LSTM's setting waits for it
        keep_widgets(_row("fbias", name).key)
    return base.replace(**TABLE.changes(values))


def _job(config: TaskConfig, data=None, data_key=None) -> Job[TaskRun]:
    """The shared job for this config (and data): trained once, for every session."""
    key = ("task", config, data_key)
    work = partial(tasks.run_task, config, task=data)
    return registry().start_job(
        key, lambda: Job(key, work, config.train.epochs, limits().train_seconds), session_id())


def page(link: dict, top) -> None:
    """The tasks page; the Train button shows again in `top`, on the first screen."""
    with st.sidebar:
        st.header("1 · Task")
        name, base, data, data_key = _source()
        link["task"] = name
        if base is None:
            main_train_button(top, "task_train", "Upload a CSV of sequences in the sidebar first, or pick a task.",
                              waiting=True)
            return
        st.header("2 · Model")
        config = _config(name, base, data)
        link.update(TABLE.params(config, only=None if config.model.cell == "lstm" else TABLE.links - {"fbias"}))

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
            views.examples(range(3), sample)
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


def results(job: Job[TaskRun], key, link: dict, ready: bool = True, compare: bool = True) -> None:
    """The run's views; compare=False leaves out Compare cells (a gallery model: it would train three plain
    runs of the task, none of them the pretrained model its LSTM row would seem to be)."""
    run = job_result(job, key, ready)
    if run is None:
        return
    trained_caption(run.fit.result)
    view = pick_view("task_view", VIEW_SLUGS, link, compare)
    if view == "Results":
        views.show_results(run.fit, run.report)
    elif view == "Gate dynamics":
        views.example_gates(job, run.fit, link)
    elif view == "Unit finder":
        views.finder(job, run.fit)
    else:
        views.compare(run.fit, _job)


def apply_lesson(les) -> None:
    """Set this page up for a task lesson: the task with the lesson's settings, the view it names."""
    ss = st.session_state
    name = tasks.task_name(les.task["task"])
    ss["task"] = name
    for key in [k for k in ss if isinstance(k, str) and k.startswith(f"task:{name}:")]:
        del ss[key]  # back to the task's default settings
    rows = {row.field: row for row in TABLE.rows.values()}
    for field, value in les.task.items():
        if field != "task":
            ss[_row(rows[field].link, name).key] = value
    ss["task_view"] = VIEW_SLUGS.get(les.view, VIEWS[0])
