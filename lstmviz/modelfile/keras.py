"""Keras model files -> ChainModel, read with json and h5py only: no TensorFlow, no Keras.

Keras 3 `.keras`: a zip of config.json and model.weights.h5 (layers/<name>/cell/vars/0..2 for a
recurrent layer, layers/<name>/vars/0..1 for Dense). Legacy `.h5` (Keras 2, or Keras 3 saving to
.h5): the config in the `model_config` attribute, weights under model_weights/<name>, listed in
order by the group's `weight_names`.

Weights map exactly onto PyTorch's cells (x: (B, T, I) row vectors, so a kernel is W transposed):
    LSTM  kernel (I, 4H), gates i f c o  -> weight_ih (4H, I), gates i f g o: the same order
          one bias (4H,)                 -> bias_ih; bias_hh = 0
    GRU   kernel (I, 3H), gates z r h    -> weight_ih (3H, I), gates r z n
          bias (2, 3H): input, recurrent -> bias_ih, bias_hh (reset_after=True: r multiplies
          (U_h h + b_rec), as in PyTorch's n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))
    SimpleRNN kernel (I, H)              -> nn.RNN weight_ih; bias -> bias_ih; bias_hh = 0
"""
from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np

from ..errors import InputError
from . import hdf5
from .chain import ACTIVATIONS, Activation, ChainModel, Dense, Flatten, Recurrent, build

__all__ = ["read_keras_zip", "read_keras_h5"]

_RECURRENT = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}
_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_NO_OPS = {"InputLayer", "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout"}
_READ = "Input, LSTM, GRU, SimpleRNN, Dense, Dropout, Flatten and Activation"
_WHY = {
    "Bidirectional": "its backward half reads the sequence reversed; lstmviz records one direction per layer "
                     "from Keras files (a bidirectional PyTorch state_dict .pt does load)",
    "Masking": "masked steps are skipped by Keras's recurrent layers, which a stock PyTorch module cannot do; "
               "save the model without the Masking layer",
    "TimeDistributed": "use Dense directly on the sequence (return_sequences=True), which Keras applies per step",
}


