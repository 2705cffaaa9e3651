"""load_model's edge: the kind told by content, untrusted files refused in one line, and the CLI taking every format."""
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import lstmviz  # noqa: E402
from lstmviz import InputError  # noqa: E402
from lstmviz.__main__ import main  # noqa: E402
from lstmviz.models import SequenceModel  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
L = keras.layers


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """One forecaster (1 feature in, 1 out, window 12) in each format, and what it predicts for a probe input."""
    d = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(0)
    k = keras.Sequential([keras.Input((12, 1)), L.LSTM(6), L.Dense(1)])
    for w in k.weights:
        w.assign(rng.normal(0, 0.3, tuple(w.shape)).astype("float32"))
    k.save(d / "m.keras")
    k.save(d / "m.h5")
    torch.manual_seed(0)
    net = SequenceModel("gru", 1, 6).eval()
    torch.save(net.state_dict(), d / "m.pt")
    torch.onnx.export(net, (torch.randn(1, 12, 1),), d / "m.onnx", dynamo=False, input_names=["x"],
                      dynamic_axes={"x": {0: "b"}})
    return d


@pytest.mark.parametrize("fmt, framework, window", [("pt", "PyTorch state_dict", None), ("keras", "Keras 3", 12),
                                                    ("h5", "Keras 3 (HDF5)", 12), ("onnx", "ONNX", 12)])
def test_every_format_loads_from_a_path_bytes_or_a_file_object(files, fmt, framework, window):
    path = files / f"m.{fmt}"
    models = [lstmviz.load_model(path), lstmviz.load_model(path.read_bytes(), name=path.name)]
    with open(path, "rb") as f:
        models.append(lstmviz.load_model(f))
    x = torch.randn(2, 12, 1)
    with torch.no_grad():
        outs = [m(x) for m in models]
    for m, out in zip(models, outs):
        assert m.description.startswith(framework) and m.window == window
        assert torch.equal(out, outs[0]) and out.shape == (2, 1)
        assert lstmviz.record(m, x).max_error <= lstmviz.TOLERANCE


def test_content_decides_not_the_suffix(files, tmp_path):
    """A Keras file renamed .pt is still read as Keras; an ONNX graph without a suffix is still ONNX."""
    (tmp_path / "renamed.pt").write_bytes((files / "m.keras").read_bytes())
    assert lstmviz.load_model(tmp_path / "renamed.pt").framework == "Keras 3"
    assert lstmviz.load_model((files / "m.onnx").read_bytes()).description.startswith("ONNX")
    assert lstmviz.load_model((files / "m.h5").read_bytes(), name="upload").framework == "Keras 3 (HDF5)"


def _one_line(source, match, **kw):
    with pytest.raises(InputError, match=match) as e:
        lstmviz.load_model(source, **kw)
    assert "\n" not in str(e.value) and "Traceback" not in str(e.value)


