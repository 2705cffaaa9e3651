"""ONNX graphs -> ChainModel: LSTM, GRU and RNN nodes, then Gemm or MatMul+Add heads.

The graph is read with the `onnx` package (protobuf parsing: no code runs, and external data files
are refused rather than opened). torch.onnx.export writes one node per layer, with Transpose,
Squeeze, Gather and shape nodes around them; those carry no weights and are passed over. Because
that glue is passed over rather than interpreted, the result is checked: the graph runs once on a
random input under onnx's own reference evaluator, and the rebuilt model must give the same output.

Gate orders (ONNX -> PyTorch): LSTM i o f c -> i f g o; GRU z r h -> r z n. W (1, G*H, I) and
R (1, G*H, H) are PyTorch's weight_ih / weight_hh up to that order; B (1, 2*G*H) is [Wb, Rb].
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from ..errors import InputError
from .chain import Activation, ChainModel, Dense, Flatten, Recurrent, build

__all__ = ["read_onnx"]

_RECURRENT = {"LSTM": "lstm", "GRU": "gru", "RNN": "rnn"}
_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_DEFAULT_ACTS = {"lstm": ["sigmoid", "tanh", "tanh"], "gru": ["sigmoid", "tanh"]}
_ACTS = {"Relu": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "Softmax": "softmax"}
# Shape plumbing torch.onnx.export writes around recurrent nodes and slices; no weights in them.
_GLUE = {"Transpose", "Squeeze", "Unsqueeze", "Gather", "Slice", "Shape", "Constant", "ConstantOfShape", "Expand",
         "Concat", "Reshape", "Identity", "Cast", "Dropout"}
_READ = "LSTM, GRU and RNN nodes followed by Gemm or MatMul+Add (with Relu, Tanh, Sigmoid or Softmax)"


def read_onnx(data: bytes, name: str) -> ChainModel:
    """An ONNX model (bytes) -> the model; InputError names the node or option it cannot read."""
    import onnx
    from onnx import numpy_helper

    try:
        proto = onnx.load_model_from_string(data)
    except Exception as e:  # DecodeError and friends
        raise InputError(f"{name} is not an ONNX model: {str(e).splitlines()[0][:120] if str(e) else type(e).__name__}") from None
    g = proto.graph
    if not g.node:
        raise InputError(f"{name} is not an ONNX model: it has no graph")
    consts = {}
    for t in g.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            raise InputError(f"{name}: the weight '{t.name}' is stored in an external file; save the model with "
                             "its weights inside (torch.onnx.export does for models under 2 GB)")
        consts[t.name] = _array(numpy_helper.to_array, t, name)
    for node in g.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    consts[node.output[0]] = _array(numpy_helper.to_array, a.t, name)
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1 or len(g.output) != 1:
        raise InputError(f"{name}: the graph has {len(inputs)} inputs and {len(g.output)} outputs; lstmviz reads "
                         "one of each (export with the initial states left out of forward's arguments)")
    dims = [d.dim_value if d.dim_value > 0 else None for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 3:
        raise InputError(f"{name}: the graph's input has {len(dims)} dimensions; lstmviz reads (batch, time, features)")

    steps, pending = [], None  # pending: a MatMul's Dense waiting for the Add that holds its bias
    for node in g.node:
        op, label = node.op_type, node.name or node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise InputError(f"node '{label}' is {node.domain}.{op}, a custom operator; lstmviz reads {_READ}")
        if op == "Add" and pending is not None and pending[1] in node.input:
            other = [i for i in node.input if i != pending[1]]
            bias = consts.get(other[0]) if other else None
            if bias is None or bias.size != pending[0].weight.shape[0]:
                raise InputError(f"node '{label}' (Add) adds something other than a bias to '{pending[0].name}'")
            pending[0].bias = bias.reshape(-1).astype(np.float64)
            pending = None
            continue
        pending = None
        if op in _RECURRENT:
            steps.append(_recurrent(node, label, consts, inputs[0].name, name))
        elif op == "Gemm":
            steps.append(_gemm(node, label, consts))
        elif op == "MatMul":
            w = consts.get(node.input[1])
            if w is None or w.ndim != 2:
                raise InputError(f"node '{label}' (MatMul) multiplies by something other than a weight matrix; "
                                 f"lstmviz reads {_READ}")
            steps.append(Dense(label, w.T.astype(np.float64), None))
            pending = (steps[-1], node.output[0])
        elif op in _ACTS:  # a Softmax over another axis than the last fails the check below
            steps.append(Activation(label, _ACTS[op]))
        elif op == "Flatten":
            steps.append(Flatten(label))
        elif op not in _GLUE:
            raise InputError(f"node '{label}' is {op}, which lstmviz does not read; it reads {_READ}")
    recurrent = [s for s in steps if isinstance(s, Recurrent)]
    if not recurrent:
        raise InputError(f"{name} has no LSTM, GRU or RNN node; lstmviz shows the inside of recurrent models")
    probe, expected = _reference(proto, inputs[0].name, dims, recurrent[0].input_size, name)
    flattens = any(isinstance(s, Flatten) for s in steps)
    recurrent[-1].sequences = expected.ndim == 3 or flattens
    producer = f", from {proto.producer_name} {proto.producer_version}".rstrip() if proto.producer_name else ""
    model = build(steps, f"ONNX{producer}", dims[1], "node")
    with torch.no_grad():  # in float64 when the evaluator ran in it, so float32 rounding cannot pass for a mismatch
        got = (copy.deepcopy(model).double() if probe.dtype == np.float64 else model)(torch.from_numpy(probe))
        got = got.double().numpy()
    if got.shape != expected.shape:
        raise InputError(f"{name}: the graph's output has shape {expected.shape}, the rebuilt model's "
                         f"{got.shape}; the graph does more than {_READ}")
    diff = float(np.abs(got - expected).max()) if got.size else 0.0
    if not diff <= (1e-5 if probe.dtype == np.float64 else 1e-3) * max(1.0, float(np.abs(expected).max())):
        raise InputError(f"{name}: on a test input the rebuilt model differs from the graph by {diff:.3g}; the graph "
                         f"does more than {_READ}")
    return model


def _array(to_array, tensor, name: str) -> np.ndarray:
    try:
        return np.asarray(to_array(tensor))
    except Exception as e:
        raise InputError(f"{name}: the tensor '{tensor.name}' cannot be read: {str(e)[:120]}") from None


def _attr(node, key: str, default=None):
    from onnx import helper

    for a in node.attribute:
        if a.name == key:
            value = helper.get_attribute_value(a)
            return [v.decode() if isinstance(v, bytes) else v for v in value] if isinstance(value, list) else (
                value.decode() if isinstance(value, bytes) else value)
    return default


def _recurrent(node, label: str, consts: dict, graph_input: str, name: str) -> Recurrent:
    op, kind = node.op_type, _RECURRENT[node.op_type]
    G = _GATES[kind]
    direction = _attr(node, "direction", "forward")
    if direction != "forward":
        raise InputError(f"node '{label}' ({op}) runs {direction}; lstmviz reads forward {op} nodes only")
    if _attr(node, "clip") is not None:
        raise InputError(f"node '{label}' ({op}) clips its cell inputs (clip), which PyTorch's cells do not")
    if kind == "lstm" and _attr(node, "input_forget", 0):
        raise InputError(f"node '{label}' (LSTM) couples its input and forget gates (input_forget=1), which "
                         "PyTorch's LSTM does not")
    if kind == "gru" and not _attr(node, "linear_before_reset", 0):
        raise InputError(f"node '{label}' (GRU) has linear_before_reset=0: it applies the reset gate before the "
                         "recurrent matrix, PyTorch's GRU after it, so the two compute different things")
    acts = [a.lower() for a in _attr(node, "activations", []) or []]
    if kind == "rnn":
        nonlinearity = (acts or ["tanh"])[0]
        if nonlinearity not in ("tanh", "relu") or len(acts) > 1:
            raise InputError(f"node '{label}' (RNN) uses activations {acts}; PyTorch's RNN uses tanh or relu")
    elif acts and acts != _DEFAULT_ACTS[kind]:
        raise InputError(f"node '{label}' ({op}) uses activations {acts}; PyTorch's {op} uses "
                         f"{_DEFAULT_ACTS[kind]}, the logistic sigmoid for its gates")
    ins = list(node.input) + [""] * (8 - len(node.input))
    if ins[4]:
        raise InputError(f"node '{label}' ({op}) takes sequence_lens (variable lengths); export it without")
    if kind == "lstm" and ins[7]:
        raise InputError(f"node '{label}' (LSTM) has peephole weights (P), which PyTorch's LSTM does not")
    if ins[0] == graph_input and not _attr(node, "layout", 0):
        raise InputError(f"node '{label}' ({op}) reads the graph's input as (time, batch, features); lstmviz reads "
                         "batch-first models: export one built with batch_first=True")
    W, R, B = (consts.get(i) if i else None for i in ins[1:4])
    if W is None or R is None:
        raise InputError(f"node '{label}' ({op}): its weights W and R are not constants in the file")
    H = int(_attr(node, "hidden_size", R.shape[-1]))
    if W.ndim != 3 or W.shape[:2] != (1, G * H) or R.shape != (1, G * H, H) or (B is not None and B.shape != (1, 2 * G * H)):
        raise InputError(f"node '{label}' ({op}): weights of shapes W {W.shape}, R {R.shape}"
                         f"{'' if B is None else f', B {B.shape}'} do not fit hidden_size {H}")
    order = {"lstm": np.r_[0:H, 2 * H:4 * H, H:2 * H], "gru": np.r_[H:2 * H, 0:H, 2 * H:3 * H],
             "rnn": np.r_[0:H]}[kind]  # i o f c -> i f c o; z r h -> r z h
    W, R = W[0].astype(np.float64)[order], R[0].astype(np.float64)[order]
    b_ih = b_hh = None
    if B is not None:
        b = B[0].astype(np.float64)
        b_ih, b_hh = b[:G * H][order], b[G * H:][order]
    return Recurrent(kind, label, W, R, b_ih, b_hh, True, nonlinearity if kind == "rnn" else "tanh")


def _gemm(node, label: str, consts: dict) -> Dense:
    ins = list(node.input) + [""] * (3 - len(node.input))
    B, C = consts.get(ins[1]), consts.get(ins[2]) if ins[2] else None
    if B is None or B.ndim != 2 or (ins[2] and C is None) or _attr(node, "transA", 0):
        raise InputError(f"node '{label}' (Gemm) multiplies by something other than a weight matrix")
    alpha, beta = float(_attr(node, "alpha", 1.0)), float(_attr(node, "beta", 1.0))
    w = alpha * (B if _attr(node, "transB", 0) else B.T).astype(np.float64)
    bias = None if C is None else beta * np.broadcast_to(C.astype(np.float64).reshape(-1) if C.size > 1 else C.reshape(()),
                                                         (w.shape[0],)).copy()
    return Dense(label, w, bias)


def _reference(proto, input_name: str, dims: list, features: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A random input of the graph's shape, and what onnx's reference evaluator makes of it.

    In float64 where the graph allows it (its float32 weights promote), so that rounding stays far
    below what a misread graph changes; over at most 20 steps when the graph runs on fewer than it
    was exported for, so that a long window cannot grow the rounding either.
    """
    from onnx.reference import ReferenceEvaluator

    try:
        evaluator = ReferenceEvaluator(proto, new_ops=[_relu_rnn()])
    except Exception as e:
        raise InputError(f"{name}: the graph cannot be run: {_first(e)}") from None
    B, F = dims[0] or 2, dims[2] or features
    rng = np.random.default_rng(0)
    error: Exception = TypeError("its output is neither float32 nor float64")
    for T in dict.fromkeys([min(dims[1] or 8, 20), dims[1] or 8]):
        for dtype in (np.float64, np.float32):
            x = rng.standard_normal((B, T, F)).astype(dtype)
            try:
                out = np.asarray(evaluator.run(None, {input_name: x})[0])
            except Exception as e:
                error = e
                continue
            if out.dtype == dtype:
                return x, out.astype(np.float64)
    raise InputError(f"{name}: the graph does not run on a (batch, time, features) input: {_first(error)}") from None


def _first(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:160]


def _relu_rnn():
    """onnx's reference RNN, which knows only Tanh among the activations nn.RNN has, taught Relu."""
    from onnx.reference.ops.op_rnn import RNN_14

    class RNN(RNN_14):
        op_domain = ""

        def choose_act(self, name, alpha, beta):
            if name in ("Relu", "relu"):
                return lambda x: np.maximum(x, 0)
            return super().choose_act(name, alpha, beta)

    return RNN
