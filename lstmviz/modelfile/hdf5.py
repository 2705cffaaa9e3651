"""Reading an untrusted HDF5 file: hard links only, no external or virtual storage, sizes checked before reading.

h5py follows an external link into another file on the server, and a dataset may keep its data in
other files (external storage, virtual datasets); a model file has no business doing either, so
they are refused. A dataset is read only once its shape is the one the model's config calls for.
"""
from __future__ import annotations

import io

import numpy as np

from ..errors import InputError

__all__ = ["HDF5_MAGIC", "is_hdf5", "open_hdf5", "child", "read"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def is_hdf5(data: bytes) -> bool:
    """The HDF5 signature, at 0 or after a user block (512, 1024, 2048, ... bytes)."""
    if data[:8] == HDF5_MAGIC:
        return True
    offset = 512
    while offset + 8 <= min(len(data), 1 << 20):
        if data[offset:offset + 8] == HDF5_MAGIC:
            return True
        offset *= 2
    return False


def open_hdf5(data: bytes, name: str):
    import h5py

    try:
        return h5py.File(io.BytesIO(data), "r")
    except Exception as e:  # OSError for a damaged file, anything else the C library raises
        raise InputError(f"{name} looks like HDF5 but cannot be read as one: {_first(e)}") from None


def child(group, path: str, name: str):
    """group[path], following hard links only; None when a part is missing."""
    import h5py

    node = group
    for part in [p for p in path.split("/") if p]:
        if not isinstance(node, h5py.Group):
            return None
        link = node.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise InputError(f"{name}: '{part}' is a link to elsewhere ({type(link).__name__}); "
                             "a model file keeps its weights inside itself")
        node = node[part]
    return node


def read(ds, shape: tuple[int, ...], what: str, name: str) -> np.ndarray:
    """The dataset as float64, once its shape is `shape`; InputError names the weight otherwise."""
    import h5py

    if not isinstance(ds, h5py.Dataset):
        raise InputError(f"{name}: the weights of {what} are missing")
    if ds.is_virtual or ds.external:
        raise InputError(f"{name}: the weights of {what} are stored in other files; a model file keeps "
                         "its weights inside itself")
    if tuple(ds.shape) != tuple(shape):
        raise InputError(f"{name}: {what} has shape {tuple(ds.shape)}; the model's config calls for {tuple(shape)}")
    if ds.dtype.kind not in "fiu":
        raise InputError(f"{name}: {what} holds {ds.dtype}, not numbers")
    try:
        a = np.asarray(ds[()], dtype=np.float64)
    except Exception as e:
        raise InputError(f"{name}: {what} cannot be read: {_first(e)}") from None
    if not np.isfinite(a).all():
        raise InputError(f"{name}: {what} holds NaN or infinite values")
    return a


def _first(e: Exception) -> str:
    return ((str(e).strip().splitlines() or [type(e).__name__])[0])[:160]
