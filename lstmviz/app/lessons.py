"""Guided lessons on the page: one click sets data, model and view, trains, and shows what the run bears
out: the lesson's claims with their measured numbers, and its views opened on the unit they name.
Lessons are the built-in files, a teacher's folder (LSTMVIZ_LESSONS) and files uploaded in the sidebar."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import streamlit as st

from lstmviz import lessons
from lstmviz.errors import LstmVizError
from lstmviz.forecast_run import ForecastRun
from lstmviz.tasks import TaskRun

from . import links
from .display import presenting
from .state import registry, upload_bytes
from .words import plain

MODES = {"forecast": "Forecast a series", "compare": "Forecast a series", "task": "Sequence tasks", "gallery": "Gallery"}
# a lesson's kind -> the page (main.py's PAGES key) that sets itself up for it: lessons never write a page's keys
PAGE_OF = {"forecast": "forecast", "compare": "forecast", "task": "tasks", "gallery": "gallery"}


MENU = "lesson_menu"
UPLOADED = "lessons_uploaded"  # this session's uploaded lessons, id -> Lesson
UPLOAD = "lesson_upload"


@st.cache_resource(max_entries=4, show_spinner=False)
def _folder(stamp: tuple) -> tuple[dict, list[str]]:
    found, broken = lessons.folder_lessons(stamp[0] if stamp else None)
    for lid, les in list(found.items()):
        problem = page_problem(les)
        if problem:
            broken.append(problem)
            del found[lid]
    return found, broken


def _folder_stamp() -> tuple:
    """The folder and its files' times: a teacher's edit is read on the next rerun, not every one."""
    folder = os.environ.get(lessons.ENV)
    if not folder or not Path(folder).is_dir():
        return (folder,) if folder else ()
    return (folder, *sorted((p.name, p.stat().st_mtime_ns) for p in Path(folder).iterdir() if p.is_file())[:400])


def available() -> dict:
    """Every lesson this session can open: built-in, the teacher's folder, then uploaded."""
    found, _ = _folder(_folder_stamp())
    return {**lessons.LESSONS, **found, **st.session_state.get(UPLOADED, {})}


def current():
    """The lesson on now, or None."""
    return available().get(st.session_state.get("lesson"))


def picker(pages: dict, main: bool = False) -> None:
    """The lesson buttons: in the sidebar, or (`main`) in a menu beside the main area's Train button.
    `pages` maps a page's name to its module, whose apply_lesson(lesson) sets it up."""
    on = st.session_state.get("lesson")
    prefix = "lesson_main_" if main else "lesson_"  # two sets of the same buttons need their own keys
    # a stateful popover (key, on_change): start() closes it, so the card it covered shows at once
    box = (st.popover("Guided lessons", icon=":material/school:", key=MENU, on_change="rerun") if main else
           st.expander("Guided lessons", icon=":material/school:"))  # closed: the main area has them at hand
    if not main:
        _from_link(pages)
    with box:
        for les in available().values():
            st.button(les.title, key=f"{prefix}{les.id}", on_click=start, args=(les.id, pages), use_container_width=True,
                      type="primary" if les.id == on else "secondary")
        if on:
            st.button("Leave the lesson", key=f"{prefix}leave", on_click=leave, use_container_width=True)
        if not main:
            _upload(pages)


def _upload(pages: dict) -> None:
    """A teacher's lesson file: read when it arrives, and started; what is wrong with it, if anything."""
    st.file_uploader("Your lesson file (.toml)", type=["toml"], key=UPLOAD, on_change=_uploaded, args=(pages,),
                     help="A lesson written as the README's \"Write a lesson\" shows: data, settings, the view to "
                          "open, the card's text and its checks. An uploaded lesson uses built-in data.")
    _, broken = _folder(_folder_stamp())
    for problem in [*broken, *filter(None, [st.session_state.get("lesson_problem")])]:
        st.error(plain(problem), icon=":material/error:")


