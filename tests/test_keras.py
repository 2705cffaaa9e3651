"""Keras files -> load_model, checked against Keras itself (Keras 3 on the torch backend; no TensorFlow).

Each model gets random, non-default weights (non-zero biases included), is saved as .keras and as
legacy .h5, loaded without Keras, and must give model.predict's outputs; the recorded h at every
step must be Keras's own hidden state sequence.
"""
import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: Keras 3 runs on PyTorch, TensorFlow is never needed

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import lstmviz  # noqa: E402
from lstmviz import InputError  # noqa: E402

L = keras.layers
FORMATS = ("keras", "h5")
TOL = 1e-5


def randomize(model, seed=0):
    """Every weight drawn afresh: kernels N(0, 0.3), biases N(0, 0.5), so no default (zero) bias hides a mapping error."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        scale = 0.5 if "bias" in w.path else 0.3
        w.assign(rng.normal(0, scale, tuple(w.shape)).astype("float32"))
    return model


def roundtrip(model, tmp_path, fmt):
    path = tmp_path / f"{model.name}.{fmt}"
    model.save(path)
    return lstmviz.load_model(path)


def keras_h(model, layer, x):
    """Keras's own hidden state at every step of `layer` (B, T, H), even where it returns only the last."""
    inp = keras.Model(model.inputs, layer.input).predict(x, verbose=0)
    clone = type(layer).from_config({**layer.get_config(), "return_sequences": True, "name": layer.name + "_seq"})
    seq = keras.Sequential([keras.Input(inp.shape[1:]), clone])
    clone.set_weights(layer.get_weights())
    return seq.predict(inp, verbose=0)


