"""Stateful truncated backpropagation: streams, each chunk starting from the last one's final state,
and the default (every chunk from a zero state) left as it was."""
import numpy as np
import pytest
import torch

from lstmviz.errors import InputError
from lstmviz.text.model import TextConfig, _chunks, bpc, build_model, fit_text, to_bits
from lstmviz.text.stateful import read_streams, streams
from lstmviz.train import TrainData, train

torch.set_num_threads(1)

TEXT = "def f(x):\n    return (x + 1) * 2\n\nclass A:\n    s = 'a (b) c'\n" * 12  # 732 characters
SMALL = TextConfig().replace(hidden_size=6, seq_len=10, epochs=2, batch_size=3, lr=1e-2, seed=1)


def test_streams_cut_the_ids_into_consecutive_rows_with_next_character_targets():
    X, y = streams(np.arange(23), 4)  # (23 - 1) // 4 = 5 characters a stream
    assert X.tolist() == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]
    assert (y == X + 1).all()
    assert streams(np.arange(3), 8)[0].tolist() == [[0], [1]]  # no more streams than characters to predict


def test_reading_in_chunks_carries_the_state_exactly():
    model = build_model(SMALL, 5).double()
    ids = np.random.default_rng(0).integers(0, 5, 61)
    X, y = streams(ids, 3)  # 3 streams of 20
    whole = read_streams(model, X, y, 20)  # one chunk: the state never leaves the LSTM
    assert read_streams(model, X, y, 7) == pytest.approx(whole, rel=1e-12)  # chunks of 7, 7 and 6
    # the same chunks each from a zero state score otherwise
    fresh = np.mean([read_streams(model, X[:, lo:lo + 7], y[:, lo:lo + 7], 7) * X[:, lo:lo + 7].shape[1]
                     for lo in (0, 7, 14)]) * 3 / 20
    assert abs(fresh - whole) > 1e-6


def test_each_training_chunk_starts_from_the_previous_chunks_final_state():
    fit_config = SMALL.replace(stateful=True, val_fraction=0.2, epochs=1)
    starts, ends = [], []
    original = torch.nn.LSTM.forward

    def spy(self, x, hx=None):
        out, state = original(self, x, hx)
        starts.append(None if hx is None else tuple(s.detach().clone() for s in hx))
        ends.append(tuple(s.detach().clone() for s in state))
        return out, state

    torch.nn.LSTM.forward = spy
    try:
        fit = fit_text(TEXT, fit_config)
    finally:
        torch.nn.LSTM.forward = original
    assert starts[0] is None and len(starts) > 4
    resets = [k for k, s in enumerate(starts) if s is None]  # one for training, one for the held-out streams
    assert len(resets) == 2 and resets[1] > 2
    for k, s in enumerate(starts):
        if s is not None:
            assert all(torch.equal(a, b) for a, b in zip(s, ends[k - 1]))
    # the held-out score read the same way is the last epoch's held-out loss, and bpc agrees
    assert bpc(fit, fit.val_text) == pytest.approx(to_bits(fit.result.val_losses[-1]), rel=1e-6)


def test_the_default_trains_every_chunk_from_a_zero_state_as_before():
    assert TextConfig().stateful is False
    fit = fit_text(TEXT, SMALL)
    from lstmviz.text.corpus import Corpus
    ids = Corpus.from_text(TEXT).encode()
    n = len(ids) - SMALL.split(len(ids))
    X, y = _chunks(ids[:n], SMALL.seq_len)
    X_val, y_val = _chunks(ids[n:], SMALL.seq_len)
    model = build_model(SMALL, len(fit.vocab))
    result = train(model, TrainData(X, y, X_val, y_val), SMALL.train, loss="cross_entropy")
    assert fit.result.losses == result.losses and fit.result.val_losses == result.val_losses


def test_stateful_training_says_how_much_text_it_needs():
    with pytest.raises(InputError, match="3 streams of chunks of 100 needs at least 701 characters"):
        fit_text(TEXT, SMALL.replace(stateful=True, seq_len=100))
    with pytest.raises(InputError, match="patience"):
        fit_text(TEXT, SMALL.replace(stateful=True, patience=2))