def _uploaded(pages: dict) -> None:
    ss = st.session_state
    ss.pop("lesson_problem", None)
    up = ss.get(UPLOAD)
    if up is None:
        return
    try:
        les = lessons.load_bytes(upload_bytes(up), up.name)
    except LstmVizError as e:
        ss["lesson_problem"] = str(e)
        return
    problem = page_problem(les)
    if problem:
        ss["lesson_problem"] = problem
        return
    if les.id in lessons.LESSONS or les.id in _folder(_folder_stamp())[0]:
        les = dataclasses.replace(les, id=f"upload_{les.id}")  # the built-in keeps its id and link
    ss.setdefault(UPLOADED, {})[les.id] = les
    start(les.id, pages)


def page_problem(les) -> str | None:
    """A setting the page's control cannot take (no control sets it, or a value it does not offer), in the
    loader's words: the page must train exactly what the file says."""
    if les.kind == "task":
        from .tasks import TABLE
        changes = {k: v for k, v in les.task.items() if k != "task"}
    elif les.kind in ("forecast", "compare"):
        from .forecast_controls import TABLE
        changes = les.changes
    else:
        return None
    rows = {row.field: row for row in TABLE.rows.values() if row.field}
    for key, value in changes.items():
        n = les.lines.get(("settings", key))
        where = f"{les.source}{f', line {n}' if n else ''}: [settings] {key}"
        row = rows.get(key)
        if row is None:
            return f"{where} has no control on the page; the page sets {', '.join(rows)}"
        if row.options is not None and value not in row.options:
            return f"{where} must be one the page offers: {', '.join(map(str, row.options))}, not {value!r}"
        if (row.lo is not None and value < row.lo) or (row.hi is not None and value > row.hi):
            span = f"{row.lo:g} to {row.hi:g}" if row.lo is not None and row.hi is not None else \
                f"at least {row.lo:g}" if row.lo is not None else f"at most {row.hi:g}"
            return f"{where} must be {span} on the page, not {value!r}"
    return None


def _from_link(pages: dict) -> None:
    """?lesson=NAME on its own (or with the lesson's CSV as its data) opens the lesson, as its button does;
    with a run's settings beside it, the card reads it (card), and the settings are the link's."""
    raw = links.value("lesson")
    link = st.session_state.get("link", {})
    if raw is None or st.session_state.get("lesson") is not None:
        return
    own = set(link) - links.ALWAYS
    if own and link.get("src") != "lesson":
        return
    links.consume("lesson")
    link.pop("src", None)
    if links.parse("lesson", raw, str, list(available())) is not None:
        start(raw, pages)


def start(lesson_id: str, pages: dict) -> None:
    """Button callback: set every control the lesson needs, open its view, and ask for training."""
    les = available().get(lesson_id)
    ss = st.session_state
    if MENU in ss:
        ss[MENU] = False
    if les is None:
        return
    ss["lesson"] = les.id
    ss["explore"] = MODES[les.kind]
    ss.pop("lesson_focus", None)
    pages[PAGE_OF[les.kind]].apply_lesson(les)
    if les.kind != "gallery":  # a gallery entry is trained already
        ss["lesson_train"] = True


def leave() -> None:
    if MENU in st.session_state:
        st.session_state[MENU] = False
    st.session_state.pop("lesson", None)
    st.session_state.pop("lesson_focus", None)


def essential() -> tuple[str, ...] | None:
    """The controls presenter mode keeps in view: the lesson's, if one is on."""
    les = current()
    return les.controls if les is not None else None


def card(job, link: dict) -> None:
    """The lesson's text, then what this run shows: each claim with its measured numbers, seen or not."""
    lid = st.session_state.get("lesson")
    if lid is None and links.value("lesson") is not None:
        raw = links.consume("lesson")
        if links.parse("lesson", raw, str, list(available())) is not None:
            st.session_state["lesson"] = lid = raw
    les = available().get(lid)
    if les is None or les.kind == "gallery" and (job is None or job.key[0] != "gallery"):
        return  # a lesson on a gallery entry: its card is on the gallery's page
    if les.id not in st.session_state.get(UPLOADED, {}):  # an uploaded file cannot travel in a link
        link["lesson"] = lid
    seen = signature(les, job)
    with st.container(border=True):
        st.markdown(f"**Lesson {les.title}**")
        if presenting() and seen is not None:  # on a projector the run's claims must fit on the first screen
            with st.expander("What to look at"):
                st.markdown(les.card_text(seen.values))
        else:
            st.markdown(les.card_text(seen.values if seen is not None else None))
        if seen is None:
            st.caption(f"Once the model has trained with the lesson's settings, this card measures {les.signature}.")
            st.empty()  # in the claims' place: an earlier run's claims must not linger while this one trains
            return
        missed = sum(not c.seen for c in seen.claims)
        if not missed:
            n = len(seen.claims)
            st.success(f"Signature seen: {'its one check holds' if n == 1 else f'all {n} checks hold'} in this run.",
                       icon=":material/check_circle:")
        else:
            st.warning(f"Signature not seen: {missed} of {len(seen.claims)} checks "
                       f"{'does' if missed == 1 else 'do'} not hold in this run.",
                       icon=":material/help:")
        st.markdown("\n".join(_claim_line(c) for c in seen.claims))


