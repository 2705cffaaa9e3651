"""Vocabulary and corpus: round trips, newline normalisation, and bad text refused with the reason."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.errors import InputError
from lstmviz.text.corpus import Corpus, Vocab


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_vocab_round_trip(text):
    vocab = Vocab.from_text(text)
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert len(vocab) == len(set(text)) and ids.max() < len(vocab)
    assert vocab.decode(ids) == text
    assert list(vocab.chars) == sorted(set(text))


def test_vocab_refuses_unknown_characters_and_bad_ids():
    vocab = Vocab.from_text("abc")
    with pytest.raises(InputError, match=r"not in the model's vocabulary: 'z', 'é'"):
        vocab.encode("abzcé")
    with pytest.raises(InputError, match="ids must be 0 to 2"):
        vocab.decode([0, 3])
    with pytest.raises(InputError, match="Vocab.from_text"):
        Vocab(("b", "a"))
    assert "b" in vocab and "z" not in vocab and vocab.unknown("xaxy") == ["x", "y"]


def test_corpus_normalises_newlines_and_byte_order_mark():
    c = Corpus.from_text("\ufeffline one\r\nline two\rline three" + "." * 40)
    assert c.text.startswith("line one\nline two\nline three") and "\r" not in c.text
    assert c.vocab.decode(c.encode()) == c.text
    u = Corpus.from_bytes(("\ufeff" + "h\u00e9llo w\u00f6rld\r\n" * 5).encode("utf-8"))
    assert u.text == "h\u00e9llo w\u00f6rld\n" * 5


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("   \n\t  ", "empty or only white space"),
    ("short", "5 characters; at least 32"),
    ("a" * 100, "only one distinct character \\('a'\\)"),
    ("ab" * 60 + "\x00", "binary"),
    ("".join(chr(0x4E00 + k) for k in range(300)), "300 distinct characters; at most 256"),
])
def test_corpus_refuses_bad_text(text, message):
    with pytest.raises(InputError, match=message):
        Corpus.from_text(text)


def test_corpus_length_limit_and_bad_bytes():
    with pytest.raises(InputError, match="1,001 characters; at most 1,000"):
        Corpus.from_text("ab" * 500 + "c", max_chars=1000)
    assert len(Corpus.from_text("ab" * 500, max_chars=1000)) == 1000
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 3 is 0xe9\)"):
        Corpus.from_bytes(b"caf\xe9 au lait, a long enough text to train on.")
    with pytest.raises(InputError, match="UTF-16"):
        Corpus.from_bytes("hello".encode("utf-16"))
    with pytest.raises(InputError, match="bytes, more than 10 characters"):
        Corpus.from_bytes(b"x" * 100, max_chars=10)
