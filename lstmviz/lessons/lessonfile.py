"""A lesson as a TOML file: data, settings, the view to open, the card's text and named checks.

A lesson file chooses; it never runs anything. Its text may print values the run measured, as
`{name}` or `{name:.2f}`: only plain names of what the lesson's kind and checks measure, with a
format spec (no attributes, no indexing, no conversions). Every error is one InputError line that
names the file, the line and the field:

    >>> load_text('title = "x"\\ntext = "y"\\n[data]\\nseries = "nope"', "mine.toml")
    InputError: mine.toml, line 4: [data] series must be one of airline, sine, ...
"""
from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath

from ..errors import InputError
from ..forecast import PRESETS, default_config, preset
from ..tasks import DEFAULTS, TASKS
from .catalog import Lesson
from .checks import BASE_VALUES, CHECKS
from .where import Reader, check_text, instead, placeholders, syntax

__all__ = ["load_file", "load_text", "placeholders", "CONTROLS", "VIEWS", "MAX_BYTES"]

MAX_BYTES = 64_000  # a lesson is a page of text; anything larger is not one
TOP = ("title", "text", "signature", "controls", "data", "settings", "view", "checks")
DATA = ("series", "task", "gallery", "csv", "column")
VIEW = ("open", "unit", "timestep", "window", "example")
# the views a lesson may open, by kind (the pages' link slugs)
VIEWS = {"forecast": ("forecast", "gates", "compare", "training", "downloads"), "compare": ("compare",),
         "task": ("results", "gates", "finder", "compare")}
# a gallery lesson opens its entry's own views, less Compare cells (which trains)
GALLERY_VIEWS = {"forecast": ("forecast", "gates", "training", "downloads"), "task": ("results", "gates", "finder")}
# the controls presenter mode may keep in view, by kind (the pages' control names)
FORECAST_CONTROLS = ("cell", "layers", "hidden", "window", "test", "transform", "scale", "epochs", "lr", "batch",
                     "clip", "seed", "members")
CONTROLS = {"forecast": FORECAST_CONTROLS, "compare": FORECAST_CONTROLS, "gallery": (),
            "task": ("length", "n_train", "cell", "hidden", "epochs", "lr", "batch", "seed", "fbias")}
DEFAULT_CONTROLS = ("cell", "hidden", "epochs", "seed")


def gallery_names() -> tuple[str, ...]:
    """The gallery's entries, which a lesson may name."""
    from .. import gallery  # here, not at the top: the gallery imports lessons (its summaries) and torch
    return tuple(gallery.names())


def gallery_kind(name: str) -> str:
    """A gallery entry's kind ("forecast", "task" or "text"): which checks and views a lesson on it may use."""
    from .. import gallery
    return gallery.entry(name).kind


