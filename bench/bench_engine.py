"""The engine's cost and its use of the cores, on the airline preset.

    python bench/bench_engine.py [--repeats 5] [--runs 20]

Prints three lines:
  start   : how long the embedded engine takes to be ready (the page does not wait for it)
  single  : one airline run's time to result through the engine vs `forecast.fit` in this process
            (medians over distinct seeds, so nothing is shared; target ratio <= 1.3)
  workers : `--runs` distinct airline seeds submitted at once, with 1 and with 2 workers (target >= 1.7x)
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from lstmviz import forecast  # noqa: E402
from lstmviz.engine import Engine  # noqa: E402

SERIES, CONFIG = forecast.preset("airline")


def _key(seed: int):
    return (SERIES.key, CONFIG.replace(seed=seed))


def _engine(workers: int) -> tuple[Engine, float]:
    t0 = time.perf_counter()
    engine = Engine(workers=workers, scheduler="")  # "" -> embedded, whatever LSTMVIZ_SCHEDULER says
    if not engine.ready(600):
        raise SystemExit(f"the engine did not start: {engine._start_error}")
    return engine, time.perf_counter() - t0


def _busy(n: int = 3_000_000) -> float:
    """Seconds for a fixed pure-Python job: what a page's first script run competes with."""
    t0 = time.perf_counter()
    total = 0
    for i in range(n):
        total += i % 7
    return time.perf_counter() - t0


def start_cost() -> str:
    alone = _busy()
    t0 = time.perf_counter()
    engine = Engine(workers=2, scheduler="")
    returned = time.perf_counter() - t0
    during = _busy()
    engine.ready(600)
    ready = time.perf_counter() - t0
    engine.close()
    return (f"start   : Engine() returned in {returned * 1000:.0f} ms; embedded, 2 workers, ready in {ready:.1f} s "
            f"in the background; a {alone:.2f} s main-thread job took {during:.2f} s meanwhile")


def single(engine: Engine, repeats: int, seed0: int) -> tuple[float, float, float, float]:
    """Medians (engine, direct with torch's default threads, direct with one thread, engine overhead: time to
    result less the fit's own time on the worker) over `repeats` seeds."""
    via, direct, one, over = [], [], [], []
    threads = torch.get_num_threads()
    for k in range(repeats):
        seed = seed0 + k
        t0 = time.perf_counter()
        run = engine.submit(_key(seed), forecast.fit, SERIES, CONFIG.replace(seed=seed), epochs=CONFIG.train.epochs)
        if not run.wait(600) or run.error:
            raise SystemExit(f"run failed: {run.error}")
        via.append(time.perf_counter() - t0)
        over.append(via[-1] - run.outcome.seconds)
        t0 = time.perf_counter()
        forecast.fit(SERIES, CONFIG.replace(seed=seed))
        direct.append(time.perf_counter() - t0)
        torch.set_num_threads(1)
        t0 = time.perf_counter()
        forecast.fit(SERIES, CONFIG.replace(seed=seed))
        one.append(time.perf_counter() - t0)
        torch.set_num_threads(threads)
    return statistics.median(via), statistics.median(direct), statistics.median(one), statistics.median(over)


def throughput(engine: Engine, runs: int, seed0: int) -> float:
    """Seconds from submitting `runs` distinct seeds at once to having every result."""
    t0 = time.perf_counter()
    handles = [engine.submit(_key(seed0 + k), forecast.fit, SERIES, CONFIG.replace(seed=seed0 + k),
                             epochs=CONFIG.train.epochs) for k in range(runs)]
    for run in handles:
        if not run.wait(1800) or run.error:
            raise SystemExit(f"run failed: {run.error}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    print(f"machine : {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")

    if args.runs:
        print(start_cost(), flush=True)
    engine, ready = _engine(1)
    engine.submit(_key(999), forecast.fit, SERIES, CONFIG.replace(seed=999), epochs=CONFIG.train.epochs).wait(600)
    forecast.fit(SERIES, CONFIG.replace(seed=999))  # both sides warm: imports, first optimizer
    via, direct, one, over = single(engine, args.repeats, 100)
    print(f"single  : airline time to result, median of {args.repeats}: engine {via:.2f} s, direct fit {direct:.2f} s "
          f"({torch.get_num_threads()} torch threads; {one:.2f} s with 1): ratio {via / direct:.2f} "
          f"(vs 1 thread {via / one:.2f}; target <= 1.3); engine overhead (time to result less the fit on the "
          f"worker) {over:.2f} s", flush=True)
    if args.runs == 0:
        return
    t1 = throughput(engine, args.runs, 1000)
    engine.close()

    engine, ready = _engine(2)
    engine.submit(_key(998), forecast.fit, SERIES, CONFIG.replace(seed=998), epochs=CONFIG.train.epochs).wait(600)
    t2 = throughput(engine, args.runs, 2000)
    engine.close()
    print(f"workers : {args.runs} distinct airline seeds at once: 1 worker {t1:.1f} s, 2 workers {t2:.1f} s: "
          f"{t1 / t2:.2f}x (target >= 1.7); load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
