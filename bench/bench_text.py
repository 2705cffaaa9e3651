"""Character models on the built-in ~100 KB "stories" text: bits per character on the held-out last 10 %
against the unigram baseline, within 60 s of training on one CPU thread, and the units the ranker
finds for quotes and brackets (on the first 5,000 held-out characters).

    python bench/bench_text.py [--cells lstm gru] [--epochs 40] [--seed 0] [--max-seconds 60] [--file TEXT.txt]
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lstmviz.text import (TextConfig, bpc, builtin_text, features, fit_text, matches, rank_units,  # noqa: E402
                          record_text, select_span, unigram_bpc)

FEATURES = ("in_quotes", "in_brackets", "line_position")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", nargs="+", default=["lstm", "gru"])
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--file", help="a UTF-8 text instead of the built-in stories")
    args = ap.parse_args()
    torch.set_num_threads(1)
    text = open(args.file, encoding="utf-8").read() if args.file else builtin_text("stories")
    print(f"text: {args.file or 'stories'}, {len(text):,} characters; one torch thread")
    for cell in args.cells:
        cfg = TextConfig().replace(cell=cell, hidden_size=args.hidden, seq_len=100, epochs=args.epochs, lr=1e-2,
                         lr_decay=0.1, seed=args.seed)
        fit = fit_text(text, cfg, max_seconds=args.max_seconds)
        model, base = bpc(fit, fit.val_text), unigram_bpc(fit.train_text, fit.val_text)
        verdict = "beats" if model < base else "does NOT beat"
        print(f"\n{cell.upper()} {args.hidden} units, {fit.result.epochs_run} epochs ({fit.result.stopped}) in "
              f"{fit.result.seconds:.1f} s of training")
        print(f"  held-out bits per character: model {model:.3f}, unigram {base:.3f}: the model {verdict} the "
              f"baseline by {base - model:.2f} bits")
        sample = fit.val_text[:5000]
        t0 = time.perf_counter()
        trace = record_text(fit, sample)
        feats = features(sample)
        for q in (["h", "c"] if cell == "lstm" else ["h"]):
            ranked = rank_units(trace, {k: feats[k] for k in FEATURES}, quantity=q, top=3)
            for name in FEATURES:
                best = [d for d in ranked if d["feature"] == name]
                units = ", ".join(f"unit {d['unit']} r={d['correlation']:+.2f}" for d in best)
                print(f"  {q} units for {name:>13}: {units}")
        # LSTMVis: threshold the top quote unit halfway between its means inside and outside quotes, select the
        # run where it is on through the first quote, and find where all the selected units are on together
        quoted = feats["in_quotes"]
        top = rank_units(trace, {"in_quotes": quoted}, quantity="h", top=1)[0]
        h = trace.get("h") * (1.0 if top["correlation"] > 0 else -1.0)
        u = top["unit"]
        threshold = (h[quoted == 1, u].mean() + h[quoted == 0, u].mean()) / 2
        first = int(quoted.argmax())
        first = (first + first + int(quoted[first:].argmin())) // 2  # the middle of the first quote
        run = [(s, e) for s, e in matches(h, [u], threshold) if s <= first < e]
        if not run:
            print(f"  selection: unit {u} is not on in the middle of the first quote (t={first})")
            continue
        units = select_span(h, *run[0], threshold=threshold)
        found = matches(h, units, threshold, min_len=3)
        hit = np.zeros(len(quoted), dtype=bool)
        for s, e in found:
            hit[s:e] = True
        print(f"  selection: unit {u} (sign {'+' if top['correlation'] > 0 else '-'}) on over {run[0]} at "
              f"threshold {threshold:+.2f} selects units {units.tolist()}; {len(found)} matching spans cover "
              f"{hit[quoted == 1].mean():.0%} of quoted characters, {quoted[hit].mean() if hit.any() else 0:.0%} of them in quotes "
              f"(recording + ranking + selection {time.perf_counter() - t0:.2f} s)")


if __name__ == "__main__":
    main()
