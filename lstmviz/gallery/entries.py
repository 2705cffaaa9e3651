"""The gallery's entries: each a recipe that trains it from scratch with a fixed seed (`scale` < 1 gives the
quick version the tests run) and the kind of result it restores to. Files live in assets/gallery/NAME.pt."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError
from ..tasks import default_config
from .forecasts import restore_forecast, train_preset
from .tasks import longer_report, longer_strings, restore_task, train_task

__all__ = ["Entry", "ENTRIES", "GALLERY", "entry", "KINDS"]

GALLERY = Path(__file__).resolve().parents[2] / "assets" / "gallery"
ANBN_UP_TO = 100  # the anbn model is scored on every n up to here


@dataclass(frozen=True)
class Entry:
    name: str
    title: str  # what the page and the CLI list
    kind: str  # "forecast" | "task" | "text": which page opens it and what `restore` gives back
    recipe: str  # the recipe in words, for the page ("the airline tutorial's recipe, 250 epochs")
    lesson: str | None  # the lesson whose checks apply to it
    train: Callable[[float], dict]  # scale -> the entry's fields (scale 1: the real recipe)

    @property
    def path(self) -> Path:
        return GALLERY / f"{self.name}.pt"


def _anbn(scale: float) -> dict:
    """Few units and a long run, the weights kept at the round that counts best on n = 11..100 (strings
    drawn apart from the test's)."""
    rounds = 9 if scale >= 1 else 2
    config = default_config("anbn", hidden_size=4, forget_bias=3.0, epochs=max(rounds, round(180 * scale)),
                            n_train=max(200, round(2000 * scale)), batch_size=32, seed=0)
    up_to = ANBN_UP_TO if scale >= 1 else 20
    val = longer_strings(config, up_to, seed=1000, per_n=20)  # seeds apart from the reported test's

    def score(model) -> float:
        by_n = np.array(list(longer_report(model, config, val).by_k.values()))
        return float(by_n.min() + 0.01 * by_n.mean())  # the worst n first, then the rest

    return {**train_task(config, rounds, score), "longer_up_to": up_to}


def _remember(scale: float) -> dict:
    config = default_config("remember", length=100, hidden_size=8, forget_bias=4.0, epochs=max(2, round(40 * scale)),
                            n_train=max(200, round(2000 * scale)), seed=0)
    return train_task(config)


ENTRIES: dict[str, Entry] = {e.name: e for e in (
    Entry("anbn", "Counting a^n b^n: trained on n ≤ 10, counts to n = 100", "task",
          "the counting recipe: 4 LSTM units, forget-gate bias +3, 180 epochs, weights kept where validation strings "
          "of n = 11 to 100 score best", "counting", _anbn),
    Entry("remember", "Remember the first value over 100 steps", "task",
          "the long-memory recipe: 8 LSTM units, forget-gate bias +4, sequences of 100 steps, 40 epochs",
          "memory", _remember),
    Entry("airline", "Airline passengers: the tutorial's forecaster", "forecast",
          "the airline tutorial's recipe (the page's airline preset)", "airline",
          lambda scale: train_preset("airline", scale)),
    Entry("sine", "A sine wave, window 50", "forecast",
          "the sine tutorial's recipe (the page's sine preset: window 50)", "sine",
          lambda scale: train_preset("sine", scale)),
    # "code" and "prose" (kind "text") join here once lstmviz/text has their recipes: a train(scale) giving
    # the fields of a TextRun, and KINDS["text"] restoring one.
)}

KINDS: dict[str, Callable[[dict], object]] = {"forecast": restore_forecast, "task": restore_task}


def entry(name: str) -> Entry:
    """The entry called `name`; InputError naming the choices if there is none."""
    if name not in ENTRIES:
        raise InputError(f"no gallery entry {name!r}; choose one of {', '.join(ENTRIES)}")
    return ENTRIES[name]
