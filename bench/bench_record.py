"""Cost of lstmviz.record against a plain forward of the same model, measured in the same run.

Setup from issue 2: T = 10,000, H = 128, batch 1, float32, 2 threads. Prints medians and ratios.
    python bench/bench_record.py [--repeats 7] [--cell lstm]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lstmviz  # noqa: E402


def median_ratio(model, x, repeats):
    fwd, rec, trace = [], [], None
    for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
        t = time.perf_counter()
        with torch.no_grad():
            model(x)
        fwd.append(time.perf_counter() - t)
        t = time.perf_counter()
        trace = lstmviz.record(model, x)
        rec.append(time.perf_counter() - t)
    return statistics.median(fwd), statistics.median(rec), trace


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cls = nn.LSTM if args.cell == "lstm" else nn.GRU
    nq = len(lstmviz.QUANTITIES[args.cell])
    for T, H, reps in [(10_000, 128, args.repeats), (100_000, 64, 3)]:
        model = cls(1, H)
        x = torch.randn(T, 1, 1)
        f, r, trace = median_ratio(model, x, reps)
        raw = nq * T * H * 4
        print(f"{args.cell} T={T} H={H}: forward {f * 1e3:.1f} ms, record {r * 1e3:.1f} ms, "
              f"ratio {r / f:.2f}x (median of {reps}); trace memory {trace.nbytes / raw:.2f}x raw; "
              f"max_error {trace.max_error:.2e}")


if __name__ == "__main__":
    main()
