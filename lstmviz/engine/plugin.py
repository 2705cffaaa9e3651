"""The worker plugin the engine registers: imported only where distributed already is."""
from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["WarmUp"]


class WarmUp(WorkerPlugin):
    """One torch thread per worker, and the heavy imports paid when a worker starts, not in a run."""

    name = "lstmviz-warmup"

    def setup(self, worker=None):
        import torch
        import torch._dynamo  # noqa: F401  the first optimizer imports it (seconds)
        torch.set_num_threads(1)
        from .. import forecast, tasks, text  # noqa: F401
