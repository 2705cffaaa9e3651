"""The one error type that crosses the edge of the library."""

__all__ = ["LstmVizError", "InputError", "EngineUnavailable"]


class LstmVizError(Exception):
    """Something lstmviz cannot do with what it was given; the message says what and how to fix it."""


class InputError(LstmVizError, ValueError):
    """User-supplied data (typed text, a CSV, a model file, a setting) is not usable."""


class EngineUnavailable(LstmVizError):
    """The training engine (the Dask scheduler) cannot be reached; the message is one line."""
