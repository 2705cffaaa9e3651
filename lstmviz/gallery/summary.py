"""What `python -m lstmviz gallery NAME` prints about a loaded entry: its metric, its lesson's checks (seen or
not, with the numbers), the unit finder's best units, and for a counting model its accuracy on every n."""
from __future__ import annotations

import numpy as np
import torch

from .. import lessons
from ..forecast_run import ForecastRun
from ..tasks import TaskRun, find_units
from ..text import TextRun
from .texts import UNIT_CHARS, text_units
from . import Loaded, entry

__all__ = ["summarize", "listing"]


def listing() -> list[dict]:
    """Every entry: name, title, kind (no file is read)."""
    from .entries import ENTRIES

    return [{"name": e.name, "title": e.title, "kind": e.kind} for e in ENTRIES.values()]


def _checks(name: str, run) -> list[dict]:
    les = entry(name).lesson
    seen = lessons.check(lessons.lesson(les), run) if les else None
    return [] if seen is None else [{"text": c.text, "seen": c.seen, **({"hint": c.hint} if c.hint and not c.seen else {})}
                                     for c in seen.claims]


def _by_n(run: TaskRun) -> dict[int, float]:
    """Held-out accuracy for each n (a's in the string): the lengths it trained on."""
    fit = run.fit
    with torch.no_grad():
        right = fit.model(torch.tensor(fit.test.X)).argmax(-1).numpy() == fit.test.y
    ks = fit.test.X[..., 1].sum(1).round().astype(int)
    return {int(k): float(right[ks == k].mean()) for k in np.unique(ks)}


def summarize(loaded: Loaded, top: int = 3) -> dict:
    """One JSON-ready object about a loaded entry (numbers measured now, on the stored weights)."""
    m, run = loaded.meta, loaded.run
    out = {k: m.get(k) for k in ("name", "kind", "recipe", "data", "seed", "train_seconds", "created", "library",
                                 "torch", "config")}
    out["title"] = entry(loaded.name).title
    out["epochs_run"] = len(m["train"]["losses"])
    out["snapshots"] = [int(e) for e, _ in m["train"]["snapshots"]]
    if isinstance(run, TaskRun):
        r = run.report
        out["metric"] = {"name": r.metric, "value": r.value, "baseline": r.baseline}
        out["units"] = find_units(run.fit.model, run.fit.test, top=top)
        if r.longer is not None:
            seen = _by_n(run)
            out["longer"] = r.to_dict()["longer"]
            every = {**seen, **r.longer.by_k}
            worst = min(every, key=every.get)
            out["counting"] = {"n": [min(every), max(every)], "held_out_by_k": {str(k): v for k, v in seen.items()},
                               "worst_n": worst, "worst_accuracy": every[worst]}
    elif isinstance(run, ForecastRun):
        r, f = run.report, run.fitted
        best = r.best_baseline
        out["metric"] = {"name": "rmse", "value": r.metrics["lstm"]["rmse"], "baseline": r.metrics[best]["rmse"],
                         "baseline_name": best}
        s = f.encoded()[f.transform.lag:f.n_train]
        w = f.config.window
        X = np.lib.stride_tricks.sliding_window_view(s, w)[:, :, None].astype(np.float32)  # (n, window, 1)
        out["units"] = find_units(f.model, X, {"input value": X[..., 0].astype(np.float64)}, top=top)
    elif isinstance(run, TextRun):
        d = m["data"]
        out["metric"] = {"name": "held-out bits per character", "value": run.bpc, "baseline": run.unigram_bpc,
                         "baseline_name": "unigram", "on_chars": len(run.fit.val_text),
                         "held_out_chars": d["held_out_chars"], "all_held_out": {
                             "value": m["metrics"]["bpc"], "baseline": m["metrics"]["unigram_bpc"]}}
        out["units"] = text_units(d["source"], run, d["chars"])
        out["units_on"] = (f"{UNIT_CHARS:,} characters of source it never read" if d["source"] == "code" else
                           f"the first {min(len(run.fit.val_text), 20_000):,} held-out characters")
    out["checks"] = _checks(loaded.name, run)
    return out