def read_keras_zip(data: bytes, name: str, max_bytes: int) -> ChainModel:
    """A Keras 3 `.keras` file (bytes) -> the model; InputError says what the file is instead."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = {i.filename: i for i in z.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError(f"{name} is a damaged zip file: {e}") from None
    if "config.json" not in infos or "model.weights.h5" not in infos:
        sharded = "model.weights.json" in infos
        raise InputError(f"{name} is a zip file but not a Keras model: " +
                         ("its weights are sharded (model.weights.json); save it unsharded" if sharded else
                          "a .keras file holds config.json and model.weights.h5"))
    for part in ("config.json", "model.weights.h5"):
        if infos[part].file_size > max_bytes:
            raise InputError(f"{name}: {part} unpacks to {infos[part].file_size / 2**20:.1f} MB, above the "
                             f"limit of {max_bytes / 2**20:g} MB")
    try:
        config = _json(z.read("config.json"), name)
        weights = z.read("model.weights.h5")
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as e:
        raise InputError(f"{name} is a damaged zip file: {str(e)[:160]}") from None
    with hdf5.open_hdf5(weights, name) as f:
        def weights_of(layer: str, key: str, kind: str, n: int) -> list:
            group = hdf5.child(f, f"layers/{key}/" + ("cell/vars" if kind in _GATES else "vars"), name)
            return [None if group is None else hdf5.child(group, str(k), name) for k in range(n)]

        return _model(config, weights_of, name, "Keras 3")


def read_keras_h5(data: bytes, name: str) -> ChainModel:
    """A legacy Keras HDF5 file saved with model.save (bytes) -> the model."""
    with hdf5.open_hdf5(data, name) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            if "layer_names" in f.attrs or "model_weights" in f or "layers" in f:  # Keras 2's or 3's save_weights
                raise InputError(f"{name} holds Keras weights but no model config (save_weights); save the whole "
                                 "model with model.save('model.keras') or model.save('model.h5')")
            raise InputError(f"{name} is an HDF5 file but not a Keras model: it has no model_config")
        if not isinstance(raw, (str, bytes)):
            raise InputError(f"{name}: its model_config is a {type(raw).__name__}, not JSON text")
        config = _json(raw.encode() if isinstance(raw, str) else raw, name)
        version = f.attrs.get("keras_version", b"")
        version = version.decode() if isinstance(version, bytes) else str(version)
        root = hdf5.child(f, "model_weights", name)
        if root is None:
            raise InputError(f"{name} holds a Keras model config but no weights (model_weights)")

        def weights_of(layer: str, key: str, kind: str, n: int) -> list:
            group = hdf5.child(root, layer, name)
            names = [] if group is None else [w.decode() if isinstance(w, bytes) else str(w)
                                              for w in np.atleast_1d(group.attrs.get("weight_names", []))]
            found = [hdf5.child(group, w, name) for w in names[:n]]
            return found + [None] * (n - len(found))

        return _model(config, weights_of, name, f"Keras {version.split('.')[0] or '2'} (HDF5)")


def _json(raw: bytes, name: str) -> dict:
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise InputError(f"{name}: the model config is not valid JSON: {str(e)[:120]}") from None
    if not isinstance(config, dict):
        raise InputError(f"{name}: the model config is a {type(config).__name__}, not a Keras model")
    return config


def _model(config: dict, weights_of, name: str, framework: str) -> ChainModel:
    layers = _layers(config, name)
    window, features = _input_shape(config, layers)
    steps = []
    width = features
    used: dict[str, int] = {}
    for layer in layers:
        cls, cfg = layer.get("class_name"), layer.get("config") or {}
        lname = str(cfg.get("name") or layer.get("name") or cls)
        key = _key(str(cls), used)

        def found(kind: str, n: int, lname=lname, key=key) -> list:
            return weights_of(lname, key, kind, n)

        if cls in _NO_OPS:
            continue
        if cls in _RECURRENT:
            step = _recurrent(cls, cfg, lname, width, found, name)
            width = step.hidden_size
        elif cls == "Dense":
            step = _dense(cfg, lname, width, found, name)
            width = step.weight.shape[0]
        elif cls == "Flatten":
            step = Flatten(lname)
            width = width * window if width and window else None
        elif cls == "Activation":
            step = Activation(lname, _activation_name(cfg.get("activation"), lname))
        else:
            raise InputError(_refusal(layer, lname))
        steps.append(step)
    return build(steps, framework, window, "layer")


def _key(cls: str, used: dict[str, int]) -> str:
    """Where Keras 3 keeps a layer's weights: its class in snake case, numbered within the model
    (layers/lstm, layers/lstm_1, ...), never its name, which Keras numbers per process."""
    key = re.sub(r"\W+", "", cls)
    key = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", key)
    key = re.sub("([a-z])([A-Z])", r"\1_\2", key).lower()
    if key in used:
        used[key] += 1
        return f"{key}_{used[key]}"
    used[key] = 0
    return key


def _refusal(layer: dict, lname: str) -> str:
    cls = str(layer.get("class_name"))
    module = str(layer.get("module") or "keras")
    registered = layer.get("registered_name")
    if cls in _WHY:
        return f"layer '{lname}' is {cls}, which lstmviz does not read: {_WHY[cls]}"
    if cls in ("Sequential", "Functional", "Model"):
        return f"layer '{lname}' is a whole model inside the model; save the inner model on its own, or flatten it"
    if not module.startswith("keras") or ">" in cls or (isinstance(registered, str) and ">" in registered):
        return f"layer '{lname}' is a custom layer ({registered or cls}); lstmviz reads {_READ} layers"
    return f"layer '{lname}' is {cls}, which lstmviz does not read; it reads {_READ} layers"


def _layers(config: dict, name: str) -> list[dict]:
    """The model's layers in order, from input to output; a functional model must be one chain."""
    cls, cfg = config.get("class_name"), config.get("config")
    if cls == "Sequential":
        layers = cfg.get("layers") if isinstance(cfg, dict) else cfg
    elif cls in ("Functional", "Model") and isinstance(cfg, dict) and "input_layers" in cfg:
        layers = _chain(cfg, name)
    else:
        raise InputError(f"{name} holds a {cls} model, whose config does not list its layers (a subclassed "
                         "model); lstmviz reads Sequential and functional Keras models")
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise InputError(f"{name}: the model config has no list of layers")
    for layer in layers:  # the specific reasons first: masking adds op layers (NotEqual, Any) ahead of Masking
        if layer.get("class_name") in _WHY:
            raise InputError(_refusal(layer, str((layer.get("config") or {}).get("name") or layer.get("name"))))
    return layers


