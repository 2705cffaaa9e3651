"""Character models: `fit_text` gives back a `TextFit` (a `CharModel` trained on the text but its last
part), `run_text` a `TextRun` (the fit and its held-out bits per character beside the unigram baseline's).

Shapes: the model maps (B, T) ids or (B, T, V) one-hot to logits (B, T, V), V = vocabulary size, the
logits at t scoring the character t + 1. `record_text` gives a Trace whose values are (T, H), axis 0 time.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from ..config import Config, ModelConfig, TrainConfig, setting
from ..errors import InputError
from ..models import SequenceModel
from ..record import Trace, record
from ..train import Epoch, TrainData, TrainResult, init_weights, train
from .stateful import read_streams, streams, train_stateful
from .corpus import MAX_CHARS, MAX_VOCAB, MIN_CHARS, Corpus, Vocab, codepoints, normalise

__all__ = ["CharModel", "TextConfig", "TextFit", "TextRun", "build_model", "fit_text", "run_text", "bpc",
           "unigram_bpc", "record_text", "to_bits", "to_nats", "MAX_STEPS"]

MAX_STEPS = 20_000  # characters recorded or generated at once (LSTMVIZ_MAX_RECORD_STEPS)
_LN2 = math.log(2.0)


def to_bits(nats):
    """Nats (PyTorch's cross-entropy) -> bits: a float, or a list / array of them."""
    return [v / _LN2 for v in nats] if isinstance(nats, list) else nats / _LN2


def to_nats(bits):
    """Bits -> nats: a float, or a list / array of them."""
    return [v * _LN2 for v in bits] if isinstance(bits, list) else bits * _LN2



class CharModel(SequenceModel):
    """SequenceModel(per_step=True) with V one-hot inputs and V logits per step.

    forward takes ids (B, T) int64, one-hot'ed here, or one-hot (B, T, V) float; -> logits (B, T, V).
    Ids keep a 200,000-character corpus at 8 bytes a character instead of 4 V. The recurrent module
    still sees one-hot input, so `record` shows exactly that; state_dict keys are SequenceModel's.
    """

    def __init__(self, cell: str, vocab_size: int, hidden_size: int, num_layers: int = 1):
        super().__init__(cell, vocab_size, hidden_size, num_layers, 0.0, vocab_size, per_step=True)
        self.vocab_size = vocab_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not x.is_floating_point():
            x = nn.functional.one_hot(x, self.vocab_size).float()
        return super().forward(x)


@dataclass(frozen=True)
class TextConfig(Config):
    """Model, data and training for one text run. Frozen: a cache key and JSON. Defaults train in seconds."""

    seq_len: int = setting(100, lo=2, hi=2000, label="sequence length")  # characters per training sequence (truncated backpropagation length)
    val_fraction: float = setting(0.1, lo=0.0, hi=0.5)  # the last part of the text is held out
    max_chars: int = setting(MAX_CHARS, lo=MIN_CHARS)
    max_vocab: int = setting(MAX_VOCAB, lo=2, hi=4096)
    # True: batch_size continuous streams, each chunk starting from the last one's final state (char-rnn's
    # stateful truncated backpropagation; text/stateful.py). False: every chunk from a zero state.
    stateful: bool = False
    model: ModelConfig = field(default_factory=lambda: ModelConfig(hidden_size=128))
    # 15 epochs: ~8 s on "stories" with one thread, 1.6 bits per character (40 epochs: 1.1)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=15, lr=1e-2, batch_size=32, clip=1.0,
                                                                   lr_decay=0.1))

    def split(self, n: int) -> int:
        """Characters held out at the end of an n-character text (at least 2 when val_fraction > 0)."""
        return 0 if self.val_fraction == 0 else max(2, int(round(n * self.val_fraction)))


@dataclass(eq=False)
class TextFit:
    """A trained character model and what it was trained on."""

    model: CharModel
    vocab: Vocab
    config: TextConfig
    result: TrainResult
    train_text: str
    val_text: str  # held out: the last config.val_fraction of the text

    @property
    def train_bpc(self) -> list[float]:
        return to_bits(self.result.losses)

    @property
    def val_bpc(self) -> list[float]:
        return to_bits(self.result.val_losses)


