"""The page on a shared server: uploaded models, hostile model files, sessions kept apart."""
import os

import torch
from streamlit.testing.v1 import AppTest

from tests.test_app import APP, TIMEOUT, _button, _metrics, _set_quick
from tests.test_state_dict import _bytes
from tests.test_record import Seed000LSTMModel


def _new():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    return at


def _weights(at, data: bytes, name="model.pt"):
    at.radio(key="model_source").set_value("Upload weights").run()
    at.file_uploader(key="weights").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def test_uploaded_state_dict_shows_its_gates_and_forecast():
    torch.manual_seed(0)
    at = _weights(_new(), _bytes(Seed000LSTMModel(1, 8, 2, 1).state_dict()))
    assert not at.error
    said = [c.value.replace("\\", "") for c in at.caption]  # plain() escapes Markdown
    assert any("LSTM 'lstm': input 1, hidden 8, 2 layers, head 'fc' -> 1" in c for c in said)
    assert _metrics(at).loc["seasonal naive", "RMSE"] > 0
    at.button_group(key="view").set_value("Gate dynamics").run()
    assert any("Exact" in s.value for s in at.success)
    assert not any(b.label.startswith("Train") for b in at.button)  # nothing to train


def test_malicious_model_file_is_refused_and_its_code_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    at = _weights(_new(), _bytes({"lstm.weight_ih_l0": Evil()}), "evil.pt")
    assert any("refused by weights_only loading" in e.value.replace("\\", "") for e in at.error)
    assert not marker.exists()


def test_model_file_of_the_wrong_shape_says_what_was_expected():
    at = _weights(_new(), _bytes(torch.nn.LSTM(3, 4).state_dict()), "three.pt")
    assert any("reads 3 features per step" in e.value for e in at.error)
    at = _weights(_new(), b"this is not a model", "junk.pt")
    assert any("not a plain state_dict file" in e.value.replace("\\", "") for e in at.error)


def _csv_session(name: str, level: float):
    at = _new()
    at.radio(key="source").set_value("Upload CSV").run()
    rows = "".join(f"{k},{level * (1 + (k % 12) * 0.03 + k * 0.001):.4f}\n" for k in range(80))
    at.file_uploader(key="upload").set_value((f"{name}.csv", f"t,{name}\n{rows}".encode(), "text/csv")).run()
    _set_quick(at)
    _button(at, "Train").click().run()
    assert not at.exception, at.exception
    return at


def test_two_sessions_with_different_uploads_never_see_each_other():
    a = _csv_session("alpha", 100.0)
    b = _csv_session("beta", 5000.0)
    a.run()
    b.run()
    title = lambda at: at.get("plotly_chart")[0].proto.spec  # noqa: E731  the preview comes first
    assert "alpha" in title(a) and "beta" not in title(a)
    assert "beta" in title(b) and "alpha" not in title(b)
    ratio = _metrics(b).loc["naive", "RMSE"] / _metrics(a).loc["naive", "RMSE"]
    assert abs(ratio - 50) < 0.01  # each page's numbers come from its own data
    assert a.session_state["job_key"] != b.session_state["job_key"]


def test_a_diverging_run_leaves_the_page_usable(monkeypatch):
    at = _new()
    _set_quick(at)
    at.number_input(key="airline:seed").set_value(4242).run()  # a key of its own in the shared registry
    monkeypatch.setattr(torch.nn.MSELoss, "forward", lambda self, a, b: (a - b).sum() * float("nan"))
    _button(at, "Train").click().run()
    assert not at.exception
    assert any("diverged at epoch 1; lower the learning rate" in e.value for e in at.error)
    monkeypatch.undo()
    at.button_group(key="view").set_value("Gate dynamics").run()  # the last good weights still show their gates
    assert not at.exception and any("Exact" in s.value for s in at.success)
    next(s for s in at.slider if s.label == "Epochs").set_value(20).run()
    _button(at, "Train").click().run()  # and training again works
    assert not at.exception and not at.error


def test_a_stopped_run_leaves_the_page_usable(monkeypatch):
    monkeypatch.setenv("LSTMVIZ_MAX_TRAIN_SECONDS", "0.3")
    at = _new()
    at.number_input(key="airline:seed").set_value(4243).run()  # a key of its own in the shared registry
    next(s for s in at.slider if s.label == "Epochs").set_value(2000).run()
    _button(at, "Train").click().run()
    assert not at.exception
    assert any("this server allows 0.3 s per training run" in i.value for i in at.info)
    assert _metrics(at).loc["naive", "RMSE"] > 0
    at.button_group(key="view").set_value("Gate dynamics").run()
    assert not at.exception and any("Exact" in s.value for s in at.success)


def test_markdown_in_file_names_is_shown_as_text():
    at = _new()
    at.radio(key="source").set_value("Upload CSV").run()
    at.file_uploader(key="upload").set_value(("[evil](http://x.test) **b**.csv", b"\x00junk", "text/csv")).run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("\\[evil\\](http://x.test) \\*\\*b\\*\\*.csv: ")  # escaped: no link, no bold


def test_every_hostile_file_gets_a_clear_error_or_works_on_the_page():
    """The page's side of tests/test_hostile.py: the same files, uploaded one after another."""
    from tests.test_hostile import HOSTILE

    at = _new()
    at.radio(key="source").set_value("Upload CSV").run()
    for name, (data, expected) in HOSTILE.items():
        at.file_uploader(key="upload").set_value((f"{name}.csv", data, "text/csv")).run()
        assert not at.exception, (name, at.exception)
        errors = [e.value.replace("\\", "") for e in at.error]
        if expected[0] == "error":
            assert any(expected[1] in e for e in errors), (name, errors)
        else:  # a valid series; a very short one may only be too short to train on, and the page says so
            assert all("too few" in e and "needed" in e for e in errors), (name, errors)
            assert at.get("plotly_chart"), name  # the preview is drawn
