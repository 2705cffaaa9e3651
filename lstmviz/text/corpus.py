"""A checked text and its vocabulary: `Corpus.from_text` / `from_bytes` give back a newline-normalised
text with its `Vocab` (distinct characters in code-point order; id = position).

Shapes: a text of T characters encodes to ids (T,) int64.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["Vocab", "Corpus", "codepoints", "normalise", "MAX_CHARS", "MIN_CHARS", "MAX_VOCAB"]

MAX_CHARS = 200_000  # the default cap on a text's length (LSTMVIZ_MAX_TEXT_CHARS on the server)
MIN_CHARS = 32
MAX_VOCAB = 256  # distinct characters; one-hot inputs cost V floats per character


def codepoints(text: str) -> np.ndarray:
    """(T,) uint32 code points; lone surrogates pass through as themselves."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def normalise(text: str) -> str:
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
        cp = codepoints(text)
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
        text = normalise(text.removeprefix("\ufeff"))
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