def _data(r: Reader, doc: dict, folder: Path | None) -> tuple[str, dict, object]:
    """The lesson's kind before views ("forecast", "task" or "gallery"), its data and a CSV's series."""
    d = r.table(doc.get("data", {}), ("data",), DATA)
    chosen = [k for k in ("series", "task", "gallery", "csv") if k in d]
    if len(chosen) != 1:
        r.fail(("data", *chosen[1:2]), " must name one of series, task, gallery or csv"
               + (f", not {' and '.join(chosen)}" if chosen else ""))
    (key,) = chosen
    value = r.str(d, ("data", key))
    if "column" in d and key != "csv":
        r.fail(("data", "column"), " goes with csv only")
    if key == "series":
        if value not in PRESETS:
            r.fail(("data", key), f" must be one of {', '.join(PRESETS)}, not {value!r}")
        return "forecast", {"series": value}, None
    if key == "task":
        if value not in DEFAULTS:
            r.fail(("data", key), f" must be one of {', '.join(TASKS)}, not {value!r}")
        return "task", {"task": value}, None
    if key == "gallery":
        names = gallery_names()
        if value not in names:
            r.fail(("data", key), f" must be one of {', '.join(names)}, not {value!r}")
        if gallery_kind(value) not in GALLERY_VIEWS:
            r.fail(("data", key), f": {value} is a {gallery_kind(value)} model, and lessons open forecast and task "
                                  f"entries ({', '.join(n for n in names if gallery_kind(n) in GALLERY_VIEWS)})")
        return "gallery", {"gallery": value}, None
    if folder is None:
        r.fail(("data", "csv"), " names a file, but an uploaded lesson can only use built-in data (series or "
                                "task) or a gallery entry; put the lesson and its CSV in the LSTMVIZ_LESSONS folder")
    rel = PurePosixPath(value.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or re.match(r"^[A-Za-z]:", value):
        r.fail(("data", "csv"), f" must be a file beside the lesson (a name such as sales.csv), not {value!r}")
    path = (folder / rel).resolve()
    if not path.is_relative_to(folder.resolve()):
        r.fail(("data", "csv"), f" must stay in the lesson's folder, not {value!r}")
    from ..data import load_csv  # pandas: only for a lesson that brings a CSV
    try:
        series = load_csv(path).series(r.str(d, ("data", "column")))
    except (InputError, OSError) as e:
        r.fail(("data", "csv"), f": {value}: {e}")
    return "forecast", {"csv": value, "column": d.get("column")}, series


def _settings(r: Reader, doc: dict, kind: str, data: dict, series):
    """The lesson's setting changes, each checked against its config field's type and range."""
    s = r.table(doc.get("settings", {}), ("settings",), tuple(doc.get("settings", {})))
    if kind == "gallery":
        if s:
            r.fail(("settings", next(iter(s))), ": a gallery entry is trained already; its settings are its own")
        return {}, None
    if kind == "task":
        base = DEFAULTS[data["task"]]
    else:
        base = PRESETS[data["series"]][1] if "series" in data else default_config(series)
    cls, names = type(base), sorted(base.flat())
    changes = {}
    for key, value in s.items():
        path = ("settings", key)
        if key in ("task", "series"):
            r.fail(path, " is chosen in [data]")
        try:
            cls.owner(key)
        except InputError:
            r.fail(path, f" is not a setting; {instead(key, [n for n in names if n != 'task'], 'the settings are')}")
        try:
            changes[key] = cls._coerce(key, value)
            problems = base.replace(**{key: changes[key]}).problems()
        except InputError as e:
            r.fail(path, f": {e}")
        if problems:
            r.fail(path, f": {problems[0]}")
    try:
        config = base.replace(**changes).check() if kind == "task" else base.replace(**changes)
        if kind != "task":
            config.check(len(series) if series is not None else _length(data["series"]))
    except InputError as e:
        r.fail(("settings",), f": {e}")
    return changes, config


def _view(r: Reader, doc: dict, kind: str, config, n: int | None) -> tuple[str, str, dict]:
    """(kind, the view to open, where it opens): opening "compare" on a series makes a two-cell lesson."""
    v = r.table(doc.get("view", {}), ("view",), VIEW)
    task_like = kind == "task" or kind == "gallery" and gallery_kind(doc["data"]["gallery"]) == "task"
    opened = r.str(v, ("view", "open")) or ("results" if task_like else "forecast")
    if kind == "forecast" and opened == "compare":
        kind = "compare"
    views = GALLERY_VIEWS[gallery_kind(doc["data"]["gallery"])] if kind == "gallery" else VIEWS[kind]
    if opened not in views:
        r.fail(("view", "open"), f" must be one of {', '.join(views)} for this lesson's data, not {opened!r}")
    focus = {}
    hidden = config.model.hidden_size if config is not None else None
    for key, name in (("unit", "unit"), ("timestep", "t"), ("window", "start"), ("example", "example")):
        value = r.int(v, ("view", key))
        if value is None:
            continue
        if key == "unit" and hidden is not None and value >= hidden:
            r.fail(("view", key), f" must be below the hidden size, {hidden}, not {value}")
        if key == "window" and kind == "task":
            r.fail(("view", key), " is a forecasting view's window start; a task lesson opens an example (sequence)")
        if key == "example" and kind != "task":
            r.fail(("view", key), " is a task's sequence; a forecasting lesson opens a window start (window)")
        if key == "timestep" and kind == "task" and value >= config.length:
            r.fail(("view", key), f" must be below the sequence length, {config.length}, not {value}")
        if key == "window" and n is not None and value > n - config.window:
            r.fail(("view", key), f" (the window's first step) must be at most {n - config.window}: the series has "
                                  f"{n} values and the window is {config.window}, not {value}")
        if key == "timestep" and kind != "task" and n is not None and value >= n:
            r.fail(("view", key), f" must be below the series' length, {n}, not {value}")
        if key == "example" and value >= config.n_test:
            r.fail(("view", key), f" must be below the held-out sequences, {config.n_test}, not {value}")
        focus[name] = value
    return kind, opened, focus


def _checks(r: Reader, doc: dict, kind: str, data: dict) -> tuple:
    raw = doc.get("checks")
    if not raw:
        r.fail(("checks",) if raw is not None else (), f"{'checks' if raw is not None else 'the lesson'} needs at "
               f"least one [[checks]] table: choose from {', '.join(CHECKS)}")
    if not isinstance(raw, list):
        r.fail(("checks",), " must be [[checks]] tables")
    uses = []
    for k, table in enumerate(raw):
        path = ("checks", k)
        if not isinstance(table, dict):
            r.fail(path, " must be a table")
        name = table.get("name")
        if name not in CHECKS:
            r.fail((*path, "name"), f" is not a check ({name!r}); {instead(name, CHECKS, 'the checks are')}")
        check = CHECKS[name]
        # a gallery entry is checked as the run it is: a forecaster, or a task model (its name is its task)
        runs_as = gallery_kind(data["gallery"]) if kind == "gallery" else kind
        task = data["gallery"] if kind == "gallery" else data.get("task")
        if runs_as not in check.kinds:
            r.fail((*path, "name"), f": {name} runs on a {' or '.join(check.kinds)} lesson, and this is a "
                                    f"{runs_as if kind != 'gallery' else f'lesson on a {runs_as} model'}")
        if check.tasks and task not in check.tasks:
            r.fail((*path, "name"), f": {name} needs the task {' or '.join(check.tasks)}")
        if any(u[0] == name for u in uses):
            r.fail((*path, "name"), f": {name} is chosen twice")
        params = {}
        for key, value in table.items():
            if key == "name":
                continue
            if key not in check.params:
                r.fail((*path, key), f" is not a threshold of {name}; "
                                     f"{instead(key, check.params, 'its thresholds are')}")
            p = check.params[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not p.lo <= value <= p.hi:
                r.fail((*path, key), f" must be a number from {p.lo:g} to {p.hi:g} ({p.means}), not {value!r}")
            params[key] = float(value)
        uses.append((name, tuple(params.items())))
    return tuple(uses)


def load_text(source: str, name: str = "lesson.toml", folder: Path | None = None, lesson_id: str | None = None) -> Lesson:
    """A lesson from its TOML text. `folder`: where a CSV it names lives (None: an uploaded lesson,
    which may only use built-in data or gallery entries). InputError naming the line and field."""
    import tomllib  # Python 3.11+

    try:
        doc = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        raise InputError(syntax(name, source, str(e))) from None
    r = Reader(name, source)
    r.table(doc, (), TOP)
    for key in ("title", "text"):
        if key not in doc:
            raise InputError(f"{name}: the lesson needs a {key} (such as {key} = \"...\")")
    title, text = r.str(doc, ("title",)), r.str(doc, ("text",))
    kind, data, series = _data(r, doc, folder)
    changes, config = _settings(r, doc, kind, data, series)
    n = len(series) if series is not None else _length(data["series"]) if "series" in data else None
    kind, opened, focus = _view(r, doc, kind, config, n)
    uses = _checks(r, doc, kind, data)
    names = tuple(dict.fromkeys((*BASE_VALUES[kind], *(v for u in uses for v in CHECKS[u[0]].values))))
    printed = check_text(r, source, text, names)
    signature = r.str(doc, ("signature",)) or "; ".join(CHECKS[u[0]].about for u in uses)
    controls = doc.get("controls", [c for c in DEFAULT_CONTROLS if c in CONTROLS[kind]])
    if not isinstance(controls, list) or any(c not in CONTROLS[kind] for c in controls):
        r.fail(("controls",), f" must be a list of these controls: {', '.join(CONTROLS[kind])}")
    lesson_id = lesson_id or _slug(Path(name).stem)
    task = {"task": data["task"], **changes} if kind == "task" else {}
    return Lesson(lesson_id, title, kind, text, signature, opened, preset=data.get("series", ""),
                  changes=changes if kind != "task" else {}, task=task, controls=tuple(controls), checks=uses,
                  focus=focus, data=data, series=series, source=name, printed=printed,
                  lines={k: n for k, n in r.where.keys.items() if k[:1] == ("settings",)})


def load_file(path: Path | str, uploaded: bool = False) -> Lesson:
    """A lesson from a file; its CSV, if any, must be beside it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror or e})") from None
    return load_bytes(raw, path.name, None if uploaded else path.parent)


def load_bytes(raw: bytes, name: str, folder: Path | None = None) -> Lesson:
    if len(raw) > MAX_BYTES:
        raise InputError(f"{name}: {len(raw):,} bytes is too large for a lesson (at most {MAX_BYTES:,})")
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise InputError(f"{name}, line {line}: not UTF-8 text; save the lesson as UTF-8") from None
    return load_text(source, name, folder)


@functools.cache
def _length(name: str) -> int:
    """A built-in series' length (reading the airline CSV takes a while; it never changes)."""
    return len(preset(name)[0])


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "_", stem.lower()).strip("_")[:40]
    return slug or "lesson"
