"""The forecasting page with uploaded model files: Keras and ONNX read without their frameworks, the
window a file fixes, the same views on the user's data, and one clear line for a file it cannot read."""
import base64
import json
import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: no TensorFlow anywhere

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from lstmviz.data import builtin  # noqa: E402
from tests.test_app import _metrics, _new, _view  # noqa: E402
from tests.test_keras import keras_h, randomize  # noqa: E402
from tests.test_onnx import Net, export  # noqa: E402

SINE = builtin("sine", length=400, period=50, noise=0.0)  # the sine preset's series: 350 to train, 50 to test


@pytest.fixture(scope="module")
def keras_sine(tmp_path_factory):
    """(model, its .keras bytes): the Keras sine tutorial's LSTM(50) then Dense(1) on windows of 50, random weights."""
    model = randomize(keras.Sequential([keras.Input((50, 1)), keras.layers.LSTM(50), keras.layers.Dense(1)],
                                       name="sine"), seed=3)
    path = tmp_path_factory.mktemp("keras") / "sine.keras"
    model.save(path)
    return model, path.read_bytes()


def _upload(at, name: str, data: bytes):
    at.selectbox(key="builtin").set_value("sine").run()
    at.radio(key="model_source").set_value("Upload weights").run()
    at.file_uploader(key="weights").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def _gates_render(at, steps: int, units: int, names: str) -> dict[str, np.ndarray]:
    """Gate dynamics shows its exactness check and heatmaps of `steps` timesteps for `units` units;
    returns what they show, name -> (units, steps)."""
    _view(at, "Gate dynamics")
    assert not at.error and any(s.value.startswith("Exact") for s in at.success)
    heatmaps = [t for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"] if t["type"] == "heatmap"]
    assert {t["name"] for t in heatmaps} == set(names)
    shown = {}
    for t in heatmaps:  # units x timesteps, one panel per quantity; the page sends them as typed arrays
        z = t["z"]
        values = np.frombuffer(base64.b64decode(z["bdata"]), z["dtype"])
        assert tuple(int(k) for k in str(z["shape"]).split(",")) == (units, steps) and values.size == units * steps
        assert np.isfinite(values).all()
        shown[t["name"]] = values.reshape(units, steps)
    return shown


def _captions(where) -> list[str]:
    return [c.value.replace("\\", "") for c in where.caption]  # plain() escapes Markdown


def _one_step_rmse(predict, window: int) -> tuple[float, np.ndarray]:
    """RMSE of one-step forecasts over the sine's test part, with `predict` (windows (B, window, 1) of
    the series scaled to [-1, 1] on its 350 training values -> (B,) scaled), and the scaled series."""
    y, n = SINE.values, 350
    lo, hi = y[:n].min(), y[:n].max()
    z = (2 * (y - lo) / (hi - lo) - 1).astype("float32")
    windows = np.stack([z[t - window:t] for t in range(n, len(y))])[:, :, None]
    pred = (np.asarray(predict(windows), dtype="float64").reshape(-1) + 1) * (hi - lo) / 2 + lo
    return float(np.sqrt(np.mean((pred - y[n:]) ** 2))), z


def test_a_keras_sine_model_shows_what_it_read_its_window_and_its_forecast(keras_sine):
    model, data = keras_sine
    at = _upload(_new(), "sine.keras", data)
    assert not at.error
    said = _captions(at.sidebar)
    assert any("sine.keras" in c and "Keras 3: LSTM 50 -> Dense 1; window 50 from the input shape" in c for c in said)
    window = at.number_input(key="window_fixed")
    assert window.value == 50 and window.disabled and window.label == "Window"
    assert any(c.startswith("Fixed by the model file: its input shape is 50 steps") for c in said)
    assert not [s for s in at.slider if s.label == "Window"]  # no other window is offered
    # the page's one-step forecasts are Keras's own predictions
    rmse, z = _one_step_rmse(lambda w: model.predict(w, verbose=0), 50)
    assert _metrics(at).loc["one-step", "RMSE"] == pytest.approx(rmse, rel=1e-4)
    shown = _captions(at.main)
    assert any(c.startswith("Uploaded weights: Keras 3: LSTM 50 -> Dense 1") for c in shown)
    assert any(c.startswith("**The uploaded model** (its weights, not trained here); transform **none**") for c in shown)
    assert not any("seed" in c for c in shown)  # no seed made these weights here
    h = _gates_render(at, 50, 50, "ifgoch")["h"]
    # the window shown first ends where the test part starts: its h is Keras's own hidden state
    np.testing.assert_allclose(h, keras_h(model, model.layers[0], z[None, 300:350, None])[0].T, atol=1e-5)


def test_an_onnx_model_shows_what_it_read_and_leaves_an_open_window_to_the_user():
    net = Net("gru", input_size=1, hidden=6, layers=1)
    data = export(net, torch.randn(1, 24, 1))  # random weights (into `net` too), a dynamic time axis
    at = _upload(_new(), "mine.onnx", data)
    assert not at.error
    said = _captions(at.sidebar)
    assert any(c.startswith("Read from **mine.onnx**: ONNX, from pytorch") and "GRU 6 -> Dense 1" in c for c in said)
    assert any("any sequence length" in c for c in said)
    window = next(s for s in at.slider if s.label == "Window")
    assert window.value == 50  # the sine preset's: the file leaves the window open
    assert "window_fixed" not in [w.key for w in at.number_input]
    window.set_value(30).run()
    assert not at.error
    with torch.no_grad():  # the page's one-step forecasts are the exported PyTorch model's own, on windows of 30
        rmse, _ = _one_step_rmse(lambda w: net(torch.from_numpy(w)).numpy(), 30)
    assert _metrics(at).loc["one-step", "RMSE"] == pytest.approx(rmse, rel=1e-4)
    _gates_render(at, 30, 6, "rznh")


def test_an_onnx_graph_with_a_fixed_length_fixes_the_window():
    torch.manual_seed(1)
    data = export(Net("lstm", input_size=1, hidden=4, layers=1), torch.randn(1, 24, 1), dynamic=False)
    at = _upload(_new(), "fixed.onnx", data)
    assert not at.error and at.number_input(key="window_fixed").value == 24
    _gates_render(at, 24, 4, "ifgoch")


@pytest.mark.parametrize("name, data, says", [
    ("junk.keras", b"PK\x03\x04 not really a zip", "damaged zip file"),
    ("junk.onnx", b"\x08\x07 not a protobuf", "is not an ONNX model"),
    ("junk.h5", b"\x89HDF\r\n\x1a\n truncated", "cannot be read"),
])
def test_a_file_that_is_not_a_model_gets_one_line_saying_what_to_upload(name, data, says):
    at = _upload(_new(), name, data)
    assert len(at.error) == 1
    line = at.error[0].value.replace("\\", "")
    assert line.startswith(name) and says in line and "\n" not in line
    assert "To fix it, upload a PyTorch state_dict (.pt), a Keras model saved with model.save" in line
    assert not at.table and len(at.get("plotly_chart")) == 1  # the series preview only: no views


def test_a_model_file_above_the_upload_limit_is_refused_before_it_is_read(keras_sine, monkeypatch):
    _, data = keras_sine
    monkeypatch.setenv("LSTMVIZ_MAX_UPLOAD_MB", "0.01")  # 10 KB; the file is about 60 KB
    at = _upload(_new(), "sine.keras", data)
    size = f"{len(data) / 1e6:.1f} MB"
    assert [e.value for e in at.error] == [f"sine.keras: the file is {size}; this server allows 0.01 MB"]
    assert "own_weights" not in at.session_state
