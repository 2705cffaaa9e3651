"""Character-level language models on text: corpus, training in bits per character, units that track
quotes and brackets, LSTMVis-style span selection, and sampling.

Shapes: a text of T characters becomes ids (T,) int64 or one-hot (T, V) float32, V = vocabulary size;
the model maps (B, T) ids or (B, T, V) one-hot to logits (B, T, V), the logits at t scoring the
character t + 1. Recorded values are (T, H), axis 0 is time; features are (T,), aligned with them.

Built-in texts. No English prose with a licence that allows redistribution was on the machine this
was written on, so the texts are generated here, deterministically, by the code below (part of
lstmviz, same licence; no third-party text is shipped):
    "stories"   ~100 KB of English-like stories: sentences from a fixed word list, "quoted speech"
                (often several sentences), (asides), numbers and years, chapter headings in
                capitals, paragraphs wrapped at 72 columns. Quotes and brackets are balanced, and
                they matter for prediction: narration is in the past tense, speech in the present,
                asides in -ing ("saw" / "sees" / "seeing"), so a model must know where it is.
                With bench/bench_text.py's settings (128 units, 40 epochs, 20-30 s, ~1.15 bits per
                character), seeds 0-2: a GRU grows an h unit with |r| 0.87 / 0.86 / 0.50 against
                in_quotes and 0.71 / 0.54 / 0.74 against in_brackets; an LSTM reaches the same bits
                per character, but its best units stay at |r| <= 0.27 (quotes) and 0.32-0.43
                (brackets), in c.
    "brackets"  ~30 KB of nested Lisp-like expressions, up to 6 deep: a bracket-depth counter.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from .corpora import BUILTIN_TEXTS, builtin_text
from .analysis import correlation
from .config import Config, ModelConfig, TrainConfig, setting
from .errors import InputError
from .models import CELLS, SequenceModel
from .record import Trace, record
from .train import Epoch, TrainData, TrainResult, init_weights, train

__all__ = ["Vocab", "Corpus", "CharModel", "TextConfig", "TextFit", "BUILTIN_TEXTS", "builtin_text", "fit_text",
           "bpc", "unigram_bpc", "to_bits", "to_nats", "record_text", "features", "FEATURES", "rank_units",
           "top_units", "on_run", "on_runs", "select_span", "matches", "generate", "build_model", "MAX_CHARS",
           "MIN_CHARS", "MAX_VOCAB", "MAX_STEPS"]

MAX_CHARS = 200_000  # the default cap on a text's length (LSTMVIZ_MAX_TEXT_CHARS on the server)
MIN_CHARS = 32
MAX_VOCAB = 256  # distinct characters; one-hot inputs cost V floats per character
MAX_STEPS = 20_000  # characters recorded or generated at once (LSTMVIZ_MAX_RECORD_STEPS)
_LN2 = math.log(2.0)


def to_bits(nats):
    """Nats (PyTorch's cross-entropy) -> bits: a float, or a list / array of them."""
    return [v / _LN2 for v in nats] if isinstance(nats, list) else nats / _LN2


def to_nats(bits):
    """Bits -> nats: a float, or a list / array of them."""
    return [v * _LN2 for v in bits] if isinstance(bits, list) else bits * _LN2


def _codepoints(text: str) -> np.ndarray:
    """(T,) uint32 code points; lone surrogates pass through as themselves."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _normalise(text: str) -> str:
    """Newlines as \n: \r\n (Windows) and \r (old Mac) become \n, so traces and features line up."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _show(chars) -> str:
    return ", ".join(repr(c) for c in list(chars)[:10]) + (" ..." if len(chars) > 10 else "")


@dataclass(frozen=True)
class Vocab:
    """The distinct characters of a text, sorted by code point; id = position in `chars`."""

    chars: tuple[str, ...]

    def __post_init__(self):
        if list(self.chars) != sorted(set(self.chars)) or not all(isinstance(c, str) and len(c) == 1 for c in self.chars):
            raise InputError("a vocabulary is distinct single characters in code-point order: use Vocab.from_text")

    @classmethod
    def from_text(cls, text: str, max_vocab: int = MAX_VOCAB) -> "Vocab":
        chars = tuple(sorted(set(text)))
        if len(chars) > max_vocab:
            raise InputError(f"the text uses {len(chars):,} distinct characters; at most {max_vocab:,} are supported "
                             "(each one is an input of the model): use text in an alphabet with fewer characters")
        return cls(chars)

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, ch: str) -> bool:
        return ch in self._index

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.chars)}

    def unknown(self, text: str) -> list[str]:
        """Characters of `text` that are not in this vocabulary, in order of first appearance."""
        return [c for c in dict.fromkeys(text) if c not in self._index]

    def encode(self, text: str) -> np.ndarray:
        """Text -> ids (T,) int64; InputError naming any character not in the vocabulary."""
        points = np.array([ord(c) for c in self.chars], dtype=np.uint32)
        cp = _codepoints(text)
        ids = np.searchsorted(points, cp).clip(0, max(len(points) - 1, 0))
        if len(points) == 0 or not np.array_equal(points[ids], cp):
            missing = self.unknown(text)
            raise InputError(f"{len(missing)} character(s) are not in the model's vocabulary: {_show(missing)}; "
                             "use only characters that occur in the training text")
        return ids.astype(np.int64)

    def decode(self, ids) -> str:
        """Ids (T,) -> text."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and not 0 <= ids.min() <= ids.max() < len(self.chars):
            raise InputError(f"ids must be 0 to {len(self.chars) - 1} for this vocabulary")
        return "".join([self.chars[i] for i in ids.tolist()])


@dataclass(frozen=True, eq=False)
class Corpus:
    """A checked, newline-normalised text and its vocabulary."""

    text: str
    vocab: Vocab

    @classmethod
    def from_text(cls, text: str, max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS,
                  max_vocab: int = MAX_VOCAB) -> "Corpus":
        """Check and normalise: \\r\\n and \\r become \\n, a leading byte-order mark goes."""
        if not isinstance(text, str):
            raise InputError(f"expected text, got {type(text).__name__}")
        text = _normalise(text.removeprefix("\ufeff"))
        if not text.strip():
            raise InputError("the text is empty or only white space: type or upload some text "
                             "(a few thousand characters or more)")
        if "\x00" in text:
            raise InputError("the text contains NUL characters, so it looks like a binary file: upload plain text")
        if len(text) > max_chars:
            raise InputError(f"the text has {len(text):,} characters; at most {max_chars:,} are allowed: "
                             "use a shorter excerpt")
        if len(text) < min_chars:
            raise InputError(f"the text has {len(text):,} characters; at least {min_chars:,} are needed to train "
                             "(a few thousand give a model something to learn)")
        vocab = Vocab.from_text(text, max_vocab)
        if len(vocab) < 2:
            raise InputError(f"the text uses only one distinct character ({vocab.chars[0]!r}), so there is nothing "
                             "to predict: use text with at least 2 different characters")
        return cls(text, vocab)

    @classmethod
    def from_bytes(cls, data: bytes, **limits) -> "Corpus":
        """An uploaded .txt file: UTF-8 (a byte-order mark is fine), else a clear InputError."""
        max_chars = limits.get("max_chars", MAX_CHARS)
        if len(data) > 4 * max_chars + 3:  # UTF-8 spends at most 4 bytes a character: too long for sure
            raise InputError(f"the file has {len(data):,} bytes, more than {max_chars:,} characters can take: "
                             "upload a shorter excerpt")
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise InputError("the file is UTF-16 text; save it as UTF-8 and upload it again")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"the file is not UTF-8 text (byte {e.start:,} is 0x{data[e.start]:02x}); "
                             "save it as UTF-8 and upload it again") from None
        return cls.from_text(text, **limits)

    def __len__(self) -> int:
        return len(self.text)

    def encode(self) -> np.ndarray:
        return self.vocab.encode(self.text)


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
    return init_weights(CharModel(config.model.cell, vocab_size, config.model.hidden_size, config.model.num_layers), config.train.seed)


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
    X, y = _chunks(ids[:n - n_val], L)
    X_val, y_val = _chunks(ids[n - n_val:], L) if n_val else (None, None)
    model = build_model(config, len(corpus.vocab))
    result = train(model, TrainData(X, y, X_val, y_val), config.train, on_epoch, max_seconds, loss="cross_entropy")
    return TextFit(model, corpus.vocab, config, result, corpus.text[:n - n_val], corpus.text[n - n_val:])


def bpc(fit: TextFit, text: str, batch: int = 256) -> float:
    """Bits per character of the model on `text` (every character after the first).

    Scored in chunks of config.seq_len, each from a zero state, as the model was trained.
    """
    text = _normalise(text)
    if len(text) < 2:
        raise InputError("scoring needs a text of at least 2 characters")
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
    chars, inverse = np.unique(np.concatenate([_codepoints(train_text), _codepoints(test_text)]), return_inverse=True)
    counts = np.bincount(inverse[:len(train_text)], minlength=len(chars))
    logp = np.log2(counts + 1.0) - math.log2(len(train_text) + len(chars))
    return float(-logp[inverse[len(train_text):]].mean())


def record_text(fit: TextFit, text: str, max_steps: int = MAX_STEPS) -> Trace:
    """Trace of the model reading `text` as one sequence from a zero state; its first max_steps characters."""
    text = _normalise(text)[:max_steps]
    if not text:
        raise InputError("nothing to record: the text is empty")
    return record(fit.model, torch.from_numpy(fit.vocab.encode(text))[None])


# ---- features: what a unit might track, each (T,) float64, describing the state after reading char t

FEATURES = {
    "in_quotes": "1 from an opening quote (\" or \u201c) up to its closing one, else 0",
    "in_brackets": "1 inside ( ), [ ] or { }, else 0",
    "bracket_depth": "how many brackets are open",
    "word_position": "1, 2, 3... through the letters and digits of a word, 0 elsewhere",
    "line_position": "characters since the last newline (0 on the newline)",
    "is_space": "white space: space, tab, newline...",
    "is_newline": "newline",
    "is_upper": "an upper-case letter",
    "is_digit": "a digit",
    "is_punctuation": "neither a letter, a digit nor white space",
    "after_sentence_end": "1 from . ! or ? up to the next letter or digit",
}


def _last(mask: np.ndarray) -> np.ndarray:
    """For every t, the last index <= t where mask is True, or -1."""
    return np.maximum.accumulate(np.where(mask, np.arange(len(mask)), -1))


def features(text: str) -> dict[str, np.ndarray]:
    """Per-character features of `text`, name -> (T,) float64 (see FEATURES), aligned with record_text's trace.

    Each describes the state after reading character t, as h_t does: the opening quote is in quotes,
    the closing one is not. Newlines are normalised first, as record_text does.
    """
    cp = _codepoints(_normalise(text))
    if cp.size == 0:
        return {name: np.zeros(0) for name in FEATURES}
    uniq, inv = np.unique(cp, return_inverse=True)
    chars = [chr(c) for c in uniq.tolist()]

    def cls(pred) -> np.ndarray:
        return np.array([pred(c) for c in chars], dtype=bool)[inv]

    t = np.arange(len(cp))
    alnum, space, upper = cls(str.isalnum), cls(str.isspace), cls(str.isupper)
    # quotes: " toggles, \u201c opens, \u201d closes; state = last open/close, flipped by each " since
    toggle = cp == ord('"')
    opens, closes = cp == 0x201C, cp == 0x201D
    k = _last(opens | closes)
    flips = np.cumsum(toggle) - np.where(k >= 0, np.cumsum(toggle)[k.clip(0)], 0)
    quoted = (np.where(k >= 0, opens[k.clip(0)], False) ^ (flips % 2 == 1)).astype(np.float64)
    # brackets: depth never below 0 (a stray closer is ignored): S_t - min(0, min_{s<=t} S_s)
    delta = np.isin(cp, [ord(c) for c in "([{"]).astype(np.int64) - np.isin(cp, [ord(c) for c in ")]}"])
    s = np.cumsum(delta)
    depth = (s - np.minimum(0, np.minimum.accumulate(s))).astype(np.float64)
    newline = cp == ord("\n")
    ends = np.isin(cp, [ord(c) for c in ".!?"])
    return {
        "in_quotes": quoted,
        "in_brackets": (depth > 0).astype(np.float64),
        "bracket_depth": depth,
        "word_position": np.where(alnum, t - _last(~alnum), 0).astype(np.float64),
        "line_position": (t - _last(newline)).astype(np.float64),  # as if a newline came before the text
        "is_space": space.astype(np.float64),
        "is_newline": newline.astype(np.float64),
        "is_upper": upper.astype(np.float64),
        "is_digit": cls(str.isdigit).astype(np.float64),
        "is_punctuation": (~alnum & ~space).astype(np.float64),
        "after_sentence_end": (_last(ends) > _last(alnum)).astype(np.float64),
    }


def rank_units(trace: Trace, feats: dict[str, np.ndarray], quantity: str = "h", top: int = 5,
               module: str | None = None, direction: int = 0) -> list[dict]:
    """The `top` units, over every layer, whose `quantity` is most correlated with each feature.

    feats: name -> (T,) as from `features`, T = the trace's length. Ranked by |Pearson r|;
    returns [{feature, layer, unit, quantity, correlation}], feature by feature in the order given,
    strongest first. Constant features (no quotes in the text, say) are left out.
    """
    name = trace.block(module).module
    layers = sorted({b.layer for b in trace.blocks if b.module == name})
    values = [np.asarray(trace.get(quantity, module=name, layer=l, direction=direction), dtype=np.float64)
              for l in layers]
    T, H = values[0].shape
    for k, f in feats.items():
        if np.shape(f) != (T,):
            raise InputError(f"feature {k!r} has shape {np.shape(f)}; the trace has {T} timesteps: "
                             "compute features on the same text that was recorded")
    names = [k for k, f in feats.items() if np.ptp(np.asarray(f, dtype=np.float64)) > 0]
    if not names:
        return []
    F = np.column_stack([np.asarray(feats[k], dtype=np.float64) for k in names])  # (T, K)
    R = np.concatenate([correlation(F, v) for v in values], axis=1)  # (K, L * H)
    out = []
    for k, feature in enumerate(names):
        for j in np.argsort(-np.abs(R[k]), kind="stable")[:top]:
            out.append({"feature": feature, "layer": layers[j // H], "unit": int(j % H), "quantity": quantity,
                        "correlation": float(R[k, j])})
    return out


def _matrix(values) -> np.ndarray:
    v = np.asarray(values)
    if v.ndim != 2 or v.shape[0] == 0:
        raise InputError(f"values must be a (T, H) array with T >= 1, not shape {v.shape}")
    return v


def select_span(values, start: int, end: int, threshold: float, margin: int = 1) -> np.ndarray:
    """Units (sorted ids) that are on (>= threshold) at every t in [start, end) and off (< threshold)
    at each of the `margin` steps just before and just after it (where those exist). values: (T, H)."""
    v = _matrix(values)
    if not 0 <= start < end <= len(v):
        raise InputError(f"the span [{start}, {end}) must be non-empty and inside [0, {len(v)})")
    if margin < 0:
        raise InputError("margin cannot be negative")
    on = (v[start:end] >= threshold).all(0)
    off = (v[max(0, start - margin):start] < threshold).all(0) & (v[end:end + margin] < threshold).all(0)
    return np.flatnonzero(on & off)


def on_runs(unit_values, threshold: float, shortest: int = 1, longest: int | None = None) -> list[tuple[int, int]]:
    """Every span [start, end), in order, where this one unit is on (>= threshold) and off just around
    it, `shortest` to `longest` steps long and not touching either end of the text.

    Selections that work: by construction `select_span` finds at least this unit on each.
    """
    v = np.asarray(unit_values, dtype=np.float64).reshape(-1)
    edges = np.diff(np.concatenate([[0], (v >= threshold).astype(np.int8), [0]]))
    return [(int(a), int(b)) for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
            if a > 0 and b < len(v) and shortest <= b - a <= (len(v) if longest is None else longest)]


def on_run(unit_values, threshold: float, shortest: int = 3, longest: int = 60) -> tuple[int, int] | None:
    """The longest of `on_runs` (the first of equals), `shortest` to `longest` steps; None if there is none."""
    runs = on_runs(unit_values, threshold, shortest, longest)
    return max(runs, key=lambda r: (r[1] - r[0], -r[0])) if runs else None


def top_units(trace: Trace, text: str, quantity: str = "h", k: int = 8) -> list[int]:
    """Up to k distinct units of the first layer, those whose `quantity` best tracks a feature of
    `text` (the recorded one), strongest |r| first: the rows worth drawing out of a hundred."""
    T = trace.block().shape[0]
    feats = {name: f[:T] for name, f in features(text).items()}
    ranked = [d for d in rank_units(trace, feats, quantity=quantity, top=k) if d["layer"] == 0]
    out: list[int] = []
    for d in sorted(ranked, key=lambda d: -abs(d["correlation"])):
        if d["unit"] not in out:
            out.append(d["unit"])
    return out[:k]


def matches(values, units, threshold: float, min_len: int = 1,
            exclude: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """Maximal spans [start, end), at least min_len long, where all `units` are on (>= threshold) together.

    values: (T, H). exclude: a span (the selection itself, say) whose overlapping matches are dropped.
    """
    v = _matrix(values)
    units = np.asarray(units, dtype=np.int64).reshape(-1)
    if units.size == 0:
        raise InputError("no units selected: pick a span where some units switch on, or lower the threshold")
    if units.min() < 0 or units.max() >= v.shape[1]:
        raise InputError(f"unit ids must be 0 to {v.shape[1] - 1}")
    on = (v[:, units] >= threshold).all(1).astype(np.int8)
    edges = np.diff(np.concatenate([[0], on, [0]]))
    spans = [(int(s), int(e)) for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
             if e - s >= max(min_len, 1)]
    if exclude is not None:
        spans = [(s, e) for s, e in spans if e <= exclude[0] or s >= exclude[1]]
    return spans


def generate(fit: TextFit, prompt: str, length: int = 200, temperature: float = 1.0,
             seed: int = 0) -> tuple[str, Trace]:
    """Sample `length` characters after `prompt`; returns (prompt + sample, trace of the model reading it).

    Each character is drawn from softmax(logits / temperature) with a private generator, so a seed
    gives the same text every time. Low temperatures pick the likeliest characters, high ones
    flatten the distribution. The trace (T = len(prompt) + length) lets the gates be shown over it.
    """
    try:
        ok = math.isfinite(float(temperature)) and float(temperature) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"temperature must be a number above 0 (1 samples the model as it is), not {temperature}")
    temperature = float(temperature)
    prompt = _normalise(prompt)
    if not prompt:
        raise InputError("type a prompt of at least one character to start from")
    if not 1 <= length or len(prompt) + length > MAX_STEPS:
        raise InputError(f"length must be at least 1, and prompt plus length at most {MAX_STEPS:,} characters")
    ids = fit.vocab.encode(prompt)
    g = torch.Generator().manual_seed(seed)
    model, V = fit.model, len(fit.vocab)
    out_ids = []
    model.eval()
    with torch.no_grad():
        out, state = model.recurrent(nn.functional.one_hot(torch.from_numpy(ids)[None], V).float())
        for step in range(length):
            logits = model.head(out[0, -1]).double()
            logits = (logits - logits.max()) / temperature  # the likeliest at 0: no overflow as temperature -> 0
            nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=g)
            out_ids.append(int(nxt))
            if step + 1 < length:
                out, state = model.recurrent(nn.functional.one_hot(nxt[None], V).float(), state)
    text = prompt + fit.vocab.decode(out_ids)
    return text, record_text(fit, text)
