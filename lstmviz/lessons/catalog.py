"""The guided lessons as data: what each trains and where it says to look, and the verdict types
its checks return (a Claim per measured sentence, a Seen per run). The lessons themselves are TOML
files (lessonfile.py reads them; the built-in ones are in assets/lessons/).

A lesson's text never states a fact about the run: the run's own numbers do, in its claims, and in
the values its text prints ({rmse:.1f}), filled in from the run.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field


__all__ = ["Lesson", "Claim", "Seen", "LESSONS", "AGAIN"]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    kind: str  # "forecast" (a series and a ForecastConfig), "task" (a TaskConfig), "compare" (two cells)
    text: str  # what to look at, 3-5 sentences; never what the run will show
    signature: str  # what the checks measure, in words (shown before training)
    view: str  # which view to open: a link slug (forecast, gates, compare, ...)
    preset: str = ""  # forecasting lessons: the built-in series and its preset config
    changes: dict = field(default_factory=dict)  # ... with these settings changed
    task: dict = field(default_factory=dict)  # task lessons: TaskConfig settings
    controls: tuple[str, ...] = ("cell", "hidden", "epochs", "seed")  # what presenter mode keeps in view
    checks: tuple = ()  # ((check name, ((threshold, value), ...)), ...): checks.CHECKS by name
    focus: dict = field(default_factory=dict)  # where the view opens when the file says: unit, t, start, example
    data: dict = field(default_factory=dict)  # {"series": name} | {"task": name} | {"gallery": name} | {"csv": file, "column": ...}
    series: object = field(default=None, compare=False, repr=False)  # a CSV lesson's series, read when it loaded
    source: str = ""  # the file it came from
    printed: tuple[str, ...] = ()  # the measured values its text prints
    lines: dict = field(default_factory=dict, compare=False, repr=False)  # ("settings", key) -> its line in the file

    def card_text(self, values: dict | None = None) -> str:
        """The text with its placeholders filled from a run's measured values (None: not trained yet, "…")."""
        out = []
        for literal, name, spec, _ in string.Formatter().parse(self.text):
            out.append(literal)  # "{{" in the file is already "{" here
            if name is not None:
                out.append(_shown(None if values is None else values.get(name), spec))
        return "".join(out)


@dataclass(frozen=True)
class Claim:
    text: str  # one sentence about this run, with its measured numbers
    seen: bool
    hint: str = ""  # what to try when it is not seen


@dataclass(frozen=True, eq=False)
class Seen:
    """A lesson's verdict on one run: its claims, and where its views open (unit, t, example)."""

    claims: tuple[Claim, ...]
    focus: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # what the checks measured, by name: what a lesson's text may print

    @property
    def seen(self) -> bool:
        return all(c.seen for c in self.claims)

    @property
    def detail(self) -> str:
        return " ".join(f"[{'seen' if c.seen else 'NOT seen'}] {c.text}" for c in self.claims)


LESSONS: dict[str, Lesson] = {}  # the built-in lessons, from assets/lessons/*.toml (filled by the package)
AGAIN = "Try another seed or more epochs."


def _shown(value, spec: str) -> str:
    if value is None:
        return "…"
    try:
        return format(value, spec)
    except (ValueError, TypeError):  # a number's spec on a word (best_baseline): the word as it is
        return str(value)
