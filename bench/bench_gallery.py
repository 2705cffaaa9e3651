"""Opening each gallery entry: the CLI's wall time with process start (target <= 10 s), the library's load
time in one process, each file's size and the whole gallery's (target well under 20 MB), and anbn's
accuracy for every n. With --page, also the page (target <= 2 s): a `streamlit run` server and headless
Chromium, timing each entry's first open from the sidebar's Gallery box until its views are drawn and the
script has settled and no widget is still a loading skeleton (median of --repeats opens; the first open of an entry on a server reads its file).
Not a test.
    python bench/bench_gallery.py [--page] [--repeats 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lstmviz import gallery  # noqa: E402


def page_open_times(names: list[str], repeats: int) -> None:
    """Open each entry from the sidebar's select box on a running server; print first and later opens."""
    from playwright.sync_api import sync_playwright

    from tests.browser import Server, launch

    drawn = """name => {
        const info = [...document.querySelectorAll('[data-testid="stAlert"]')].some(
            a => a.innerText.includes('pretrain ' + name));
        return info && !document.querySelector('[data-testid="stStatusWidget"]')
            && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')
            && document.querySelectorAll('.js-plotly-plot, .lstmviz-text').length > 0;
    }"""
    server = Server()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            start = time.perf_counter()
            page.goto(server.url + f"/?explore=gallery&entry={names[0]}")
            page.wait_for_function(drawn, arg=names[0], timeout=120_000)
            print(f"page: server up, first entry ({names[0]}) drawn {time.perf_counter() - start:.1f} s after opening the URL")
            times = {n: [] for n in names}
            order = [n for _ in range(repeats) for n in names[1:] + names[:1]]
            for name in order:
                box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')
                box.click()
                start = time.perf_counter()
                page.get_by_role("option", name=gallery.entry(name).title).click()
                page.wait_for_function(drawn, arg=name, timeout=120_000)
                times[name].append(time.perf_counter() - start)
            browser.close()
    finally:
        server.stop()
    for name, t in times.items():
        print(f"page: {name:10s} first open {t[0]:4.2f} s, later opens median {statistics.median(t[1:] or t):4.2f} s "
              f"({', '.join(f'{x:.2f}' for x in t)})")
    print(f"page: worst median open {max(statistics.median(t) for t in times.values()):.2f} s (target <= 2 s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--page", action="store_true", help="also time opening each entry on the page")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
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
    if args.page:
        page_open_times([n for n in gallery.names() if gallery.entry(n).path.exists()], args.repeats)


if __name__ == "__main__":
    main()
