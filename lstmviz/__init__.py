"""lstmviz: see inside an LSTM. ``record(model, x)`` gives every gate, cell and hidden state."""
from .errors import InputError, LstmVizError
from .record import QUANTITIES, TOLERANCE, Block, Trace, record

__all__ = ["record", "Trace", "Block", "QUANTITIES", "TOLERANCE", "LstmVizError", "InputError"]
__version__ = "0.1.0"