def _chain(cfg: dict, name: str) -> list[dict]:
    by_name = {str(x.get("name") or (x.get("config") or {}).get("name")): x for x in cfg.get("layers", [])
               if isinstance(x, dict)}
    ins, outs = _ends(cfg.get("input_layers")), _ends(cfg.get("output_layers"))
    if len(ins) != 1 or len(outs) != 1:
        raise InputError(f"{name}: the model has {len(ins)} inputs and {len(outs)} outputs; lstmviz reads one of each")
    chain, at = [], outs[0]
    while True:
        if at not in by_name or len(chain) > len(by_name):
            raise InputError(f"{name}: the model's layers do not form one chain (at '{at}')")
        layer = by_name[at]
        chain.append(layer)
        if at == ins[0]:
            break
        at = _source(layer, at)
    for other in set(by_name) - {str(x.get("name") or (x.get("config") or {}).get("name")) for x in chain}:
        layer = by_name[other]
        if layer.get("class_name") in _WHY:
            raise InputError(_refusal(layer, other))
        raise InputError(f"layer '{other}' ({layer.get('class_name')}) is not on the one path from the input to "
                         "the output; lstmviz reads a chain of layers")
    return chain[::-1]


def _ends(spec) -> list[str]:
    if isinstance(spec, list) and spec and isinstance(spec[0], str):
        return [spec[0]]
    return [str(s[0]) for s in spec or [] if isinstance(s, list) and s]


def _source(layer: dict, lname: str) -> str:
    """The name of the one layer feeding `layer`; InputError for several inputs, masks or initial states."""
    nodes = layer.get("inbound_nodes") or []
    if len(nodes) != 1:
        raise InputError(f"layer '{lname}' is called {len(nodes)} times; lstmviz reads a chain where each layer "
                         "runs once")
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [tensor], "kwargs": {...}}
        args, kwargs = node.get("args") or [], node.get("kwargs") or {}
        tensors = [a["config"]["keras_history"][0] for a in args
                   if isinstance(a, dict) and a.get("class_name") == "__keras_tensor__"]
        if len(tensors) != 1 or len(args) != 1:
            raise InputError(f"layer '{lname}' takes {len(args)} inputs; lstmviz reads a chain of layers")
        source = tensors[0]
    else:  # Keras 2: [[name, node, tensor, kwargs], ...]
        if len(node) != 1:
            raise InputError(f"layer '{lname}' takes {len(node)} inputs; lstmviz reads a chain of layers")
        source, kwargs = node[0][0], (node[0][3] if len(node[0]) > 3 else {}) or {}
    extra = sorted(k for k, v in kwargs.items() if k != "training" and v is not None)
    if "mask" in extra:
        raise InputError(f"layer '{lname}' is called with a mask (masking); masked steps are skipped by Keras, "
                         "which a stock PyTorch module cannot do")
    if extra:
        raise InputError(f"layer '{lname}' is called with {', '.join(extra)}; lstmviz reads layers called on "
                         "one input only")
    return str(source)


def _input_shape(config: dict, layers: list[dict]) -> tuple[int | None, int | None]:
    """(window, features) from the input shape, where the file fixes them."""
    shapes = []
    for layer in layers[:2]:
        cfg = layer.get("config") or {}
        shapes += [cfg.get("batch_shape"), cfg.get("batch_input_shape"),
                   (layer.get("build_config") or {}).get("input_shape")]
    shapes.append((config.get("build_config") or {}).get("input_shape"))
    for shape in shapes:
        if isinstance(shape, list) and len(shape) == 3:
            t, f = shape[1], shape[2]
            return (t if isinstance(t, int) and t > 0 else None), (f if isinstance(f, int) and f > 0 else None)
    return None, None


def _activation_name(value, lname: str) -> str:
    if isinstance(value, dict):  # Keras 3 may serialize a built-in as {"class_name": "function", "config": "relu"}
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    if not isinstance(value, str):
        raise InputError(f"layer '{lname}' uses a custom activation; lstmviz applies {', '.join(ACTIVATIONS)}")
    return value


