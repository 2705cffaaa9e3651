"""Training runs on Dask distributed: shared by key across sessions and app servers, queued, stoppable.

    engine = Engine()                          # embedded LocalCluster, or LSTMVIZ_SCHEDULER
    run = engine.submit(key, fit, series, config, owner=session_id, epochs=config.train.epochs)
    run.place()      # Place(ahead=2, workers=2, wait=14.0) while it waits; None once it runs
    run.progress()   # Progress(epoch, epochs, losses, val_losses, elapsed, attempt)
    run.stop(session_id)                       # only the owner; the worker stops before its next epoch
    run.wait(timeout); run.result; run.error   # the fn's own result object, kept in this process

Importing this costs nothing heavy: distributed is imported by the engine's background start.
"""
from ..errors import EngineUnavailable
from .core import Engine, run_hash
from .run import Place, Progress, Run
from .worker import Outcome

__all__ = ["Engine", "Run", "Progress", "Place", "Outcome", "EngineUnavailable", "run_hash"]