def _claim_line(claim: lessons.Claim) -> str:
    if claim.seen:
        return f"- :green[:material/check:] {claim.text}"
    return f"- :orange[:material/close:] **Not seen.** {claim.text}" + (f" *Try:* {claim.hint}" if claim.hint else "")


def focus(job) -> dict | None:
    """Where the lesson on this job opens its views (unit, t, example, the finder's row), once checked."""
    f = st.session_state.get("lesson_focus")
    return f if f is not None and job is not None and f["key"] == job.key else None


def apply_focus(job) -> None:
    """Once per trained job: open the lesson's views on the unit, step and example its claims name.

    Runs before the views draw (a widget's state cannot be set once the widget exists); after
    that the views are the user's."""
    ss = st.session_state
    les = current()
    if les is None or les.view not in ("gates", "finder") or (ss.get("lesson_focus") or {}).get("key") == job.key:
        return
    seen = signature(les, job)
    f = {**seen.focus, **les.focus} if seen is not None else {}  # what the file names wins over the checks' pick
    if "unit" not in f:
        return
    ss["lesson_focus"] = {"key": job.key, **f}
    prefix = "tk_" if isinstance(job.result, TaskRun) else "gv_"  # a task lesson's, or one on a task entry
    ss[prefix + "unit"], ss[prefix + "t"], ss[prefix + "units"] = f["unit"], f.get("t", 0), [f["unit"]]
    if "start" in f:
        ss["gv_start"] = f["start"]
    if "example" in f:
        ss["task_example"] = f["example"]
        ss["finder_pick_focus"] = True  # the finder picks the lesson's row when it next draws


def around(slot, job, key, link: dict, prompt: str, watch, results) -> None:
    """A page's job and its results, with the lesson card in `slot` (above them).

    The card is drawn before the results while nothing has finished (so it shows at once), and
    again after them: a view may train what the lesson checks (the compare view does).
    """
    current = job if job is not None and job.key == key else None
    if job is None or not job.done:
        with slot:
            card(current, link)
    if job is None:
        if prompt:  # None when training cannot start: the reason is beside the Train button
            st.info(prompt)
        return
    if not job.done:
        watch(job)
    if job.done and job.key == key:
        apply_focus(job)
    results(job, key, link)
    with slot:
        card(current, link)


def signature(les, job) -> lessons.Seen | None:
    """The lesson's verdict on this job (lessons.check), once it has trained; None if it is not the lesson's run."""
    if job is None or not job.done or job.error:
        return None
    if les.kind == "gallery":
        if job.key != ("gallery", les.data["gallery"]):  # another entry is open
            return None
        result = job.result
    elif les.kind == "task":
        result = job.result
        if not isinstance(result, TaskRun):  # the forecast page's job: not a task run
            return None
    elif not isinstance(job.result, ForecastRun):
        return None
    elif les.kind == "compare":
        asked = job.key[1]  # the settings as asked, as the compare view keys its jobs (never the resolved transform)
        both = {c: registry().get((job.result.fitted.series.key, asked.replace(cell=c))) for c in ("lstm", "gru")}
        if any(j is None or not j.done or j.error or not isinstance(j.result, ForecastRun) for j in both.values()):
            return None  # not both trained yet: nothing to keep
        result = {c: j.result for c, j in both.items()}
    else:
        result = job.result
    return job.memo(("lesson", les.id, les.source, les.checks), lambda: lessons.check(les, result))
