"""Limits for a shared server, in one place: defaults, overridden by LSTMVIZ_* environment variables.

    LSTMVIZ_MAX_UPLOAD_MB      uploaded file size (the app also caps Streamlit's server.maxUploadSize)
    LSTMVIZ_MAX_ROWS           rows of a CSV
    LSTMVIZ_MAX_TEXT_CHARS     characters of typed text
    LSTMVIZ_MAX_HIDDEN         hidden units per layer
    LSTMVIZ_MAX_LAYERS         recurrent layers
    LSTMVIZ_MAX_EPOCHS         epochs per training run
    LSTMVIZ_MAX_TRAIN_SECONDS  wall time of one training run; it stops there and keeps what it has
    LSTMVIZ_MAX_RECORD_STEPS   timesteps recorded for the gate view
    LSTMVIZ_MAX_QUEUED         training runs one session may have waiting for a free worker
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from .data import MAX_BYTES, MAX_ROWS
from .errors import InputError

__all__ = ["Limits"]

_ENV = {"upload_mb": "LSTMVIZ_MAX_UPLOAD_MB", "rows": "LSTMVIZ_MAX_ROWS", "text_chars": "LSTMVIZ_MAX_TEXT_CHARS",
        "hidden_size": "LSTMVIZ_MAX_HIDDEN", "layers": "LSTMVIZ_MAX_LAYERS", "epochs": "LSTMVIZ_MAX_EPOCHS",
        "train_seconds": "LSTMVIZ_MAX_TRAIN_SECONDS", "record_steps": "LSTMVIZ_MAX_RECORD_STEPS",
        "queued_per_session": "LSTMVIZ_MAX_QUEUED"}


@dataclass(frozen=True)
class Limits:
    upload_mb: float = MAX_BYTES / (1024 * 1024)
    rows: int = MAX_ROWS
    text_chars: int = 200_000
    hidden_size: int = 128
    layers: int = 4
    epochs: int = 2000
    train_seconds: float = 120.0
    record_steps: int = 20_000
    queued_per_session: int = 3

    @classmethod
    def from_env(cls, environ=None) -> "Limits":
        """Defaults, with any LSTMVIZ_* variable that is set taking their place."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(_ENV[f.name])
            if raw is None or not raw.strip():
                continue
            kind = float if f.type in ("float", float) else int
            try:
                value = kind(raw)
            except ValueError:
                raise InputError(f"{_ENV[f.name]}={raw!r} is not a number") from None
            if value <= 0:
                raise InputError(f"{_ENV[f.name]} must be above 0, not {raw}")
            values[f.name] = value
        return cls(**values)

    @property
    def upload_bytes(self) -> int:
        return int(self.upload_mb * 1024 * 1024)

    def check_text(self, text: str) -> None:
        if len(text) > self.text_chars:
            raise InputError(f"the text has {len(text):,} characters; this server allows {self.text_chars:,} characters "
                             f"({_ENV['text_chars']})")

    def check_config(self, config) -> None:
        """Refuse a ForecastConfig above this server's limits, naming the limit and its variable."""
        over = [(config.model.hidden_size, self.hidden_size, "hidden units", "hidden_size"),
                (config.model.num_layers, self.layers, "layers", "layers"),
                (config.train.epochs, self.epochs, "epochs", "epochs")]
        problems = [f"{value} {what} is above this server's limit of {limit} ({_ENV[name]})"
                    for value, limit, what, name in over if value > limit]
        if problems:
            raise InputError("; ".join(problems))