def _chunks(ids: np.ndarray, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs X (n, L) and next-character targets y (n, L) from ids (T,), L = min(length, T - 1).

    Chunk k reads ids[kL : kL + L] and predicts ids[kL + 1 : kL + L + 1]; a tail shorter than L is left out.
    """
    L = min(length, len(ids) - 1)
    n = (len(ids) - 1) // L
    t = torch.from_numpy(np.ascontiguousarray(ids[:n * L + 1]))
    return t[:-1].reshape(n, L), t[1:].reshape(n, L)


def build_model(config: TextConfig, vocab_size: int) -> CharModel:
    """A CharModel for `config`, initialised from config.train.seed (PyTorch's own scheme, private generator)."""
    return init_weights(CharModel(config.model.cell, vocab_size, config.model.hidden_size, config.model.num_layers),
                        config.train.seed, config.model.forget_bias)


def fit_text(text: str, config: TextConfig = TextConfig(), on_epoch: Callable[[Epoch], bool | None] | None = None,
             max_seconds: float | None = None) -> TextFit:
    """Train a next-character model on all but the last config.val_fraction of `text`.

    Losses in the TrainResult are nats per character (to_bits converts; TextFit.train_bpc / val_bpc).
    """
    config.check()
    corpus = Corpus.from_text(text, max_chars=config.max_chars, max_vocab=config.max_vocab)
    n, L = len(corpus), config.seq_len
    n_val = config.split(n)
    if n - n_val < 2 * L + 1:
        need = next(m for m in range(2 * L + 1, 10 * (2 * L + 1) + 10) if m - config.split(m) >= 2 * L + 1)
        raise InputError(f"the text has {n:,} characters; sequence length {L} with {config.val_fraction:.0%} held out "
                         f"needs at least {need:,}: use more text or a shorter sequence length")
    ids = corpus.encode()
    model = build_model(config, len(corpus.vocab))
    if config.stateful:
        result = train_stateful(model, ids[:n - n_val], ids[n - n_val:] if n_val else None, L, config.train,
                                on_epoch, max_seconds)
        return TextFit(model, corpus.vocab, config, result, corpus.text[:n - n_val], corpus.text[n - n_val:])
    X, y = _chunks(ids[:n - n_val], L)
    X_val, y_val = _chunks(ids[n - n_val:], L) if n_val else (None, None)
    result = train(model, TrainData(X, y, X_val, y_val), config.train, on_epoch, max_seconds, loss="cross_entropy")
    return TextFit(model, corpus.vocab, config, result, corpus.text[:n - n_val], corpus.text[n - n_val:])


def bpc(fit: TextFit, text: str, batch: int = 256) -> float:
    """Bits per character of the model on `text` (every character after the first).

    Scored as the model was trained: in chunks of config.seq_len, each from a zero state; or, for a
    stateful model, as batch_size continuous streams (a tail shorter than batch_size characters left out).
    """
    text = normalise(text)
    if len(text) < 2:
        raise InputError("scoring needs a text of at least 2 characters")
    if fit.config.stateful:
        fit.model.eval()
        X, y = streams(fit.vocab.encode(text), fit.config.train.batch_size)
        return read_streams(fit.model, X, y, fit.config.seq_len) / _LN2
    X, y = _chunks(fit.vocab.encode(text), fit.config.seq_len)
    total = 0.0
    fit.model.eval()
    with torch.no_grad():
        for lo in range(0, len(X), batch):
            logits = fit.model(X[lo:lo + batch])
            total += float(nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                       y[lo:lo + batch].reshape(-1), reduction="sum"))
        tail = fit.vocab.encode(text[X.numel():])  # the last chunk's target onwards
        if len(tail) > 1:
            logits = fit.model(torch.from_numpy(tail[None, :-1]))[0]
            total += float(nn.functional.cross_entropy(logits, torch.from_numpy(tail[1:]), reduction="sum"))
    return total / (len(text) - 1) / _LN2


def unigram_bpc(train_text: str, test_text: str) -> float:
    """Bits per character of character frequencies in train_text, with add-one smoothing, on test_text.

    p(c) = (count of c in train_text + 1) / (len(train_text) + A), A = distinct characters of both texts.
    """
    if not test_text:
        raise InputError("the test text is empty")
    chars, inverse = np.unique(np.concatenate([codepoints(train_text), codepoints(test_text)]), return_inverse=True)
    counts = np.bincount(inverse[:len(train_text)], minlength=len(chars))
    logp = np.log2(counts + 1.0) - math.log2(len(train_text) + len(chars))
    return float(-logp[inverse[len(train_text):]].mean())


def record_text(fit: TextFit, text: str, max_steps: int = MAX_STEPS) -> Trace:
    """Trace of the model reading `text` as one sequence from a zero state; its first max_steps characters."""
    text = normalise(text)[:max_steps]
    if not text:
        raise InputError("nothing to record: the text is empty")
    return record(fit.model, torch.from_numpy(fit.vocab.encode(text))[None])

@dataclass(eq=False)
class TextRun:
    """What the text page trains: the fit, and its held-out bits per character beside the unigram
    baseline's (character frequencies alone) on the same held-out text."""

    fit: TextFit
    bpc: float
    unigram_bpc: float

    @property
    def beats_unigram(self) -> bool:
        return self.bpc < self.unigram_bpc


def run_text(text: str, config: TextConfig = TextConfig(), on_epoch: Callable[[Epoch], bool | None] | None = None,
             max_seconds: float | None = None) -> TextRun:
    """`fit_text`, then both scores on the held-out text."""
    fit = fit_text(text, config, on_epoch=on_epoch, max_seconds=max_seconds)
    return TextRun(fit, bpc(fit, fit.val_text), unigram_bpc(fit.train_text, fit.val_text))
