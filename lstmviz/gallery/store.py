"""A gallery file: one torch.save'd dict of plain values and tensors, read back with weights_only=True
(no pickled code can run). `pack` / `unpack` turn a TrainResult into such values and back.

    {"format": 1, "name", "kind", "title", "recipe", "data", "seed", "config", "metrics",
     "train_seconds", "library", "torch", "created", "state": {...}, "train": {...}, "extra": {...}}
"""
from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from ..train import TrainResult

__all__ = ["FORMAT", "write", "read", "pack_result", "unpack_result", "pack_state", "MAX_BYTES"]

FORMAT = 1
MAX_BYTES = 4 * 1024 * 1024  # one entry; the whole gallery stays well under 20 MB
_KEYS = ("format", "name", "kind", "title", "recipe", "data", "seed", "config", "metrics", "train_seconds",
         "library", "state", "train")


def pack_state(state: dict, half: bool = False) -> dict:
    """A state_dict as plain float32 tensors (float16 for `half`: replay snapshots of big models only)."""
    dtype = torch.float16 if half else torch.float32
    return {k: v.detach().to(dtype).clone() for k, v in state.items()}


def pack_result(result: TrainResult, half_snapshots: bool = False) -> dict:
    """Losses, how training stopped, and the snapshots (the last, the trained model, always in float32)."""
    last = len(result.snapshots) - 1
    return {"losses": [float(v) for v in result.losses], "val_losses": [float(v) for v in result.val_losses],
            "seconds": float(result.seconds), "stopped": result.stopped, "message": result.message,
            "snapshots": [[int(e), pack_state(s, half_snapshots and k != last)]
                          for k, (e, s) in enumerate(result.snapshots)]}


def unpack_result(d: dict, state: dict) -> TrainResult:
    """The TrainResult back; its last snapshot is exactly `state`, the stored model."""
    snaps = [(int(e), {k: v.float() for k, v in s.items()}) for e, s in d["snapshots"]]
    if snaps:
        snaps[-1] = (snaps[-1][0], state)
    return TrainResult(list(d["losses"]), list(d["val_losses"]), snaps, float(d["seconds"]), d["stopped"],
                       d["message"])


def _plain(x, where: str = "entry"):
    """x with only what weights_only=True reads back: dicts, lists, str, int, float, bool, None, tensors."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, dict):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(x)]
    if x is None or isinstance(x, bool):
        return x
    for kind in (int, float, str):  # numpy numbers and str subclasses (torch's TorchVersion) as the plain type
        if isinstance(x, kind) or (kind is not str and isinstance(x, np.number) and np.issubdtype(type(x), (
                np.integer if kind is int else np.floating))):
            return kind(x)
    raise TypeError(f"{where}: {type(x).__name__} cannot go into a gallery file")


def write(path: Path, entry: dict) -> int:
    """Save `entry` (stamped with the format, library and torch versions and the date); its size in bytes."""
    from .. import __version__

    entry = _plain({**entry, "format": FORMAT, "library": __version__, "torch": torch.__version__,
                    "created": time.strftime("%Y-%m-%d")})
    missing = [k for k in _KEYS if k not in entry]
    if missing:
        raise ValueError(f"a gallery entry needs {', '.join(missing)}")
    buf = io.BytesIO()
    torch.save(entry, buf)
    if buf.tell() > MAX_BYTES:
        raise ValueError(f"{entry['name']}: {buf.tell():,} bytes, above the {MAX_BYTES:,} an entry may take")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return buf.tell()


def read(path: Path, name: str) -> dict:
    """The entry in `path`, loaded with weights_only=True; InputError if missing, unreadable or of another format."""
    if not path.exists():
        raise InputError(f"the gallery file for {name!r} is missing ({path}); make it with "
                         f"python -m lstmviz pretrain {name}")
    try:
        entry = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as e:  # a truncated or foreign file: say which, never a traceback
        raise InputError(f"the gallery file {path.name} cannot be read ({type(e).__name__}); remake it with "
                         f"python -m lstmviz pretrain {name}") from None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("name") != name:
        raise InputError(f"{path.name} is not a format-{FORMAT} gallery entry for {name!r}; remake it with "
                         f"python -m lstmviz pretrain {name}")
    return entry
