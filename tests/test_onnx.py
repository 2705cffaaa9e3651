"""ONNX graphs from torch.onnx.export -> load_model, checked against the PyTorch original and onnx's reference evaluator."""
import io

import numpy as np
import onnx
import pytest
import torch
from onnx import helper
from onnx.reference import ReferenceEvaluator
from torch import nn

import lstmviz
from lstmviz import InputError

TOL = 1e-5


class Net(nn.Module):
    """A recurrent module (batch-first) and a head on the last step, or on every step."""

    def __init__(self, cell="lstm", input_size=3, hidden=5, layers=2, head=None, per_step=False, pick=-1, **kw):
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell](input_size, hidden, layers, batch_first=True, **kw)
        self.head = head if head is not None else nn.Linear(hidden * (2 if kw.get("bidirectional") else 1), 1)
        self.per_step, self.pick = per_step, pick

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out if self.per_step else out[:, self.pick])


def export(net, x, dynamic=True) -> bytes:
    torch.manual_seed(0)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.5)  # biases too: nothing left at its default
    f = io.BytesIO()
    axes = {"x": {0: "batch", 1: "time"}} if dynamic else None
    torch.onnx.export(net.eval(), (x,), f, dynamo=False, input_names=["x"], output_names=["y"], dynamic_axes=axes)
    return f.getvalue()


