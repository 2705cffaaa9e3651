"""lstmviz: see inside an LSTM. ``record(model, x)`` gives every gate, cell and hidden state;
``load_model(path)`` opens a PyTorch, Keras or ONNX model file as a module it can record."""
from .errors import InputError, LstmVizError
from .modelfile import load_model
from .record import QUANTITIES, TOLERANCE, Block, Trace, record

__all__ = ["record", "load_model", "Trace", "Block", "QUANTITIES", "TOLERANCE", "LstmVizError", "InputError"]
__version__ = "0.1.0"
