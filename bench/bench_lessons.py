"""Each guided lesson on seeds 0-4: which of its claims hold, with the run's numbers. Not a test.

Target (issue 12): on seeds 0-4 every lesson's claims all hold at least 4 times in 5
(tests/test_lessons.py asserts it). One torch thread, as the app and the CLI use.
    python bench/bench_lessons.py [--seeds 5] [--lessons sine memory ...]
"""
import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lstmviz import lessons  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--lessons", nargs="*", default=list(lessons.LESSONS))
    args = p.parse_args()
    torch.set_num_threads(1)
    for lid in args.lessons:
        held = 0
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            seen = lessons.run(lid, seed)
            held += seen.seen
            print(f"{lid} seed {seed}: {'all hold' if seen.seen else 'NOT all'} ({time.perf_counter() - t0:.0f} s)")
            for c in seen.claims:
                print(f"    [{'x' if c.seen else ' '}] {c.text}")
        print(f"{lid}: claims all hold on {held} of {args.seeds} seeds\n", flush=True)


if __name__ == "__main__":
    main()
