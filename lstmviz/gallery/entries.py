"""The gallery's entries: each a recipe that trains it from scratch with a fixed seed (`scale` < 1 gives the
quick version the tests run) and the kind of result it restores to. Files live in assets/gallery/NAME.pt."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable


from ..data import ASSETS
from ..errors import InputError
from ..tasks import default_config
from .forecasts import restore_forecast, train_preset
from .texts import restore_text, train_text_entry
from .counting import validation_score, validation_strings
from .tasks import restore_task, train_task

__all__ = ["Entry", "ENTRIES", "GALLERY", "entry", "KINDS"]

GALLERY = ASSETS / "gallery"  # assets/gallery/, reached through the package link so that a wheel has it too
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


def _anbn(scale: float, seed: int = 2, epochs: int = 90) -> dict:
    """Two layers of 8 units whose forget gates start shut to leaking (bias +10: an exact counter needs f near 1
    at n = 100, not only at n = 10), weights kept at the round that counts best on n = 11..100 (validation
    strings at paddings the reported test never gives them), then polished at lr 3e-3 on the same n <= 10
    padded to 20 lengths, kept where the same strings score best: at one length the padding gives away the
    string's length, and a net that uses it miscounts at n ~ 100 when the padding is short.
    One layer learns leaky counts that serve n <= 10 and fail beyond."""
    rounds = 9 if scale >= 1 else 2
    config = default_config("anbn", hidden_size=8, num_layers=2, forget_bias=10.0,
                            epochs=max(rounds, round(epochs * scale)), n_train=max(200, round(2000 * scale)),
                            batch_size=32, seed=seed)
    up_to = ANBN_UP_TO if scale >= 1 else 20
    val = validation_strings(config, up_to)
    polish = (30 if scale >= 1 else 1, 3e-3)
    return {**train_task(config, rounds, lambda model: validation_score(model, val), polish=polish),
            "longer_up_to": up_to}


def _remember(scale: float) -> dict:
    """A curriculum: T = 20, then 50, then 100. At T = 100 from the start the first value is buried under 99
    values written into the same cells, and training stays at the baseline; learnt on short sequences, the
    input gate that shuts after t = 0 carries over."""
    def at(length: int, epochs: int):
        return default_config("remember", length=length, hidden_size=16, forget_bias=5.0,
                              epochs=max(1, round(epochs * scale)), n_train=max(200, round(2000 * scale)), seed=0)

    return train_task(at(100, 40), warmup=(at(20, 20), at(50, 20)))


ENTRIES: dict[str, Entry] = {e.name: e for e in (
    Entry("anbn", "Counting a^n b^n, trained on n ≤ 10", "task",
          "the counting recipe: 2 layers of 8 LSTM units, forget-gate bias +10, 90 epochs on n ≤ 10, weights kept "
          "where validation strings of n = 11 to 100 (each at paddings other than the test's) score best, then 30 "
          "epochs at lr 0.003 on the same n ≤ 10 padded to 20 lengths, kept the same way",
          "counting", _anbn),
    Entry("remember", "Remember the first value, T = 100", "task",
          "the long-memory recipe: 16 LSTM units, forget-gate bias +5, 20 epochs at T = 20, 20 at T = 50, then 40 "
          "at T = 100",
          "memory", _remember),
    Entry("airline", "Airline passengers forecaster", "forecast",
          "the airline tutorial's recipe (the page's airline preset)", "airline",
          lambda scale: train_preset("airline", scale)),
    Entry("sine", "Sine wave forecaster, window 50", "forecast",
          "the sine tutorial's recipe (the page's sine preset: window 50)", "sine",
          lambda scale: train_preset("sine", scale)),
    Entry("code", "Python source, read character by character", "text",
          "the code recipe: one layer of 128 LSTM units, 10 epochs over 2.4 million characters of the standard "
          "library's source (generated codec tables left out), trained statefully: 32 continuous streams, "
          "100-character truncated backpropagation", None,
          lambda scale: train_text_entry("code", scale)),
    Entry("prose", "The King James Bible, read character by character", "text",
          "the prose recipe: one layer of 128 LSTM units, 10 epochs over the first 600,000 characters of the King "
          "James Bible, 150-character truncated backpropagation", None,
          lambda scale: train_text_entry("prose", scale)),
)}

KINDS: dict[str, Callable[[dict], object]] = {"forecast": restore_forecast, "task": restore_task,
                                              "text": restore_text}


def entry(name: str) -> Entry:
    """The entry called `name`; InputError naming the choices if there is none."""
    if name not in ENTRIES:
        raise InputError(f"no gallery entry {name!r}; choose one of {', '.join(ENTRIES)}")
    return ENTRIES[name]
