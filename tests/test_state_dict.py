"""Bring your own model: architectures read off state_dicts, outputs identical, hostile files refused."""
import io
import os

import pytest
import torch
from torch import nn

from lstmviz import record
from lstmviz.modelfile.state_dict import build, infer, load_state_dict
from lstmviz.errors import InputError
from tests.test_record import Seed000LSTMModel, Seed001LSTM


def _bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def test_seed000_model_two_layers_with_fc():
    torch.manual_seed(0)
    original = Seed000LSTMModel(1, 6, 2, 1)
    model, arch = build(load_state_dict(_bytes(original.state_dict())))
    assert (arch.cell, arch.prefix, arch.hidden_size, arch.num_layers, arch.head, arch.output_size) == \
        ("lstm", "lstm", 6, 2, "fc", 1)
    x = torch.randn(3, 12, 1)
    with torch.no_grad():
        assert torch.equal(model(x), original(x))
    assert record(model, x).max_error <= 1e-5


def test_seed001_model_seq_first_with_linear():
    torch.manual_seed(1)
    original = Seed001LSTM(hidden_layer_size=10)
    model, arch = build(original.state_dict())
    assert arch.describe() == "LSTM 'lstm': input 1, hidden 10, 1 layer, head 'linear' -> 1"
    seq = torch.randn(12)
    with torch.no_grad():
        assert torch.allclose(model(seq.view(1, 12, 1))[0], original(seq), atol=1e-6)


def test_bidirectional_gru_under_a_nested_prefix_in_a_checkpoint():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Module()
            self.encoder.rnn = nn.GRU(1, 5, num_layers=2, bidirectional=True, batch_first=True)
            self.out = nn.Linear(10, 1)

    net = Net()
    state = load_state_dict(_bytes({"epoch": 3, "model_state_dict": net.state_dict()}))
    model, arch = build(state)
    assert (arch.cell, arch.prefix, arch.bidirectional, arch.head) == ("gru", "encoder.rnn", True, "out")
    x = torch.randn(2, 7, 1)
    with torch.no_grad():
        out, _ = net.encoder.rnn(x)
        assert torch.equal(model(x), net.out(out[:, -1]))


def test_bare_lstm_without_head_or_bias():
    arch = infer(nn.LSTM(2, 3, bias=False).state_dict())
    assert (arch.prefix, arch.bias, arch.head, arch.input_size) == ("", False, None, 2)
    model, _ = build(nn.LSTM(2, 3, bias=False).state_dict())
    assert model(torch.randn(1, 4, 2)).shape == (1, 3)


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    data = _bytes({"lstm.weight_ih_l0": Evil()})
    with pytest.raises(InputError, match="refused by weights_only loading"):
        load_state_dict(data)
    assert not marker.exists()


@pytest.mark.parametrize("data,message", [
    (_bytes([1, 2, 3]), "holds a list, not a state_dict"),
    (b"not a torch file at all", "not a plain state_dict file"),
    (b"", "not a plain state_dict file"),
    (_bytes({"w": torch.zeros(3)}), "no LSTM or GRU weights"),
])
def test_files_that_are_not_state_dicts_say_what_was_expected(data, message):
    with pytest.raises(InputError, match=message):
        infer(load_state_dict(data))


def test_shapes_that_do_not_fit_name_the_key_and_the_expected_shape():
    state = nn.LSTM(1, 4, num_layers=2).state_dict()
    state["weight_hh_l1"] = torch.zeros(16, 5)
    with pytest.raises(InputError, match=r"'weight_hh_l1' has shape \(16, 5\); expected \(16, 4\)"):
        infer(state)
    del state["bias_hh_l1"]
    state["weight_hh_l1"] = torch.zeros(16, 4)
    with pytest.raises(InputError, match="'bias_hh_l1' is missing"):
        infer(state)
    with pytest.raises(InputError, match="projections"):
        infer(nn.LSTM(1, 4, proj_size=2).state_dict())
