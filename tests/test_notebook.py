"""lstmviz.show (lstmviz/notebook.py): the app's gate-view figures for a notebook, checked against the
builders called as the page calls them (lstmviz/app/scrubber.py, forecast_gates.py) and against the trace."""
import os
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from torch import nn

import lstmviz
from lstmviz import InputError, analysis, figures
from lstmviz.notebook import Figures

README = Path(__file__).resolve().parent.parent / "README.md"
SCALES = (figures.SEQUENTIAL, figures.DIVERGING)  # the page's colour scales outside presenter mode


def page_figures(trace, kind, layer, t, unit, **where):
    """The gate view's figures, built as the page builds them: the scrubber's heatmaps, cell diagram and
    unit lines, then the gate view's saturation and half-life. `where` (module=, sample=) is what a page
    with one module and one sequence leaves to the defaults."""
    T = trace.block(where.get("module"), layer).shape[0]
    h = trace.get("h", layer=layer, **where)
    units = [int(u) for u in np.argsort(-h.std(axis=0))[:3]]  # the gate view's default "Units to follow"
    v = analysis.step_values(trace, unit, t, layer=layer, **where)
    lo = max(0, min(t - 750, T - 1500))
    out = {
        "heatmaps": figures.gate_heatmaps(trace, layer=layer, t=t, t_range=(lo, lo + 1500), colorscales=SCALES,
                                          input_names=None, times=None, units=None, **where),
        "cell": figures.cell_diagram(kind, v, unit, t, colorscales=SCALES),
        "unit_lines": figures.unit_lines(trace, units, layer=layer, t=t, **where),
    }
    if kind != "rnn":
        out["saturation"] = figures.saturation_figure(trace, layer=layer, **where)
    if kind == "lstm":
        out["half_life"] = figures.half_life_figure(trace.get("f", layer=layer, **where))
    return out


def assert_same_as_page(figs, expected):
    assert [name for name, _ in figs.items()] == list(expected)
    for name, fig in figs.items():
        assert isinstance(fig, go.Figure)
        assert fig.to_json() == expected[name].to_json(), name


def assert_heatmaps_are_the_gates(figs, where):
    heat = [d for d in figs.heatmaps.data if d.type == "heatmap"]
    assert [d.name for d in heat] == list(figs.trace.quantities(figs.module))
    for d in heat:  # unit x time; float32 for display, so within float32 rounding of the trace
        want = figs.trace.get(d.name, **where).T
        np.testing.assert_allclose(np.asarray(d.z), want, rtol=1e-6, atol=1e-7)
    b = figs.trace.block(figs.module, figs.layer, figs.direction)
    if figs.layer == 0:
        np.testing.assert_allclose(figs.heatmaps.data[0].y, figs.trace.input(figs.module, where["sample"])[:, 0])
    # the diagram prints the step's values
    v = analysis.step_values(figs.trace, figs.unit, figs.t, **where)
    text = " ".join(a.text for a in figs.cell.layout.annotations)
    for q in figs.trace.quantities(figs.module):
        assert f"{v[q]:+.3f}" in text
        assert v[q] == float(b.arrays[q][figs.t, where["sample"], figs.unit])


