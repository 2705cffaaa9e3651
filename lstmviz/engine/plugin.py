"""The worker plugin the engine registers: imported only where distributed already is."""
from __future__ import annotations

import ctypes
import ctypes.util

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["WarmUp"]


class WarmUp(WorkerPlugin):
    """One torch thread per worker, and the heavy imports paid when a worker starts, not in a run."""

    name = "lstmviz-warmup"

    def setup(self, worker=None):
        fast_malloc()
        import torch
        import torch._dynamo  # noqa: F401  the first optimizer imports it (seconds)
        torch.set_num_threads(1)
        from .. import forecast, tasks, text  # noqa: F401


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
THRESHOLD = 32 * 1024 * 1024


def fast_malloc() -> None:
    """Undo what Dask's nanny does to glibc's malloc. It starts workers with MALLOC_TRIM_THRESHOLD_=65536
    (to hand memory back to the system), and setting that also pins the mmap threshold at 128 KiB: every
    larger tensor is then an mmap and a munmap with fresh page faults. An airline fit took 2.4 CPU-seconds
    that way against 1.5 without (median of 3, in one process each); raising both thresholds to 32 MiB
    gives 1.4-1.8. Not glibc (macOS, musl): nothing to undo."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD)
    except (OSError, AttributeError):
        pass