def _recurrent(cls: str, cfg: dict, lname: str, width, weights_of, name: str) -> Recurrent:
    kind = _RECURRENT[cls]
    for option in ("go_backwards", "stateful", "return_state", "time_major"):
        if cfg.get(option):
            raise InputError(f"layer '{lname}' ({cls}) sets {option}=True, which lstmviz does not read" +
                             ("; stateful models carry state between batches, which a recording cannot see"
                              if option == "stateful" else ""))
    activation = _activation_name(cfg.get("activation", "tanh"), lname)
    allowed = ("tanh", "relu") if kind == "rnn" else ("tanh",)
    if activation not in allowed:
        raise InputError(f"layer '{lname}' ({cls}) uses activation={activation!r}; PyTorch's "
                         f"{'RNN' if kind == 'rnn' else cls} cell uses {' or '.join(allowed)}")
    if kind != "rnn":
        rec = _activation_name(cfg.get("recurrent_activation", "sigmoid"), lname)
        if rec == "hard_sigmoid":
            raise InputError(f"layer '{lname}' ({cls}) uses recurrent_activation='hard_sigmoid' (Keras 2's default): "
                             "PyTorch's cells use the logistic sigmoid, so its gates cannot be rebuilt exactly; "
                             "retrain with recurrent_activation='sigmoid'")
        if rec != "sigmoid":
            raise InputError(f"layer '{lname}' ({cls}) uses recurrent_activation={rec!r}; PyTorch's cells use the "
                             "logistic sigmoid")
    if kind == "gru" and not cfg.get("reset_after", True):
        raise InputError(f"layer '{lname}' (GRU) sets reset_after=False: it applies the reset gate before the "
                         "recurrent matrix, PyTorch's GRU after it (Keras's default, reset_after=True), so the two "
                         "compute different things")
    H, G = int(cfg.get("units") or 0), _GATES[kind]
    if H < 1:
        raise InputError(f"layer '{lname}' ({cls}) has no units")
    bias = bool(cfg.get("use_bias", True))
    found = weights_of(kind, 3 if bias else 2)
    if width is None and found[0] is not None and getattr(found[0], "ndim", 0) == 2:
        width = int(found[0].shape[0])  # no input shape in the config: read the features off the kernel
    if width is None:
        raise InputError(f"layer '{lname}' ({cls}): the file gives no input shape")
    kernel = hdf5.read(found[0], (width, G * H), f"'{lname}' kernel", name)
    recurrent = hdf5.read(found[1], (H, G * H), f"'{lname}' recurrent_kernel", name)
    b_ih = b_hh = None
    if bias:
        b = hdf5.read(found[2], (2, G * H) if kind == "gru" else (G * H,), f"'{lname}' bias", name)
        b_ih, b_hh = (b[0], b[1]) if kind == "gru" else (b, np.zeros_like(b))
    w_ih, w_hh = kernel.T, recurrent.T
    if kind == "gru":  # Keras z r h -> PyTorch r z n
        order = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
        w_ih, w_hh = w_ih[order], w_hh[order]
        b_ih, b_hh = (None, None) if b_ih is None else (b_ih[order], b_hh[order])
    return Recurrent(kind, lname, w_ih, w_hh, b_ih, b_hh, bool(cfg.get("return_sequences")),
                     activation if kind == "rnn" else "tanh")


def _dense(cfg: dict, lname: str, width, weights_of, name: str) -> Dense:
    for option in ("lora_rank", "quantization_config"):
        if cfg.get(option):
            raise InputError(f"Dense layer '{lname}' sets {option}, which lstmviz does not read")
    units, bias = int(cfg.get("units") or 0), bool(cfg.get("use_bias", True))
    found = weights_of("dense", 2 if bias else 1)
    if width is None and found[0] is not None and getattr(found[0], "ndim", 0) == 2:
        width = int(found[0].shape[0])
    if width is None:
        raise InputError(f"Dense layer '{lname}': the file gives no input shape")
    kernel = hdf5.read(found[0], (width, units), f"'{lname}' kernel", name)
    b = hdf5.read(found[1], (units,), f"'{lname}' bias", name) if bias else None
    return Dense(lname, kernel.T, b, _activation_name(cfg.get("activation", "linear"), lname))