CASES = {
    "lstm": lambda: nn.LSTM(1, 6, batch_first=True),
    "gru": lambda: nn.GRU(1, 5, batch_first=True),
    "rnn": lambda: nn.RNN(1, 4, batch_first=True),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_cell_gives_the_page_figures_for_its_trace(kind):
    torch.manual_seed(0)
    model = CASES[kind]()
    x = torch.randn(1, 30, 1)
    figs = lstmviz.show(model, x, t=7, unit=2)
    assert (figs.kind, figs.module, figs.layer, figs.example, figs.t, figs.unit) == (kind, kind, 0, 0, 7, 2)
    expected = page_figures(figs.trace, kind, 0, 7, 2)
    assert_same_as_page(figs, expected)
    assert len(figs) == {"lstm": 5, "gru": 4, "rnn": 3}[kind] and list(figs) == [f for _, f in figs.items()]
    assert (figs.saturation is None) == (kind == "rnn") and (figs.half_life is None) == (kind != "lstm")
    assert_heatmaps_are_the_gates(figs, dict(module=kind, layer=0, sample=0))
    h = figs.trace.get("h")
    np.testing.assert_allclose(h, model(x)[0][0].detach().numpy(), atol=1e-6)  # the trace is the model's own run


def test_a_stacked_lstm_shows_the_chosen_layer_of_the_chosen_example():
    torch.manual_seed(1)
    model = nn.LSTM(2, 5, num_layers=2, batch_first=True)
    x = torch.randn(3, 25, 2)
    figs = lstmviz.show(model, x, example=2, layer=-1, t=-1, unit=4)
    assert (figs.layer, figs.example, figs.t, figs.unit) == (1, 2, 24, 4)
    expected = page_figures(figs.trace, "lstm", 1, 24, 4, module="lstm", sample=2)
    assert_same_as_page(figs, expected)
    assert_heatmaps_are_the_gates(figs, dict(module="lstm", layer=1, sample=2))
    # layer 1's h is the LSTM's output for example 2; layer 0 is another picture
    np.testing.assert_allclose(figs.trace.get("h", layer=1, sample=2), model(x)[0][2].detach().numpy(), atol=1e-6)
    bottom = lstmviz.show(figs.trace, example=2, layer=0, t=-1, unit=4)
    assert bottom.heatmaps.to_json() != figs.heatmaps.to_json()
    assert_heatmaps_are_the_gates(bottom, dict(module="lstm", layer=0, sample=2))


class TwoCells(nn.Module):
    """A GRU feeding an LSTM: two recurrent modules, so show must be told which."""

    def __init__(self):
        super().__init__()
        self.enc, self.dec, self.head = nn.GRU(1, 4, batch_first=True), nn.LSTM(4, 3, batch_first=True), nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.dec(self.enc(x)[0])[0][:, -1])


def test_a_model_with_several_modules_shows_the_one_named():
    torch.manual_seed(2)
    model, x = TwoCells(), torch.randn(2, 12, 1)
    with pytest.raises(InputError, match=r"several recurrent modules \(enc, dec\): pass module="):
        lstmviz.show(model, x)
    dec = lstmviz.show(model, x, module="dec", example=1, t=3, unit=1, units=[0, 2])
    assert (dec.kind, dec.units) == ("lstm", (0, 2))
    expected = page_figures(dec.trace, "lstm", 0, 3, 1, module="dec", sample=1)
    expected["unit_lines"] = figures.unit_lines(dec.trace, [0, 2], module="dec", sample=1, t=3)
    assert_same_as_page(dec, expected)
    assert_heatmaps_are_the_gates(dec, dict(module="dec", layer=0, sample=1))
    # dec's input row is enc's h (4 channels): one line per channel
    assert [d.name for d in dec.heatmaps.data[:4]] == ["x0", "x1", "x2", "x3"]
    np.testing.assert_allclose(dec.heatmaps.data[2].y, dec.trace.get("h", module="enc", sample=1)[:, 2], atol=1e-7)
    enc = lstmviz.show(dec.trace, module="enc")
    assert enc.kind == "gru" and enc.half_life is None


def test_a_long_run_shows_the_pages_1500_steps_around_t():
    torch.manual_seed(3)
    trace = lstmviz.record(nn.LSTM(1, 3), torch.randn(2000, 1, 1))
    figs = lstmviz.show(trace, t=1900)
    heat = next(d for d in figs.heatmaps.data if d.type == "heatmap")
    assert (heat.x[0], heat.x[-1]) == (500, 1999)  # the page's window: 1500 steps, ending at the last
    assert figures.heatmap_window(1900, 2000) == (500, 2000) and figures.heatmap_window(10, 2000) == (0, 1500)
    assert figures.heatmap_window(1000, 2000) == (250, 1750)
    assert_same_as_page(figs, page_figures(trace, "lstm", 0, 1900, 0))


