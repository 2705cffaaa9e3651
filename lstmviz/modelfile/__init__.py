"""Model files from other programs -> stock PyTorch modules that lstmviz.record can open.

    load_model(path)  .pt / .pth  a PyTorch state_dict (state_dict.py; torch.load(weights_only=True))
                      .keras      Keras 3 (keras.py; json + h5py, no TensorFlow or Keras)
                      .h5         legacy Keras HDF5 saved with model.save (keras.py)
                      .onnx       ONNX LSTM / GRU / RNN graphs (onnx.py; checked by onnx's reference evaluator)

The kind is told by the file's content (zip: a Keras archive or torch.save's; the HDF5 signature;
an ONNX protobuf), the suffix only where content cannot tell. Files are untrusted: nothing is
unpickled, sizes are checked before reading, and whatever is wrong comes back as one InputError line.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from torch import nn

from ..errors import InputError
from ..limits import Limits
from .hdf5 import is_hdf5

__all__ = ["load_model", "SUFFIXES"]

SUFFIXES = (".pt", ".pth", ".keras", ".h5", ".hdf5", ".onnx")


def load_model(source, *, name: str | None = None, max_bytes: int | None = None) -> nn.Module:
    """A model file (path, bytes or binary file) -> an eval-mode nn.Module of nn.LSTM / nn.GRU / nn.RNN plus a head.

    The module takes (B, T, input_size) batch-first and has: framework, description (one line:
    framework and layers), window (the sequence length the file's input shape fixes, or None),
    input_size, output_size, per_step (a head on every step), cell and recurrent (its first
    recurrent module). max_bytes defaults to the upload limit (LSTMVIZ_MAX_UPLOAD_MB).
    """
    limit = Limits.from_env().upload_bytes if max_bytes is None else int(max_bytes)
    data, name = _read(source, name, limit)
    try:
        return _load(data, name, limit)
    except InputError as e:  # layer and node names come from the file: keep them to one line
        if any(c in str(e) for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            raise InputError(" ".join(str(e).split())) from None
        raise
    except Exception as e:  # a damaged file can make h5py, zipfile or onnx fail in ways no check foresaw
        first = (str(e).strip().splitlines() or [""])[0][:160]
        raise InputError(f"{name} could not be read as a model file ({type(e).__name__}: {first})") from None


def _load(data: bytes, name: str, limit: int) -> nn.Module:
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise InputError(f"{name} is a damaged zip file: {e}") from None
        if "config.json" in names or suffix == ".keras":
            from .keras import read_keras_zip
            return read_keras_zip(data, name, limit)
        if not any(n.endswith("data.pkl") for n in names):
            raise InputError(f"{name} is a zip file but neither a Keras model (config.json, model.weights.h5) nor "
                             "a PyTorch state_dict saved with torch.save")
        return _state_dict(data, name)
    if is_hdf5(data):
        from .keras import read_keras_h5
        return read_keras_h5(data, name)
    if suffix == ".onnx" or (suffix not in (".pt", ".pth") and _looks_onnx(data)):
        from .onnx import read_onnx
        return read_onnx(data, name)
    if suffix in (".keras", ".h5", ".hdf5"):
        kind = "a zip archive" if suffix == ".keras" else "an HDF5 file"
        raise InputError(f"{name} is not {kind}, so not a Keras {suffix} model")
    return _state_dict(data, name)


def _read(source, name: str | None, limit: int) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"no such model file: {source}")
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"{path.name} is {size / 2**20:.1f} MB, above the limit of {limit / 2**20:g} MB "
                             "(LSTMVIZ_MAX_UPLOAD_MB)")
        return path.read_bytes(), name or path.name
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "read"):
        data = source.read(limit + 1)
    else:
        raise InputError(f"load_model takes a path, bytes or a binary file, not {type(source).__name__}")
    name = name or Path(str(getattr(source, "name", "") or "the model file")).name
    if len(data) > limit:
        raise InputError(f"{name} is above the limit of {limit / 2**20:g} MB (LSTMVIZ_MAX_UPLOAD_MB)")
    if not data:
        raise InputError(f"{name} is empty")
    return data, name


def _looks_onnx(data: bytes) -> bool:
    """An ONNX ModelProto with a graph; protobuf parses most bytes as something, so ask for real content."""
    try:
        import onnx
        proto = onnx.load_model_from_string(data)
    except Exception:
        return False
    return proto.ir_version > 0 and len(proto.graph.node) > 0


def _state_dict(data: bytes, name: str) -> nn.Module:
    from .state_dict import build, load_state_dict

    model, _ = build(load_state_dict(data, name))
    return model
