"""lstmviz: see inside an LSTM. ``record(model, x)`` gives every gate, cell and hidden state;
``load_model(path)`` opens a PyTorch, Keras or ONNX model file as a module it can record;
``show(model, x)`` gives the app's gate-view figures for a notebook."""
from .errors import InputError, LstmVizError
from .modelfile import load_model
from .record import QUANTITIES, TOLERANCE, Block, Trace, record

__all__ = ["record", "load_model", "show", "Trace", "Block", "QUANTITIES", "TOLERANCE", "LstmVizError", "InputError"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # show needs plotly: imported on first use, so `import lstmviz` (the CLI, the page's workers) stays lean
    if name == "show":
        from .notebook import show
        return show
    raise AttributeError(f"module 'lstmviz' has no attribute {name!r}")
