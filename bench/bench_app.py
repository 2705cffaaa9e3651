"""Server-side cost of the page's interactive paths. Medians; not a test.

1. Timestep scrubber, T = 500, H = 64 (issue 4 target: 150 ms or less). Two figures:
   - the scrubber fragment's own work (heatmaps, cell diagram, equations, and the figures'
     JSON, which is what the server sends), timed directly;
   - a whole-script AppTest rerun after moving the slider: an upper bound, since the real
     page re-runs only the fragment.
2. A 1,000,000-row CSV: load, pick the column, build the decimated preview and its JSON
   (target: 5 s or less).
    python bench/bench_app.py
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lstmviz import analysis, figures, record  # noqa: E402
from lstmviz.data import load_csv  # noqa: E402
from lstmviz.models import SequenceModel  # noqa: E402


def median_ms(fn, repeats=9):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def scrub_work(T=500, H=64):
    torch.manual_seed(0)
    trace = record(SequenceModel("lstm", 1, H), torch.randn(1, T, 1))
    state = {"t": 0}

    def one_move():
        t = state["t"] = (state["t"] + 7) % T
        figures.gate_heatmaps(trace, t=t, t_range=(0, 1500)).to_json()
        v = analysis.step_values(trace, 3, t)
        figures.cell_diagram("lstm", v, 3, t).to_json()
        analysis.equations_latex("lstm", v)

    return median_ms(one_move)


def scrub_apptest(T=500, H=64):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.selectbox(key="builtin").set_value("sine").run()
    next(s for s in at.slider if s.label == "Hidden units").set_value(H).run()
    next(s for s in at.slider if s.label == "Epochs").set_value(10).run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    at.button_group(key="view").set_value("Gate dynamics").run()
    at.radio(key="gv_mode").set_value("The whole series").run()
    assert not at.exception, at.exception
    steps = at.slider(key="gv_t").max + 1
    state = {"t": 0}

    def one_move():
        state["t"] = (state["t"] + 7) % steps
        at.slider(key="gv_t").set_value(state["t"]).run()

    ms = median_ms(one_move)
    assert not at.exception, at.exception
    return ms, steps


def big_csv(rows=1_000_000):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.csv"
        t = pd.date_range("2000-01-01", periods=rows, freq="min")
        v = np.sin(np.arange(rows) / 500) + np.random.default_rng(0).normal(0, 0.1, rows)
        pd.DataFrame({"timestamp": t.strftime("%Y-%m-%d %H:%M:%S"), "value": v.round(5)}).to_csv(path, index=False)
        size = path.stat().st_size

        def load_and_preview():
            table = load_csv(path)
            series = table.series()
            assert len(series) == rows and table.time_column == "timestamp"
            figures.series_preview(series, 12).to_json()

        return median_ms(load_and_preview, repeats=3), size


def main():
    torch.set_num_threads(1)
    print(f"scrubber fragment work, T=500 H=64: {scrub_work():.0f} ms median (target <= 150 ms)")
    ms, steps = scrub_apptest()
    print(f"whole-page AppTest rerun after a scrubber move, T={steps} H=64: {ms:.0f} ms median "
          "(upper bound: the page re-runs only the fragment)")
    ms, size = big_csv()
    print(f"1,000,000-row CSV ({size / 1e6:.0f} MB): load + column + preview + JSON {ms / 1e3:.2f} s median of 3 "
          "(target <= 5 s)")


if __name__ == "__main__":
    main()
