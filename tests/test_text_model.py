"""Character models: how much text a fit needs, the config, bits per character against hand computations,
reproducible training, and recording a text."""
import math

import numpy as np
import pytest
import torch

from lstmviz.errors import InputError
from lstmviz.limits import Limits
from lstmviz.text.model import (CharModel, TextConfig, TextRun, bpc, fit_text, record_text, run_text, to_bits,
                                to_nats, unigram_bpc)
from lstmviz.text.units import features

torch.set_num_threads(1)


REPEAT = "the cat sat on the mat. the dog sat on the log. " * 24  # 1,176 characters
TINY = TextConfig().replace(hidden_size=24, seq_len=24, epochs=25, batch_size=8, lr=2e-2, lr_decay=0.3, seed=3)


@pytest.fixture(scope="module")
def tiny_fit():
    return fit_text(REPEAT, TINY)


def test_fit_text_says_how_much_text_it_needs():
    with pytest.raises(InputError, match=r"sequence length 100 with 10% held out needs at least 223"):
        fit_text("abcdefghij" * 10, TextConfig())
    with pytest.raises(InputError, match="needs at least 223"):  # 222 - 22 held out = 200 < 2 * 100 + 1
        fit_text(("abcdefghij" * 23)[:222], TextConfig().replace(epochs=1))
    fit = fit_text(("abcdefghij" * 23)[:223], TextConfig().replace(epochs=1, hidden_size=4))
    assert len(fit.train_text) == 201 and len(fit.val_text) == 22 and fit.result.epochs_run == 1
    with pytest.raises(InputError, match="sequence length must be 2 to 2,000"):
        fit_text(REPEAT, TextConfig(seq_len=1))
    with pytest.raises(InputError, match="cell must be one of"):
        TextConfig().replace(cell="transformer").check()


def test_config_round_trip_and_limits():
    cfg = TextConfig().replace(hidden_size=32, epochs=3, cell="gru")
    assert TextConfig.from_dict(cfg.to_dict()) == cfg and hash(cfg) == hash(TextConfig.from_dict(cfg.to_dict()))
    assert cfg.train.epochs == 3 and cfg.train.seed == cfg.train.seed
    with pytest.raises(InputError, match="unknown setting"):
        cfg.replace(window=3)
    with pytest.raises(InputError, match="128 hidden units is above this server's limit of 64"):
        Limits(hidden_size=64).check_config(TextConfig().replace(hidden_size=128))


def test_unigram_bpc_against_a_hand_computation():
    # counts a:2 b:1, alphabet {a, b}: p(a) = 3/5, p(b) = 2/5 (add-one)
    assert unigram_bpc("aab", "ab") == pytest.approx(-(math.log2(3 / 5) + math.log2(2 / 5)) / 2, abs=1e-12)
    # a character never seen in training gets 1 / (N + A), A counting it: 1 / (3 + 3)
    assert unigram_bpc("aab", "c") == pytest.approx(math.log2(6), abs=1e-12)
    with pytest.raises(InputError, match="empty"):
        unigram_bpc("aab", "")


def test_bits_and_nats():
    assert to_bits(math.log(2)) == pytest.approx(1.0)
    assert to_bits([math.log(4), 0.0]) == pytest.approx([2.0, 0.0])
    np.testing.assert_allclose(to_nats(to_bits(np.array([0.3, 2.5]))), [0.3, 2.5])
    assert to_nats(1.0) == pytest.approx(math.log(2))


def test_tiny_model_beats_the_unigram_baseline(tiny_fit):
    fit = tiny_fit
    assert isinstance(fit.model, CharModel) and fit.result.ok and fit.result.epochs_run == TINY.train.epochs
    assert fit.train_text + fit.val_text == REPEAT and len(fit.val_text) == round(len(REPEAT) * 0.1)
    assert fit.train_bpc == pytest.approx([v / math.log(2) for v in fit.result.losses])
    model_bits, baseline = bpc(fit, fit.val_text), unigram_bpc(fit.train_text, fit.val_text)
    assert baseline == pytest.approx(3.4, abs=0.2)
    assert model_bits < 1.5 < baseline  # a repetitive text is nearly predictable
    # bpc scores every character after the first: one long chunk from a zero state, by hand
    text = fit.val_text[:20]
    ids = torch.from_numpy(fit.vocab.encode(text))
    with torch.no_grad():
        nats = torch.nn.functional.cross_entropy(fit.model(ids[None, :-1])[0], ids[1:])
    assert bpc(fit, text) == pytest.approx(float(nats) / math.log(2), rel=1e-5)


def test_training_is_reproducible_by_seed(tiny_fit):
    cfg = TINY.replace(epochs=3)
    a, b = fit_text(REPEAT, cfg), fit_text(REPEAT, cfg)
    assert a.result.losses == b.result.losses
    assert fit_text(REPEAT, cfg.replace(seed=4)).result.losses != a.result.losses


def test_record_text_and_features_line_up(tiny_fit):
    text = "the dog sat on the mat. the cat"
    trace = record_text(tiny_fit, text)
    assert trace.get("h", module="lstm").shape == (len(text), TINY.model.hidden_size)
    assert len(features(text)["is_space"]) == len(text)
    with pytest.raises(InputError, match=r"'\\n'"):  # no newline in the training text
        record_text(tiny_fit, "the\r\ncat")
    assert trace.max_error <= 1e-5
    np.testing.assert_array_equal(trace.input("lstm")[:, tiny_fit.vocab.chars.index("d")][:5], [0, 0, 0, 0, 1])
    assert record_text(tiny_fit, REPEAT, max_steps=50).get("c").shape == (50, TINY.model.hidden_size)


def test_run_text_is_the_fit_and_both_held_out_scores(tiny_fit):
    run = run_text(REPEAT, TINY)
    assert isinstance(run, TextRun) and run.fit.result.losses == tiny_fit.result.losses  # the same seeded fit
    assert run.bpc == bpc(run.fit, run.fit.val_text)
    assert run.unigram_bpc == unigram_bpc(run.fit.train_text, run.fit.val_text)
    assert run.beats_unigram and run.bpc < 1.5 < run.unigram_bpc


def test_the_package_gives_every_public_name():
    import lstmviz.text as text
    from lstmviz.text import FEATURES, Corpus, TextConfig as Again, builtin_text, colored_text_html, generate  # noqa: F401
    assert Again is TextConfig and all(hasattr(text, name) for name in text.__all__)
    assert {"Vocab", "Corpus", "fit_text", "bpc", "features", "rank_units", "select_span", "generate",
            "colored_text_html", "builtin_text", "TextRun"} <= set(text.__all__)