def test_arrays_and_lists_are_taken_as_the_models_dtype():
    torch.manual_seed(4)
    model = nn.GRU(1, 3, batch_first=True)
    x = np.linspace(-1, 1, 20).reshape(1, 20, 1)  # float64
    figs = lstmviz.show(model, x)
    assert figs.trace.input().dtype == np.float32
    np.testing.assert_allclose(figs.trace.input()[:, 0], x[0, :, 0], atol=1e-7)
    assert lstmviz.show(model, x.tolist()).heatmaps.to_json() == figs.heatmaps.to_json()


def test_a_figures_object_draws_in_a_notebook_and_with_show(monkeypatch):
    torch.manual_seed(5)
    figs = lstmviz.show(nn.LSTM(1, 3, batch_first=True), torch.randn(1, 10, 1), t=4)
    html = figs._repr_html_()
    assert html.count("Plotly.newPlot") == 5 and html.count("plotly.js v") == 1  # plotly.js inline, once
    shown = []
    monkeypatch.setattr(go.Figure, "show", lambda self, **kw: shown.append(self))
    figs.show()
    assert shown == list(figs)
    assert repr(figs) == ("Figures(heatmaps, cell, unit_lines, saturation, half_life; LSTM 'lstm' layer 0, "
                          "example 0, t=4, unit 0)")
    assert isinstance(figs, Figures) and "show" in lstmviz.__all__


@pytest.mark.parametrize("call, message", [
    (lambda m, x: lstmviz.show(m), "needs an input x"),
    (lambda m, x: lstmviz.show("model.pt", x), "takes a torch.nn.Module or a lstmviz Trace, not str"),
    (lambda m, x: lstmviz.show(nn.Linear(1, 1), x), "Linear holds no nn.LSTM, nn.GRU or nn.RNN"),
    (lambda m, x: lstmviz.show(m, "abc"), "x must be a tensor or an array of numbers, not str"),
    (lambda m, x: lstmviz.show(m, torch.randn(2, 9, 3)), r"could not run on x of shape \(2, 9, 3\)"),
    (lambda m, x: lstmviz.show(m, x, example=2), r"example=2 is out of range for the batch of 2 sequences: use 0..1"),
    (lambda m, x: lstmviz.show(m, x, t=9), r"t=9 is out of range for the 9 steps: use 0..8 \(or -9..-1"),
    (lambda m, x: lstmviz.show(m, x, t=-10), r"t=-10 is out of range"),
    (lambda m, x: lstmviz.show(m, x, t=1.5), r"t must be a whole number, not 1.5"),
    (lambda m, x: lstmviz.show(m, x, unit=4), r"unit=4 is out of range for the 4 units"),
    (lambda m, x: lstmviz.show(m, x, units=[1, 7]), r"units=7 is out of range for the 4 units: use 0..3$"),
    (lambda m, x: lstmviz.show(m, x, units=3), r"units must be a list of unit numbers"),
    (lambda m, x: lstmviz.show(m, x, layer=1), r"layer=1 is out of range for module 'lstm'"),
    (lambda m, x: lstmviz.show(m, x, module="gru"), r"module='gru' is not in this model: its recurrent modules are lstm"),
    (lambda m, x: lstmviz.show(m, x, direction=1), r"direction=1 does not exist: module 'lstm' runs forward only"),
    (lambda m, x: lstmviz.show(lstmviz.record(m, x), x), "pass no x with it"),
])
def test_bad_arguments_say_what_is_wrong_in_one_line(call, message):
    torch.manual_seed(6)
    m, x = nn.LSTM(1, 4, batch_first=True), torch.randn(2, 9, 1)
    with pytest.raises(InputError, match=message) as e:
        call(m, x)
    assert "\n" not in str(e.value)


def test_a_bidirectional_module_shows_either_direction():
    torch.manual_seed(7)
    trace = lstmviz.record(nn.GRU(1, 3, bidirectional=True, batch_first=True), torch.randn(1, 8, 1))
    back = lstmviz.show(trace, direction=1, t=2)
    assert_heatmaps_are_the_gates(back, dict(module="gru", layer=0, direction=1, sample=0))
    assert back.heatmaps.to_json() == figures.gate_heatmaps(trace, direction=1, t=2, t_range=(0, 1500)).to_json()