def check(model, loaded, x, recurrent):
    """predict vs the loaded model, and each (keras layer, module, layer index)'s h vs the trace."""
    expected = model.predict(x, verbose=0)
    with torch.no_grad():
        got = loaded(torch.from_numpy(x)).numpy()
    assert got.shape == expected.shape
    diff = float(np.abs(got - expected).max())
    assert diff <= TOL, diff
    trace = lstmviz.record(loaded, torch.from_numpy(x))
    assert trace.max_error <= lstmviz.TOLERANCE
    for layer, module, index in recurrent:
        h = keras_h(model, layer, x)  # (B, T, H)
        for s in range(x.shape[0]):
            np.testing.assert_allclose(trace.get("h", module=module, layer=index, sample=s), h[s], atol=TOL, rtol=0)
    return diff


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_keras_sine_tutorial_lstm50_dense1_window50(tmp_path, fmt, rng):
    model = randomize(keras.Sequential([keras.Input((50, 1)), L.LSTM(50), L.Dense(1)], name="sine"))
    loaded = roundtrip(model, tmp_path, fmt)
    assert loaded.window == 50 and (loaded.input_size, loaded.output_size, loaded.per_step) == (1, 1, False)
    assert isinstance(loaded.lstm, torch.nn.LSTM) and loaded.lstm.hidden_size == 50
    assert loaded.description.startswith("Keras 3") and "LSTM 50 -> Dense 1" in loaded.description
    assert "window 50" in loaded.description
    x = np.sin(np.linspace(0, 12, 4 * 50)).reshape(4, 50, 1).astype("float32") + rng.normal(0, 0.1, (4, 50, 1)).astype("float32")
    check(model, loaded, x, [(model.layers[0], "lstm", 0)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_stacked_lstms_with_return_sequences_become_one_two_layer_module(tmp_path, fmt, rng):
    model = randomize(keras.Sequential([keras.Input((20, 2)), L.LSTM(8, return_sequences=True), L.Dropout(0.3),
                                        L.LSTM(8, return_sequences=True), L.LSTM(5), L.Dense(4, activation="relu"),
                                        L.Dense(1)], name="stack"), seed=2)
    loaded = roundtrip(model, tmp_path, fmt)
    assert loaded.lstm.num_layers == 2 and loaded.lstm_2.hidden_size == 5
    assert "LSTM 8 x 2 layers -> LSTM 5 -> Dense 4 (relu) -> Dense 1" in loaded.description
    x = rng.normal(size=(3, 20, 2)).astype("float32")
    a, _, b, c = model.layers[:4]
    check(model, loaded, x, [(a, "lstm", 0), (b, "lstm", 1), (c, "lstm_2", 0)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_gru_reset_after_maps_exactly(tmp_path, fmt, rng):
    model = randomize(keras.Sequential([keras.Input((None, 3)), L.GRU(6), L.Dense(2)], name="gru"), seed=3)
    loaded = roundtrip(model, tmp_path, fmt)
    assert loaded.window is None and isinstance(loaded.gru, torch.nn.GRU)
    assert float(loaded.gru.bias_hh_l0.detach().abs().max()) > 0  # the recurrent bias row arrived
    x = rng.normal(size=(3, 17, 3)).astype("float32")
    check(model, loaded, x, [(model.layers[0], "gru", 0)])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simple_rnn_with_a_head_on_every_step(tmp_path, fmt, activation, rng):
    model = randomize(keras.Sequential([keras.Input((15, 3)), L.SimpleRNN(7, activation=activation, return_sequences=True),
                                        L.Dense(1)], name=f"rnn_{activation}"), seed=4)
    loaded = roundtrip(model, tmp_path, fmt)
    assert loaded.per_step and loaded.rnn.nonlinearity == activation
    x = rng.normal(size=(2, 15, 3)).astype("float32")
    check(model, loaded, x, [(model.layers[0], "rnn", 0)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_functional_chain_without_bias_and_a_flatten_head(tmp_path, fmt, rng):
    inp = keras.Input((12, 1), name="series")
    x = L.LSTM(4, use_bias=False, return_sequences=True)(inp)
    x = L.Dropout(0.5)(x)
    x = L.GRU(3, return_sequences=True)(x)
    out = L.Dense(3, activation="softmax")(L.Flatten()(x))
    model = randomize(keras.Model(inp, out, name="functional_chain"), seed=5)
    loaded = roundtrip(model, tmp_path, fmt)
    assert loaded.lstm.bias is False and loaded.window == 12
    xs = rng.normal(size=(3, 12, 1)).astype("float32")
    check(model, loaded, xs, [(model.layers[1], "lstm", 0), (model.layers[3], "gru", 0)])


def test_a_keras2_style_h5_file_loads(tmp_path, rng):
    """Keras 2 wrote batch_input_shape on the first layer, no InputLayer, and weight names ending ':0'."""
    import json

    import h5py

    model = randomize(keras.Sequential([keras.Input((10, 1)), L.LSTM(4), L.Dense(1)], name="k2"), seed=6)
    lstm, dense = model.layers
    layers = [{"class_name": "LSTM", "config": {**lstm.get_config(), "batch_input_shape": [None, 10, 1],
                                                "recurrent_activation": "sigmoid", "implementation": 2}},
              {"class_name": "Dense", "config": dense.get_config()}]
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    path = tmp_path / "keras2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["keras_version"] = b"2.13.1"
        f.attrs["backend"] = b"tensorflow"
        root = f.create_group("model_weights")
        for layer, names in ((lstm, ["kernel", "recurrent_kernel", "bias"]), (dense, ["kernel", "bias"])):
            g = root.create_group(layer.name)
            full = [f"{layer.name}/{'lstm_cell/' if layer is lstm else ''}{n}:0" for n in names]
            g.attrs["weight_names"] = [n.encode() for n in full]
            for n, w in zip(full, layer.get_weights()):
                g.create_dataset(n, data=w)
    loaded = lstmviz.load_model(path)
    assert loaded.description.startswith("Keras 2 (HDF5)") and loaded.window == 10
    check(model, loaded, rng.normal(size=(2, 10, 1)).astype("float32"), [(lstm, "lstm", 0)])


@keras.saving.register_keras_serializable(package="lstmviz_tests")
class Doubler(L.Layer):
    def call(self, x):
        return 2 * x


REFUSED = {
    "bidirectional": (lambda: [L.Bidirectional(L.LSTM(3)), L.Dense(1)], "Bidirectional"),
    "hard_sigmoid": (lambda: [L.LSTM(3, recurrent_activation="hard_sigmoid"), L.Dense(1)],
                     "recurrent_activation='hard_sigmoid'.*PyTorch's cells use the logistic sigmoid"),
    "go_backwards": (lambda: [L.LSTM(3, go_backwards=True), L.Dense(1)], "'lstm.*' \\(LSTM\\) sets go_backwards=True"),
    "masking": (lambda: [L.Masking(), L.LSTM(3), L.Dense(1)], "Masking"),
    "reset_after": (lambda: [L.GRU(3, reset_after=False), L.Dense(1)], "reset_after=False"),
    "custom": (lambda: [L.LSTM(3, return_sequences=True), Doubler(), L.Dense(1)], "custom layer.*Doubler"),
    "conv": (lambda: [L.Conv1D(4, 3), L.LSTM(3), L.Dense(1)], "Conv1D, which lstmviz does not read"),
    "lstm_relu": (lambda: [L.LSTM(3, activation="relu"), L.Dense(1)], "activation='relu'.*uses tanh"),
    "dense_first": (lambda: [L.Dense(4), L.LSTM(3), L.Dense(1)], "starts with layer 'dense.*' \\(Dense\\)"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_cannot_map_exactly_is_refused_in_one_line(tmp_path, fmt, case):
    layers, message = REFUSED[case]
    model = keras.Sequential([keras.Input((10, 1)), *layers()], name=case)
    model.save(tmp_path / f"m.{fmt}")
    with pytest.raises(InputError, match=message) as e:
        lstmviz.load_model(tmp_path / f"m.{fmt}")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_stateful_model_is_refused(tmp_path, fmt):
    model = keras.Sequential([keras.Input(batch_shape=(2, 10, 1)), L.LSTM(3, stateful=True), L.Dense(1)])
    model.save(tmp_path / f"m.{fmt}")
    with pytest.raises(InputError, match="stateful=True.*carry state between batches"):
        lstmviz.load_model(tmp_path / f"m.{fmt}")


def test_a_functional_model_with_two_inputs_is_refused(tmp_path):
    a, b = keras.Input((10, 1)), keras.Input((10, 1))
    out = L.Dense(1)(L.LSTM(3)(L.Concatenate()([a, b])))
    keras.Model([a, b], out).save(tmp_path / "two.keras")
    with pytest.raises(InputError, match="2 inputs and 1 outputs"):
        lstmviz.load_model(tmp_path / "two.keras")


def test_weights_only_files_say_how_to_save_the_model(tmp_path):
    model = keras.Sequential([keras.Input((10, 1)), L.LSTM(3), L.Dense(1)])
    model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(InputError, match="weights but no model config.*model.save"):
        lstmviz.load_model(tmp_path / "m.weights.h5")


def test_keras_files_load_without_keras_or_tensorflow(tmp_path):
    """A fresh interpreter loads .keras and .h5 and never imports keras or tensorflow."""
    import subprocess
    import sys
    from pathlib import Path

    model = randomize(keras.Sequential([keras.Input((10, 1)), L.GRU(3), L.Dense(1)]))
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    code = ("import sys, lstmviz\n"
            f"for p in ({str(tmp_path / 'm.keras')!r}, {str(tmp_path / 'm.h5')!r}):\n"
            "    print(lstmviz.load_model(p).description)\n"
            "assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules, sorted(sys.modules)\n")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("GRU 3 -> Dense 1") == 2
