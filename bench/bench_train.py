"""Training speed of the default airline preset against seed 001's recipe, measured in the same run.

The preset trains one model; an ensemble of the same settings (the median of 5 models, as one batched
run) is timed beside it, with its RMSE, so the cost and the gain of averaging show.

Seed 001: nn.LSTM(1, 100) + Linear, per-sample Adam (lr 1e-3), 300 epochs over 120 windows of 12.
We time a few of its epochs and scale up to 300. Also prints the airline quality figures.
Both run with the same number of torch threads (default 1, as the app and the CLI do).
    python bench/bench_train.py [--seed001-epochs 3]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lstmviz.forecast import evaluate, fit, preset  # noqa: E402


class Seed001LSTM(nn.Module):
    def __init__(self, hidden=100):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(1, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, seq, state):
        out, _ = self.lstm(seq.view(len(seq), 1, -1), state)
        return self.linear(out.view(len(seq), -1))[-1]


def seed001_seconds_per_epoch(values: np.ndarray, epochs: int) -> float:
    """Seed 001's loop, verbatim in substance: min-max to [-1, 1], window 12, one update per sample."""
    train = values[:-12]
    lo, hi = train.min(), train.max()
    norm = torch.tensor((train - lo) / (hi - lo) * 2 - 1, dtype=torch.float32)
    pairs = [(norm[i:i + 12], norm[i + 12:i + 13]) for i in range(len(norm) - 12)]
    torch.manual_seed(0)
    model = Seed001LSTM()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    start = time.perf_counter()
    for _ in range(epochs):
        for seq, label in pairs:
            opt.zero_grad()
            state = (torch.zeros(1, 1, 100), torch.zeros(1, 1, 100))
            loss = loss_fn(model(seq, state), label)
            loss.backward()
            opt.step()
    return (time.perf_counter() - start) / epochs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed001-epochs", type=int, default=3)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the app and the CLI use 1)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    series, config = preset("airline")
    ours, five, rmse, rmse5 = [], [], [], []
    for seed in range(args.runs):
        fitted = fit(series, config.replace(seed=seed))
        ours.append(fitted.result.seconds)
        report = evaluate(fitted)
        rmse.append(report.metrics["lstm"]["rmse"])
        ens = fit(series, config.replace(seed=seed, members=5))
        five.append(ens.result.seconds)
        rmse5.append(evaluate(ens).metrics["lstm"]["rmse"])
    seed001 = seed001_seconds_per_epoch(series.values, args.seed001_epochs) * 300
    med = statistics.median(ours)
    print(f"airline default preset ({report.members} models averaged, transform {report.transform.chosen} chosen "
          f"by '{config.transform}'): train {med:.2f} s median of {args.runs} (seeds 0-{args.runs - 1}); the median "
          f"of 5 models: {statistics.median(five):.2f} s ({statistics.median(five) / med:.1f}x); seed 001 recipe: {seed001:.1f} s (from {args.seed001_epochs} "
          f"epochs x 100); speed-up {seed001 / med:.0f}x")
    print(f"airline recursive 12-month RMSE: median {np.median(rmse):.1f}, spread {max(rmse) - min(rmse):.1f}, "
          "per seed " + ", ".join(f"{r:.1f}" for r in rmse) + " (seasonal naive 50.7)")
    print(f"  with 5 models averaged: median {np.median(rmse5):.1f}, spread {max(rmse5) - min(rmse5):.1f}, per seed "
          + ", ".join(f"{r:.1f}" for r in rmse5))


if __name__ == "__main__":
    main()
