"""A gallery of pretrained models, trained by this project's own recipes: open one in a second, with nothing
to train.

    from lstmviz import gallery
    gallery.names()                    # ["anbn", "remember", "airline", "sine"]
    run = gallery.load("anbn")         # the TaskRun the tasks page draws (a ForecastRun for a forecaster)
    gallery.pretrain("anbn")           # retrain from scratch with the recipe's seed; writes assets/gallery/anbn.pt

    store.py       the file: a dict of plain values and tensors, read with torch.load(weights_only=True)
    entries.py     Entry, ENTRIES: each entry's recipe and kind
    tasks.py       task entries: train_task, restore_task (-> TaskRun), longer_strings
    counting.py    what the anbn recipe chooses on (validation_strings) and polishes with (mixed paddings)
    forecasts.py   forecast entries: train_preset, restore_forecast (-> ForecastRun)
    summary.py     summarize: the JSON `python -m lstmviz gallery NAME` prints
"""
from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from . import store
from .entries import ENTRIES, GALLERY, KINDS, Entry, entry

__all__ = ["Entry", "ENTRIES", "GALLERY", "Loaded", "names", "entry", "load", "load_entry", "read", "pretrain"]


class Loaded:
    """A loaded entry: its stored fields (`meta`: recipe, seed, metrics, training time...) and `run`, the
    typed result its page draws."""

    def __init__(self, meta: dict, run):
        self.meta = meta
        self.run = run

    @property
    def name(self) -> str:
        return self.meta["name"]


def names() -> list[str]:
    return list(ENTRIES)


def read(name: str, path: Path | None = None) -> dict:
    """The stored fields of entry `name` (weights as tensors); InputError if missing or unreadable."""
    e = entry(name)
    return store.read(path or e.path, name)


def load_entry(name: str, path: Path | None = None) -> Loaded:
    """Entry `name` read and restored (nothing trained): its fields and its run."""
    meta = read(name, path)
    if meta["kind"] not in KINDS:
        raise InputError(f"gallery entries of kind {meta['kind']!r} cannot be opened by this version")
    return Loaded(meta, KINDS[meta["kind"]](meta))


def load(name: str, path: Path | None = None):
    """Entry `name`'s run (TaskRun, ForecastRun...), restored without training."""
    return load_entry(name, path).run


def pretrain(name: str, path: Path | None = None, scale: float = 1.0) -> dict:
    """Train entry `name` from scratch by its recipe (scale < 1: a quick, smaller version) and write its
    file; returns what was written, with "bytes"."""
    e = entry(name)
    fields = {**e.train(scale), "name": e.name, "title": e.title, "recipe": e.recipe, "scale": scale}
    fields["bytes"] = store.write(path or e.path, fields)
    return fields
