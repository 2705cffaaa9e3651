"""The command line: python -m lstmviz forecast CSV [...], task NAME [...], gallery [NAME] or pretrain NAME
prints JSON on stdout.

On bad input it prints one line on stderr and exits with code 2; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .modelfile import load_model
from .data import MAX_BYTES, MAX_ROWS, SCALERS, TRANSFORMS, load_csv
from .defaults import AUTO
from .errors import InputError, LstmVizError
from .forecast import (MAX_MEMBERS, PRESETS, default_config, evaluate, fit, loaded, model_for_forecast,
                       preset)
from .models import CELLS
from .tasks import TASKS, default_config as task_config, evaluate_task, find_units, fit_task, task_name


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage over several lines; we promise one
        raise InputError(f"{message} (see python -m lstmviz {self.prog.split()[-1]} --help)")


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m lstmviz", description="lstmviz from the command line")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("forecast", help="train on a CSV (or a built-in series) and forecast; prints JSON")
    f.add_argument("csv", help=f"a CSV file, or a built-in series: {', '.join(PRESETS)}")
    f.add_argument("--column", help="numeric column to forecast (default: the first that is not time or index)")
    f.add_argument("--series", help="in a long-format file (id, date, value rows), the id of the series to "
                                    "forecast (default: the first)")
    f.add_argument("--inspect", action="store_true",
                   help="only read the data and print what would be forecast (column, time axis, first values)")
    f.add_argument("--missing", choices=["interpolate", "drop"], default="interpolate")
    f.add_argument("--test", type=int, help="hold out the last N points (default 12)")
    f.add_argument("--horizon", type=int, default=12, help="forecast H steps beyond the data")
    f.add_argument("--seed", type=int)
    f.add_argument("--epochs", type=int)
    f.add_argument("--lr", type=float)
    f.add_argument("--window", type=int)
    f.add_argument("--hidden", type=int, dest="hidden_size")
    f.add_argument("--layers", type=int, dest="num_layers")
    f.add_argument("--cell", choices=list(CELLS))
    f.add_argument("--transform", choices=(AUTO, *TRANSFORMS),
                   help="auto (the default for CSV files): chosen on the end of the training part, never the test")
    f.add_argument("--residual", choices=("none", "naive", "seasonal_naive", AUTO, "validate"),
                   help="what the model predicts: the next value (none), or its deviation from naive or seasonal naive; "
                        "auto: seasonal naive when there is a season (the default for data files); validate: chosen "
                        "by the LSTM on the end of the training part. With --model, what the file's model predicts")
    f.add_argument("--members", type=int,
                   help=f"models trained from different seeds, 1 to {MAX_MEMBERS}; the forecast is their median "
                        "(default 5 for small series, 1 for long ones)")
    f.add_argument("--scale", choices=SCALERS)
    f.add_argument("--season", type=int, help="seasonal period (default: from the time column)")
    f.add_argument("--model", type=Path, help="use this model instead of training: a PyTorch state_dict (.pt), "
                                              "Keras (.keras, .h5) or ONNX (.onnx) file")
    f.add_argument("--save-model", type=Path, help="save the trained weights (state_dict) here")
    f.add_argument("--max-rows", type=int, default=MAX_ROWS)
    f.add_argument("--max-mb", type=float, default=MAX_BYTES / 1024 / 1024)
    t = sub.add_parser("task", help="train on a sequence task with a known answer and find the units that "
                                    "track it; prints JSON")
    t.add_argument("name", choices=list(TASKS), type=task_name)  # an old name ("seed004") is its task
    t.add_argument("--length", type=int,
                   help="steps per sequence (anbn: the padded length, holding a^k b^k up to k = (T - 2) / 2)")
    t.add_argument("--cell", choices=list(CELLS))
    t.add_argument("--seed", type=int)
    t.add_argument("--epochs", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--hidden", type=int, dest="hidden_size")
    t.add_argument("--n-train", type=int, dest="n_train")
    t.add_argument("--forget-bias", type=float, dest="forget_bias",
                   help="added to the LSTM forget gates' starting bias (try 2 for long memories)")
    t.add_argument("--top", type=int, default=3, help="units to report for each known quantity")
    g = sub.add_parser("gallery", help="list the pretrained models, or open one (nothing trained); prints JSON")
    g.add_argument("name", nargs="?", help="an entry to open; leave out to list them")
    p = sub.add_parser("pretrain", help="retrain a gallery entry from scratch by its recipe and write its file")
    p.add_argument("name", help="the entry (see python -m lstmviz gallery)")
    p.add_argument("--out", type=Path, help="write here instead of assets/gallery/NAME.pt")
    return ap


def _series_and_config(args):
    """(series, its default config, what was read: the data block of the output)."""
    path = Path(args.csv)
    if not path.exists() and args.csv in PRESETS:
        if args.series is not None:
            raise InputError(f"--series picks a series in a long-format CSV; {args.csv!r} is a built-in series")
        series, config = preset(args.csv)
        return series, config, _data_info(series)
    table = load_csv(path, max_rows=args.max_rows, max_bytes=int(args.max_mb * 1024 * 1024))
    if args.series is not None and table.id_column is None:
        raise InputError(f"--series {args.series}: this file holds one series (no id column was found); "
                         f"leave --series out")
    series = table.series(args.column, args.missing, args.series)
    # the default window depends on the test size and the season: give them theirs
    return series, default_config(series, test=args.test or 12, season=args.season), _data_info(series, table, args.series)


def _when(t) -> str | float:
    return pd.Timestamp(t).isoformat() if isinstance(t, np.datetime64) else t


def _data_info(series, table=None, series_id=None) -> dict:
    """What was read, so that a wrong guess shows before anyone trusts a forecast."""
    t = series.time
    info = {"column": series.name, "time_column": None, "index_column": None, "id_column": None,
            "series_id": None, "ids": [], "length": len(series), "missing": series.missing,
            "first_time": None if t is None else _when(t[0]), "last_time": None if t is None else _when(t[-1]),
            "first_values": series.values[:5], "season": series.season, "notes": []}
    if table is not None:
        info.update(time_column=table.time_column, index_column=table.index_column, id_column=table.id_column,
                    ids=list(table.ids[:100]), notes=list(table.notes),
                    series_id=(series_id or table.ids[0]) if table.id_column else None)
    return info


def forecast(args) -> dict:
    if args.max_mb <= 0 or args.max_rows <= 0:
        raise InputError("--max-mb and --max-rows must be above 0")
    series, config, data = _series_and_config(args)
    if args.inspect:
        return {"series": {"name": series.name, "length": len(series), "missing": series.missing}, "data": data}
    changes = {k: getattr(args, k) for k in ("test", "seed", "epochs", "lr", "window", "hidden_size",
                                             "num_layers", "cell", "transform", "scale", "season", "members",
                                             "residual")
               if getattr(args, k) is not None}
    config = config.replace(**changes)
    if args.horizon < 0:
        raise InputError("--horizon cannot be negative")
    # One thread: tiny recurrent nets gain ~15% from a second one, and lose 100x when the other
    # core is busy (OpenMP threads spin waiting for each other).
    torch.set_num_threads(1)
    if args.model is not None:
        # the window comes from the file where its input shape fixes one; --window may only agree with it
        model, config = model_for_forecast(load_model(args.model, max_bytes=int(args.max_mb * 1024 * 1024)),
                                           config, window=args.window)
        fitted = loaded(model, series, config)  # read as predicting what --residual (or the default) says
    else:
        fitted = fit(series, config)
    if args.save_model is not None:
        torch.save(fitted.model.state_dict(), args.save_model)
    report = evaluate(fitted, args.horizon)
    result = fitted.result
    return {
        "series": {"name": series.name, "length": len(series), "missing": series.missing},
        "data": data,
        "metrics": report.metrics,
        "season": report.season,
        "best_baseline": report.best_baseline,
        "members": report.members,  # the forecasts are the median of this many models
        "member_seeds": list(report.member_seeds),
        "transform": report.transform.to_dict(),  # which transform, chosen how, and the validation scores
        "predicts": report.predicts,  # "the next value", or "the deviation from seasonal naive" (a residual)
        "target": report.target.to_dict(),  # that residual, chosen how, and the validation scores
        "saved_model": fitted.member_label if args.save_model is not None else None,
        "train_seconds": round(result.seconds, 4) if result is not None else 0.0,  # the training loop itself
        "epochs_run": result.epochs_run if result else 0,
        "stopped": result.stopped if result else "loaded",
        "message": result.message if result else f"loaded from {args.model.name}: {fitted.model.description}",
        "test_actual": report.actual,
        "test_predictions": report.test_predictions,
        "one_step_predictions": report.one_step,
        "forecast": report.forecast,
        "baselines": report.baselines,
        "config": fitted.config.to_dict(),  # the transform as chosen, never "auto"
    }


def task(args) -> dict:
    names = ("length", "cell", "seed", "epochs", "lr", "hidden_size", "n_train", "forget_bias")
    changes = {k: getattr(args, k) for k in names if getattr(args, k) is not None}
    config = task_config(args.name, **changes)
    if args.top < 1:
        raise InputError("--top must be at least 1")
    torch.set_num_threads(1)  # as for forecast
    fitted = fit_task(config)
    report = evaluate_task(fitted)
    result = fitted.result
    return {
        **report.to_dict(),
        "description": fitted.train.description,
        "example": fitted.test.example(0),
        "train_seconds": round(result.seconds, 4),
        "epochs_run": result.epochs_run,
        "stopped": result.stopped,
        "message": result.message,
        "units": find_units(fitted.model, fitted.test, top=args.top),
        "config": config.to_dict(),
    }


def gallery(args):
    from . import gallery as g
    from .gallery.summary import listing, summarize

    torch.set_num_threads(1)
    if args.name is None:
        return listing()
    return summarize(g.load_entry(args.name))


def pretrain(args) -> dict:
    from . import gallery as g

    g.entry(args.name)  # a bad name fails before any training
    torch.set_num_threads(1)
    fields = g.pretrain(args.name, args.out)
    return {k: fields[k] for k in ("name", "title", "recipe", "seed", "train_seconds", "metrics", "bytes")} | {
        "path": str(args.out or g.entry(args.name).path)}


COMMANDS = {"forecast": forecast, "task": task, "gallery": gallery, "pretrain": pretrain}


def _clean(x):
    """numpy -> plain JSON values; non-finite numbers -> null (JSON has no NaN)."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_clean(v) for v in (x.tolist() if isinstance(x, np.ndarray) else x)]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.datetime64):
        return _when(x)
    return x


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        out = COMMANDS[args.command](args)
        print(json.dumps(_clean(out), allow_nan=False))
        return 0
    except LstmVizError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not bad input: still one line, never a traceback
        print(f"internal error: {type(e).__name__}: {e}; please report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