def test_files_that_are_not_models_get_one_line(files, tmp_path):
    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"] = np.arange(10)
    _one_line(tmp_path / "data.h5", "data.h5 is an HDF5 file but not a Keras model")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    _one_line(buf.getvalue(), "neither a Keras model .* nor a PyTorch state_dict", name="notes.zip")
    _one_line(buf.getvalue(), "notes.keras is a zip file but not a Keras model: a .keras file holds config.json",
              name="notes.keras")
    keras_bytes = (files / "m.keras").read_bytes()
    _one_line(keras_bytes[: len(keras_bytes) // 2], "damaged zip", name="half.keras")
    h5_bytes = (files / "m.h5").read_bytes()
    _one_line(h5_bytes[:3000], "cannot be read", name="half.h5")
    _one_line(b"plain text", "not an HDF5 file, so not a Keras .h5 model", name="fake.h5")
    _one_line(b"plain text", "not a plain state_dict", name="fake.pt")
    _one_line(b"", "is empty", name="empty.keras")
    _one_line(tmp_path / "missing.keras", "no such model file")
    _one_line(files / "m.keras", "m.keras is 0.0 MB, above the limit of .* MB \\(LSTMVIZ_MAX_UPLOAD_MB\\)", max_bytes=100)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    """A small .keras whose weights member inflates past the limit: the declared size is checked first."""
    with zipfile.ZipFile(tmp_path / "bomb.keras", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", bytes(5 * 2**20))
    assert (tmp_path / "bomb.keras").stat().st_size < 2**20 / 10
    _one_line(tmp_path / "bomb.keras", "model.weights.h5 unpacks to 5.0 MB, above the limit of 1 MB", max_bytes=2**20)


def _rezip(source: Path, target: Path, change):
    with zipfile.ZipFile(source) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    change(parts)
    with zipfile.ZipFile(target, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_tampered_keras_archives_are_explained(files, tmp_path):
    def bad_json(parts):
        parts["config.json"] = b"{not json"

    def wrong_units(parts):
        config = json.loads(parts["config.json"])
        config["config"]["layers"][1]["config"]["units"] = 7
        parts["config.json"] = json.dumps(config).encode()

    def deep_json(parts):
        parts["config.json"] = b"[" * 100_000 + b"]" * 100_000

    for change, match in ((bad_json, "not valid JSON"), (wrong_units, "kernel has shape \\(1, 24\\); the model's "
                                                                       "config calls for \\(1, 28\\)"),
                          (deep_json, "not valid JSON|not a Keras model")):
        _rezip(files / "m.keras", tmp_path / "t.keras", change)
        _one_line(tmp_path / "t.keras", match)


def test_an_hdf5_link_to_another_file_is_never_followed(files, tmp_path):
    """h5py follows external links; a model file that points elsewhere on the server is refused."""
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as f:
        f.create_group("lstm")
    target = tmp_path / "linked.h5"
    target.write_bytes((files / "m.h5").read_bytes())
    with h5py.File(target, "a") as f:
        name = [n for n in f["model_weights"] if n.startswith("lstm")][0]
        del f["model_weights"][name]
        f["model_weights"][name] = h5py.ExternalLink(str(secret), "/lstm")
    _one_line(target, "is a link to elsewhere \\(ExternalLink\\)")


# --- the command line -----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _threads():
    """main() sets torch to one thread for the process; give the rest of the test run its threads back."""
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("fmt", ["pt", "keras", "h5", "onnx"])
def test_cli_forecast_takes_every_format(files, fmt, capsys):
    code = main(["forecast", str(ROOT / "assets" / "airline_passengers.csv"), "--model", str(files / f"m.{fmt}"),
                 "--horizon", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    result = json.loads(out.out)
    assert result["stopped"] == "loaded" and f"m.{fmt}: " in result["message"]
    assert len(result["forecast"]) == 3 and all(np.isfinite(result["forecast"]))
    assert result["config"]["window"] == 12  # the Keras and ONNX files fix it; 12 is also the airline default
    assert result["config"]["model"]["cell"] == ("gru" if fmt in ("pt", "onnx") else "lstm")


def test_cli_refuses_a_window_other_than_the_files(files, capsys):
    code = main(["forecast", str(ROOT / "assets" / "airline_passengers.csv"), "--model", str(files / "m.keras"),
                 "--window", "24"])
    err = capsys.readouterr().err
    assert code == 2 and "fixes the window at 12 steps" in err and len(err.strip().splitlines()) == 1


def test_cli_prints_one_line_for_a_junk_hdf5_file(tmp_path):
    with h5py.File(tmp_path / "junk.h5", "w") as f:
        f["weights"] = np.zeros(3)
    p = subprocess.run([sys.executable, "-m", "lstmviz", "forecast", "assets/airline_passengers.csv", "--model",
                        str(tmp_path / "junk.h5")], capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 2 and p.stderr.strip().splitlines() == [
        "error: junk.h5 is an HDF5 file but not a Keras model: it has no model_config"]


@pytest.mark.parametrize("fmt", ["pt", "keras", "h5", "onnx"])
def test_damaged_files_load_or_get_one_line_never_another_error(files, fmt):
    """Random bytes overwritten anywhere in a real file: load_model gives a module or an InputError, nothing else."""
    rng = np.random.default_rng(len(fmt))
    data = (files / f"m.{fmt}").read_bytes()
    outcomes = set()
    for _ in range(25):
        b = bytearray(data)
        for _ in range(int(rng.integers(1, 20))):
            b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
        try:
            model = lstmviz.load_model(bytes(b), name=f"m.{fmt}")
            assert model(torch.zeros(1, 12, 1)).shape == (1, 1)
            outcomes.add("loaded")
        except InputError as e:
            assert len(str(e).splitlines()) == 1
            outcomes.add("refused")
    assert "refused" in outcomes