CASES = {
    "lstm_2_layers": dict(cell="lstm"),
    "gru_2_layers": dict(cell="gru"),
    "rnn_tanh": dict(cell="rnn", layers=1),
    "rnn_relu": dict(cell="rnn", nonlinearity="relu"),
    "lstm_mlp_head": dict(cell="lstm", head=nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2))),
    "gru_per_step_matmul_add": dict(cell="gru", per_step=True),
    "lstm_no_bias": dict(cell="lstm", bias=False, layers=1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_exported_graphs_match_pytorch_and_the_onnx_reference(case):
    net = Net(**CASES[case])
    data = export(net, torch.randn(1, 30, 3))
    loaded = lstmviz.load_model(data, name=f"{case}.onnx")
    assert loaded.description.startswith("ONNX") and loaded.window is None
    x = torch.randn(4, 17, 3)
    with torch.no_grad():
        got, want = loaded(x), net(x)
        net_h, _ = net.rnn(x)
    ref = ReferenceEvaluator(onnx.load_model_from_string(data)).run(None, {"x": x.numpy()})[0] \
        if "relu" not in case else want.numpy()  # onnx's reference RNN knows no Relu; PyTorch is the reference there
    assert float((got - want).abs().max()) <= TOL
    assert float(np.abs(got.numpy() - ref).max()) <= TOL
    assert loaded.per_step == CASES[case].get("per_step", False)
    trace = lstmviz.record(loaded, x)
    assert trace.max_error <= lstmviz.TOLERANCE
    top = net.rnn.num_layers - 1
    for s in range(4):
        np.testing.assert_allclose(trace.get("h", layer=top, sample=s), net_h[s].numpy(), atol=TOL, rtol=0)


def test_a_fixed_input_shape_gives_the_window():
    net = Net(cell="lstm", input_size=1, hidden=50, layers=1)
    loaded = lstmviz.load_model(export(net, torch.randn(1, 50, 1), dynamic=False), name="sine.onnx")
    assert loaded.window == 50 and "window 50 from the input shape" in loaded.description
    x = torch.randn(3, 50, 1)
    with torch.no_grad():
        assert float((loaded(x) - net(x)).abs().max()) <= TOL


def test_glue_that_changes_the_result_is_caught_by_the_reference_check():
    """Reading the first step instead of the last is only Gather nodes, which are passed over; the check sees it."""
    net = Net(cell="lstm", pick=0)
    with pytest.raises(InputError, match="differs from the graph by"):
        lstmviz.load_model(export(net, torch.randn(1, 30, 3)), name="first_step.onnx")


class Scaled(Net):
    def forward(self, x):
        return super().forward(x) * 3.0


class WithState(Net):
    def forward(self, x, h0):
        out, _ = self.rnn(x, h0)
        return self.head(out[:, -1])


class ConvFirst(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.rnn, self.fc = nn.Conv1d(3, 3, 1), nn.LSTM(3, 4, batch_first=True), nn.Linear(4, 1)

    def forward(self, x):
        out, _ = self.rnn(self.conv(x.transpose(1, 2)).transpose(1, 2))
        return self.fc(out[:, -1])


class SeqFirst(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.fc = nn.LSTM(3, 4), nn.Linear(4, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[-1])


def test_what_cannot_be_read_is_refused_in_one_line():
    x = torch.randn(1, 12, 3)
    cases = [
        (export(Net(bidirectional=True, layers=1), x), "runs bidirectional"),
        (export(Scaled(), x), "is Mul, which lstmviz does not read"),
        (export(ConvFirst(), x), "is Conv, which lstmviz does not read"),
        (export(SeqFirst(), x), "batch-first models"),
    ]
    net = WithState(cell="gru", layers=1)
    f = io.BytesIO()
    torch.onnx.export(net.eval(), (x, torch.zeros(1, 1, 5)), f, dynamo=False, input_names=["x", "h0"])
    cases.append((f.getvalue(), "2 inputs and 1 outputs"))
    for data, message in cases:
        with pytest.raises(InputError, match=message) as e:
            lstmviz.load_model(data, name="m.onnx")
        assert "\n" not in str(e.value)


def _single_node_graph(op, attributes, gates, H=3, I=2):
    rng = np.random.default_rng(0)
    inits = [onnx.numpy_helper.from_array(rng.normal(size=s).astype(np.float32), n)
             for n, s in (("W", (1, gates * H, I)), ("R", (1, gates * H, H)), ("B", (1, 2 * gates * H)))]
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
             helper.make_node(op, ["xt", "W", "R", "B"], ["Y", "Yh"], hidden_size=H, **attributes),
             helper.make_node("Squeeze", ["Yh"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["b", "t", I])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


@pytest.mark.parametrize("op, attributes, gates, message", [
    ("GRU", {"linear_before_reset": 0}, 3, "linear_before_reset=0.*compute different things"),
    ("LSTM", {"clip": 3.0}, 4, "clips its cell inputs"),
    ("LSTM", {"input_forget": 1}, 4, "input_forget=1"),
    ("LSTM", {"activations": ["HardSigmoid", "Tanh", "Tanh"]}, 4, "logistic sigmoid"),
    ("GRU", {"direction": "reverse", "linear_before_reset": 1}, 3, "runs reverse"),
])
def test_options_without_an_exact_pytorch_cell_are_refused(op, attributes, gates, message):
    data = _single_node_graph(op, attributes, gates).SerializeToString()
    with pytest.raises(InputError, match=message):
        lstmviz.load_model(data, name="m.onnx")


def test_a_hand_built_graph_reading_the_final_state_loads():
    """Y_h (the last state) instead of Y: no torch exporter involved, checked against the reference evaluator."""
    proto = _single_node_graph("GRU", {"linear_before_reset": 1}, 3)
    loaded = lstmviz.load_model(proto.SerializeToString(), name="hand.onnx")
    x = np.random.default_rng(1).normal(size=(2, 9, 2)).astype(np.float32)
    ref = ReferenceEvaluator(proto).run(None, {"x": x})[0]
    with torch.no_grad():
        assert float(np.abs(loaded(torch.from_numpy(x)).numpy() - ref).max()) <= TOL


def test_weights_in_an_external_file_are_never_opened(tmp_path, monkeypatch):
    # onnx's converter refuses a location that exists relative to the working directory: run it where
    # "../../etc/passwd" points at nothing, whatever directory the tests were started from
    monkeypatch.chdir(tmp_path)
    data = export(Net(layers=1), torch.randn(1, 12, 3))
    proto = onnx.load_model_from_string(data)
    onnx.external_data_helper.convert_model_to_external_data(proto, all_tensors_to_one_file=True,
                                                             location="../../etc/passwd", size_threshold=0)
    with pytest.raises(InputError, match="stored in an external file"):
        lstmviz.load_model(proto.SerializeToString(), name="external.onnx")


def test_junk_with_an_onnx_suffix_is_one_line():
    for junk in (b"\x08\x07" + bytes(range(256)) * 4, b"not a model at all"):
        with pytest.raises(InputError) as e:
            lstmviz.load_model(junk, name="junk.onnx")
        assert "\n" not in str(e.value) and "junk.onnx" in str(e.value)
