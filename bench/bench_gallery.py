"""Opening each gallery entry: the CLI's wall time with process start (target <= 10 s), the library's load
time in one process (what the page waits for on a first open; target <= 2 s with the page), each file's
size and the whole gallery's (target well under 20 MB), and anbn's accuracy for every n. Not a test.
    python bench/bench_gallery.py
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lstmviz import gallery  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    total = 0
    for name in gallery.names():
        path = gallery.entry(name).path
        if not path.exists():
            print(f"{name:10s} no file: python -m lstmviz pretrain {name}")
            continue
        total += path.stat().st_size
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "lstmviz", "gallery", name], cwd=ROOT, capture_output=True,
                              text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        cli = time.perf_counter() - start
        start = time.perf_counter()
        gallery.load_entry(name)
        load = time.perf_counter() - start
        out = json.loads(done.stdout)
        m = out["metric"]
        print(f"{name:10s} {path.stat().st_size / 1024:7.1f} KB  CLI {cli:5.1f} s  load {load:4.2f} s  "
              f"{m['name']} {m['value']:.4g} (baseline {m['baseline']:.4g})  trained in {out['train_seconds']:.0f} s  "
              f"checks seen {sum(c['seen'] for c in out['checks'])}/{len(out['checks'])}")
        if out["kind"] == "text":
            print(f"           units on {out['units_on']}: " + ", ".join(
                f"{u['feature']} {u['quantity']}{u['unit']} r {u['correlation']:+.2f}" for u in out["units"]))
        if "counting" in out:
            c = out["counting"]
            every = {**c["held_out_by_k"], **out["longer"]["by_k"]}
            print(f"           every n from {c['n'][0]} to {c['n'][1]}: worst {c['worst_accuracy']:.3f} at n = "
                  f"{c['worst_n']}")
            print("           by_k " + " ".join(f"{k}:{v:.2f}" for k, v in every.items()))
    print(f"gallery total {total / 1024 / 1024:.2f} MB")


if __name__ == "__main__":
    main()
