"""The guided lessons as data: what each trains and where it says to look, and the verdict types
its checks return (a Claim per measured sentence, a Seen per run).

A lesson's text never states a fact about the run: the run's own numbers do, in its claims.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError

__all__ = ["Lesson", "Claim", "Seen", "LESSONS", "lesson", "AGAIN"]


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

    @property
    def seen(self) -> bool:
        return all(c.seen for c in self.claims)

    @property
    def detail(self) -> str:
        return " ".join(f"[{'seen' if c.seen else 'NOT seen'}] {c.text}" for c in self.claims)


LESSONS: dict[str, Lesson] = {}
AGAIN = "Try another seed or more epochs."


def _add(lesson: Lesson) -> None:
    LESSONS[lesson.id] = lesson


_add(Lesson(
    "airline", "1 · Forecasting airline passengers", "forecast",
    "The airline tutorial's recipe trains an LSTM on the monthly airline passengers except the last 12 months, "
    "then forecasts those 12 from its own outputs. A forecast means little on its own: repeating last year's "
    "months (the seasonal naive baseline) is already hard to beat. Look at the Forecast view: the recursive "
    "forecast against the actuals, and the metrics table with every baseline's RMSE.",
    "the recursive forecast's RMSE against the naive, seasonal naive and drift baselines",
    "forecast", preset="airline", controls=("hidden", "window", "epochs", "seed")))
_add(Lesson(
    "sine", "2 · A sine wave, window 50", "forecast",
    "A tutorial's sine recipe feeds an LSTM windows of 50 steps of a sine wave and asks for the next value. "
    "Gate dynamics runs the trained model over the whole series and opens on the unit whose gates swing the "
    "most, at the step where its input gate peaks. Press Play and compare the gate heatmaps with the wave in the "
    "input row: look for the same pattern every period. Watch the forget gate too: how much of its cell does "
    "each unit keep from one step to the next?",
    "whether every gate repeats with the wave's period, how far they swing, and how high the forget gate sits",
    "gates", preset="sine", controls=("hidden", "window", "epochs", "seed")))
_add(Lesson(
    "memory", "3 · Long memory: remember the first value", "task",
    "Each sequence starts with the value to remember, followed by noise drawn like it, and the model must "
    "output that first value at the end. Unit finder opens on the cell unit that carries the value best: its "
    "bars show, step by step, how closely that cell follows the value over held-out sequences, and its line "
    "shows one sequence. Gate dynamics opens on the same unit and sequence: watch its forget gate. The lesson "
    "starts every forget gate near 0.88 (Forget-gate bias at start +2); then set Sequence length T to 30 and "
    "train at +2 and at 0, and see which still remembers.",
    "the held-out error, a cell that follows the value at every step from t = 0, and that cell's forget gate",
    "finder", task={"task": "remember", "forget_bias": 2.0},
    controls=("length", "fbias", "cell", "hidden", "epochs", "seed")))
_add(Lesson(
    "counting", "4 · Counting: a^n b^n", "task",
    "Strings like aaabbb are accepted and aaabb or aabbb rejected, so the model must count. Weiss et al. (2018) "
    "found that LSTMs can count in their cell state: one unit moves one way with every a and back with every b. "
    "Unit finder opens on the cell unit that best tracks the running count (#a - #b), on an accepted string; "
    "Gate dynamics on the same unit and string. The Results view scores the model on strings longer than any "
    "it trained on: does the count carry over?",
    "held-out accuracy, a cell unit that tracks the running count, and whether the count carries to longer strings",
    "finder", task={"task": "anbn"}, controls=("cell", "hidden", "epochs", "seed")))
_add(Lesson(
    "lstm_vs_gru", "5 · LSTM vs GRU, same data, same seed", "compare",
    "An LSTM and a GRU train on the airline data with the airline tutorial's recipe: same seed, window and "
    "epochs; only the cell differs. The Compare cells view overlays their loss curves and lists RMSE, weights "
    "and training time, beside a plain RNN. A GRU has three gates instead of four and no separate cell state: "
    "see whether it pays for its fewer weights in accuracy. Switch Cell in the sidebar to see the GRU's r, z "
    "and n gates in Gate dynamics.",
    "both cells' RMSE against the seasonal naive baseline and each other, and their weights",
    "compare", preset="airline", controls=("cell", "hidden", "epochs", "seed")))


def lesson(lesson_id: str) -> Lesson:
    if lesson_id not in LESSONS:
        raise InputError(f"no lesson {lesson_id!r}; choose one of {', '.join(LESSONS)}")
    return LESSONS[lesson_id]
