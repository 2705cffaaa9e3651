"""Each sequence task's default config: held-out metric, baseline, training time, best unit. Medians; not a test.

Targets (issue): adding problem at T = 50, LSTM test MSE < 0.04 in <= 60 s of training (the RNN's
figure printed beside it); anbn accuracy >= 99% on trained lengths and a cell ("c") unit with
|correlation| >= 0.9 against the running count (accuracy on longer strings printed). Also
"remember" at T = 30 from PyTorch's default start and with the forget-gate bias at +2.
One torch thread, as the app and the CLI use.
    python bench/bench_tasks.py [--seeds 3] [--tasks adding anbn ...]
"""
import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lstmviz.tasks import DEFAULTS, default_config, evaluate_task, find_units, fit_task  # noqa: E402


def run(task: str, seed: int, cell: str = "lstm", **changes) -> dict:
    fit = fit_task(default_config(task, seed=seed, cell=cell, **changes))
    report = evaluate_task(fit).to_dict()
    report["seconds"] = fit.result.seconds
    report["length"] = fit.config.length
    report["units"] = {name: find_units(fit.model, fit.test, {name: v}, top=1)[0] for name, v in fit.test.known.items()}
    report["c_units"] = ({name: find_units(fit.model, fit.test, {name: v}, top=1, quantities=("c",))[0]
                          for name, v in fit.test.known.items()} if cell == "lstm" else {})
    return report


def summary(task: str, cell: str, runs: list[dict], note: str = "") -> str:
    med = statistics.median
    values = [r["value"] for r in runs]
    metric = runs[0]["metric"]
    fmt = (lambda v: f"{v:.4f}") if metric == "mse" else (lambda v: f"{v:.1%}")
    line = (f"{task:9s} {cell:4s} T={runs[0]['length']:<3d}{note} held-out {metric} median {fmt(med(values))} "
            f"(per seed {', '.join(fmt(v) for v in values)}); baseline {fmt(med(r['baseline'] for r in runs))}; "
            f"train {med(r['seconds'] for r in runs):.1f} s median, max {max(r['seconds'] for r in runs):.1f} s")
    if "longer" in runs[0]:
        k = runs[0]["longer"]["k"]
        line += (f"\n{'':15s}longer strings (k = {k[0]}..{k[1]}, trained on 1..{k[0] - 1}): accuracy median "
                 f"{med(r['longer']['accuracy'] for r in runs):.1%} (per seed "
                 f"{', '.join(format(r['longer']['accuracy'], '.1%') for r in runs)})")
    for name in runs[0]["units"]:
        best = [abs(r["units"][name]["correlation"]) for r in runs]
        line += (f"\n{'':15s}best unit for {name!r}: |r| median {med(best):.3f} "
                 f"({runs[0]['units'][name]['quantity']} in seed 0)")
        if runs[0]["c_units"]:
            c = [abs(r["c_units"][name]["correlation"]) for r in runs]
            line += f"; best c unit |r| median {med(c):.3f}, min {min(c):.3f}"
    return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 of each default config")
    ap.add_argument("--tasks", nargs="*", default=list(DEFAULTS))
    args = ap.parse_args()
    torch.set_num_threads(1)
    for task in args.tasks:
        cells = ("lstm", "gru", "rnn") if task == "adding" else ("lstm",)
        for cell in cells:
            runs = [run(task, seed, cell) for seed in range(args.seeds)]
            print(summary(task, cell, runs), flush=True)
        if task == "remember":  # a longer memory: what the forget gate's starting bias does
            for bias in (0.0, 2.0):
                runs = [run(task, seed, length=30, forget_bias=bias) for seed in range(args.seeds)]
                print(summary(task, "lstm", runs, f" forget bias {bias:+g}"), flush=True)


if __name__ == "__main__":
    main()