def test_a_keras_file_loaded_by_lstmviz_shows_like_any_model(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 on PyTorch: no TensorFlow
    keras = pytest.importorskip("keras")
    L = keras.layers
    model = keras.Sequential([keras.Input((20, 1)), L.LSTM(6, return_sequences=True), L.GRU(4), L.Dense(1)], name="k")
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign(rng.normal(0, 0.4, tuple(w.shape)).astype("float32"))
    model.save(tmp_path / "k.keras")
    loaded = lstmviz.load_model(tmp_path / "k.keras")
    x = rng.normal(size=(2, 20, 1)).astype("float32")
    names = lstmviz.record(loaded, torch.from_numpy(x)).modules
    assert len(names) == 2
    for name, kind in zip(names, ("lstm", "gru")):
        figs = lstmviz.show(loaded, x, module=name, example=1, t=11, unit=3)
        assert figs.kind == kind
        assert_same_as_page(figs, page_figures(figs.trace, kind, 0, 11, 3, module=name, sample=1))
        assert_heatmaps_are_the_gates(figs, dict(module=name, layer=0, sample=1))
    # the GRU's last h is what Keras hands its Dense layer
    top = keras.Model(model.inputs, model.layers[1].output).predict(x, verbose=0)
    np.testing.assert_allclose(figs.trace.get("h", module=names[1], sample=1)[-1], top[1], atol=1e-5)


def readme_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("\n## From a notebook\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_notebook_example_runs(monkeypatch):
    blocks = readme_blocks()
    assert blocks and any("lstmviz.show(" in b for b in blocks)
    shown = []
    monkeypatch.setattr(go.Figure, "show", lambda self, **kw: shown.append(self))  # no browser from a test
    namespace = {}
    for code in blocks:
        exec(compile(code, str(README), "exec"), namespace)
    figs = next(v for v in namespace.values() if isinstance(v, Figures))
    assert len(figs) == 5 and shown and all(any(s is f for f in figs) for s in shown)
    assert figs.trace.max_error <= lstmviz.TOLERANCE


def test_the_page_draws_the_same_figures_as_show_on_its_trace():
    """The real page (AppTest): a typed series, a short training, the gate view at t = 5. Its five charts
    are show()'s figures of the page's own trace, to the byte; show() on the model and window agrees to 1e-6."""
    import base64
    import json

    from streamlit.testing.v1 import AppTest

    from lstmviz.app.state import registry

    at = AppTest.from_file(str(README.parent / "app.py"), default_timeout=300)
    at.run()
    at.radio(key="source").set_value("Type a sequence").run()
    next(s for s in at.slider if s.label == "Epochs").set_value(30).run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    at.button_group(key="view").set_value("Gate dynamics").run()
    at.slider(key="gv_t").set_value(5).run()
    assert not at.exception, at.exception
    ss = at.session_state
    epoch, start, unit = ss["gv_epoch"], ss["gv_start"], ss["gv_unit"]
    run = registry().get(ss["job_key"]).result
    w = run.fitted.config.window
    charts = {c.proto.id.rsplit("-", 1)[1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    figs = lstmviz.show(run.trace(epoch, start, w), t=5, unit=unit)
    assert figs.units == tuple(ss["gv_units"])
    for name, fig in figs.items():
        assert json.loads(fig.to_json()) == charts["cell_diagram" if name == "cell" else name], name
    x = torch.as_tensor(np.ascontiguousarray(run.fitted.encoded()[start:start + w]), dtype=torch.float32)
    own = lstmviz.show(run.model_at(epoch), x[None, :, None], t=5, unit=unit)
    for mine, page in zip(own.heatmaps.data[1:], charts["heatmaps"]["data"][1:]):
        z = page["z"]  # as plotly's JSON packs an array: base64 bytes, dtype and shape
        z = np.frombuffer(base64.b64decode(z["bdata"]), z["dtype"]).reshape([int(n) for n in z["shape"].split(",")])
        assert z.shape == np.asarray(mine.z).shape
        np.testing.assert_allclose(np.asarray(mine.z), z, atol=1e-6)
