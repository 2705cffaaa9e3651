"""Uploaded weights on the forecasting page: the file read (a PyTorch state_dict, Keras .keras / .h5 or
ONNX, through lstmviz.load_model), what it says it is, the window its input shape fixes, and the
finished job that shows the same views on the user's data without training."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st
from torch import nn

from lstmviz.errors import LstmVizError
from lstmviz.forecast import ForecastConfig, model_for_forecast
from lstmviz.forecast_run import ForecastRun, loaded_job
from lstmviz.jobs import Job
from lstmviz.modelfile import load_model

from .state import limits, upload_bytes
from .words import plain

FILE_TYPES = ["pt", "pth", "keras", "h5", "hdf5", "onnx"]
WHAT_TO_UPLOAD = ("upload a PyTorch state_dict (.pt), a Keras model saved with model.save (.keras or .h5), or an "
                  "ONNX graph from torch.onnx.export (.onnx)")


@dataclass(frozen=True)
class Weights:
    """An uploaded model file, read: the module, the file's name and the hash of its bytes."""

    model: nn.Module
    name: str
    digest: str

    @property
    def window(self) -> int | None:
        """The window the file's input shape fixes (a Keras model built for 50 steps), or None."""
        return getattr(self.model, "window", None)


def read_weights() -> Weights | None:
    """Sidebar: the model file upload, read once per file and checked for forecasting one series.
    None while there is none, or when it cannot be used (its error is shown, one line)."""
    up = st.file_uploader("Weights: PyTorch, Keras or ONNX", type=FILE_TYPES, key="weights",
                          help="A PyTorch state_dict (.pt, saved with torch.save(model.state_dict(), path)), a Keras "
                               "model (.keras or .h5, saved with model.save) or an ONNX graph (.onnx) of LSTM, GRU "
                               "or RNN layers and a Dense head with one output. Nothing in the file can run: "
                               "no pickles, no TensorFlow.")
    if up is None:
        st.info("Upload weights to see their gates on this data.")
        return None
    try:
        data = upload_bytes(up)
        digest = hashlib.sha1(data).hexdigest()
        kept = st.session_state.get("own_weights")
        if kept is None or kept.digest != digest:
            st.session_state.pop("own_weights", None)
            try:
                model = load_model(data, name=up.name, max_bytes=limits().upload_bytes)
            except LstmVizError as e:  # not a model file lstmviz reads: say which files it does
                raise LstmVizError(f"{e}. To fix it, {WHAT_TO_UPLOAD}") from None
            model_for_forecast(model, ForecastConfig())  # one series in, one value out: say so now if not
            kept = st.session_state["own_weights"] = Weights(model, up.name, digest)
    except LstmVizError as e:
        st.error(plain(_named(up.name, e)))
        return None
    st.caption(f"Read from **{plain(kept.name)}**: {plain(kept.model.description)}. The transform and scaling "
               "below must match how it was trained.")
    return kept


def fixed_window(weights: Weights | None) -> tuple[int, str] | None:
    """(window, why) when the file fixes the window: the Window control shows it instead of a choice."""
    if weights is None or not weights.window:
        return None
    return weights.window, (f"Fixed by the model file: its input shape is {weights.window} steps, so it reads "
                            "no other window.")


def uploaded_job(series, config: ForecastConfig, weights: Weights | None) -> Job[ForecastRun] | None:
    """The uploaded model on this series with these data settings: a finished job private to this
    session, or None (nothing uploaded, or an error shown)."""
    if weights is None:
        return None
    try:
        model, config = model_for_forecast(weights.model, config)
        config.check(len(series))
        limits().check_config(config.replace(epochs=1))
    except LstmVizError as e:
        st.error(plain(_named(weights.name, e)))
        return None
    key = (series.key, config, weights.digest)
    job = st.session_state.get("own_job")
    if job is None or job.key != key:
        job = loaded_job(series, config, model, label=weights.digest)
        st.session_state["own_job"] = job
    return job


def _named(name: str, error) -> str:
    """The error, led by the file's name (once: load_model's own messages often start with it)."""
    text = str(error)
    return text if text.startswith(name) else f"{name}: {text}"
