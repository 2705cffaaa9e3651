"""Model files: the largest |load_model(file)(x) - the framework's own output| per format and model.

Keras models run on Keras 3's torch backend (requirements-dev.txt; no TensorFlow); ONNX graphs are
exported with torch.onnx.export and compared with PyTorch and with onnx's reference evaluator.
Every model has random weights and biases (N(0, 0.3) and N(0, 0.5)); inputs are N(0, 1), batch 8.
"max |diff|" is against Keras's model.predict, or for ONNX against the PyTorch model exported; onnx's
reference evaluator (numpy, float32) is shown beside it: it differs from PyTorch by as much as we do or more.

    python bench/bench_modelfile.py
"""
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402
from torch import nn  # noqa: E402

import lstmviz  # noqa: E402

L = keras.layers
rng = np.random.default_rng(0)


def keras_models():
    yield "LSTM(50)+Dense(1), window 50", keras.Sequential([keras.Input((50, 1)), L.LSTM(50), L.Dense(1)])
    yield "LSTM(32)x2 rs + LSTM(16) + Dense", keras.Sequential([
        keras.Input((40, 2)), L.LSTM(32, return_sequences=True), L.Dropout(0.2), L.LSTM(32, return_sequences=True),
        L.LSTM(16), L.Dense(8, activation="relu"), L.Dense(1)])
    yield "GRU(32)+Dense(1)", keras.Sequential([keras.Input((None, 1)), L.GRU(32), L.Dense(1)])
    yield "SimpleRNN(32) per step", keras.Sequential([keras.Input((30, 3)), L.SimpleRNN(32, return_sequences=True),
                                                      L.Dense(1)])


def onnx_models():
    class Net(nn.Module):
        def __init__(self, cell, layers):
            super().__init__()
            self.rnn, self.fc = cell(1, 32, layers, batch_first=True), nn.Linear(32, 1)

        def forward(self, x):
            return self.fc(self.rnn(x)[0][:, -1])

    for name, cell, layers in (("LSTM(32)x2+Linear", nn.LSTM, 2), ("GRU(32)+Linear", nn.GRU, 1),
                               ("RNN(32)+Linear", nn.RNN, 1)):
        yield name, Net(cell, layers).eval()


def main():
    torch.manual_seed(0)
    print(f"{'format':<8} {'model':<36} {'max |diff|':>11} {'record max_error':>17} {'load s':>7}")
    worst = {}
    with tempfile.TemporaryDirectory() as d:
        for name, model in keras_models():
            for w in model.weights:
                w.assign(rng.normal(0, 0.5 if "bias" in w.path else 0.3, tuple(w.shape)).astype("float32"))
            T = model.input_shape[1] or 60
            x = rng.normal(size=(8, T, model.input_shape[2])).astype("float32")
            want = model.predict(x, verbose=0)
            for fmt in ("keras", "h5"):
                path = Path(d) / f"m.{fmt}"
                model.save(path)
                t0 = time.perf_counter()
                loaded = lstmviz.load_model(path)
                seconds = time.perf_counter() - t0
                with torch.no_grad():
                    diff = float(np.abs(loaded(torch.from_numpy(x)).numpy() - want).max())
                err = lstmviz.record(loaded, torch.from_numpy(x)).max_error
                worst[fmt] = max(worst.get(fmt, 0.0), diff)
                print(f"{fmt:<8} {name:<36} {diff:11.2e} {err:17.2e} {seconds:7.3f}")
        for name, net in onnx_models():
            with torch.no_grad():
                for p in net.parameters():
                    p.normal_(0, 0.5 if p.dim() == 1 else 0.3)
            f = io.BytesIO()
            torch.onnx.export(net, (torch.randn(1, 50, 1),), f, dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "b", 1: "t"}})
            x = torch.randn(8, 50, 1)
            t0 = time.perf_counter()
            loaded = lstmviz.load_model(f.getvalue(), name="m.onnx")
            seconds = time.perf_counter() - t0
            with torch.no_grad():
                got, want = loaded(x).numpy(), net(x).numpy()
            ref = ReferenceEvaluator(onnx.load_model_from_string(f.getvalue())).run(None, {"x": x.numpy()})[0]
            diff, vs_ref = float(np.abs(got - want).max()), float(np.abs(got - ref).max())
            err = lstmviz.record(loaded, x).max_error
            worst["onnx"] = max(worst.get("onnx", 0.0), diff)
            print(f"{'onnx':<8} {name:<36} {diff:11.2e} {err:17.2e} {seconds:7.3f}   "
                  f"(onnx's reference evaluator: {vs_ref:.2e} from ours, {float(np.abs(want - ref).max()):.2e} from PyTorch's)")
    print("worst per format: " + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()) + " (the tests ask <= 1e-5)")


if __name__ == "__main__":
    main()
