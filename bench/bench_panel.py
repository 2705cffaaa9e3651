"""The public benchmark panel: lstmviz's default forecaster against statistical references on real series.

Every series is a CSV in bench/data/ (see its README for sources and licences), plus the airline series
the app ships. Each method forecasts the last h points of a series from everything before them (the
same split for all), and is scored by RMSE on those points. The LSTM uses default_config(series, test=h):
the settings a user gets for a CSV, nothing tuned per series. Its RMSE is the median over the seeds.
References, measured in the same run: naive, seasonal naive, drift (lstmviz.forecast.baselines),
statsmodels' ETS (error, trend and season chosen by AIC, as auto-ETS does) and Theta.

    pip install -r requirements-dev.txt        # statsmodels: a benchmark-only dependency
    python bench/bench_panel.py [--seeds 0 1 2] [--only airline lynx] [--json out.json]
"""
import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lstmviz.data import load_csv  # noqa: E402
from lstmviz.forecast import baselines, default_config, evaluate, fit, metrics  # noqa: E402

DATA = ROOT / "bench" / "data"
# name -> h: h is one season for monthly (12) and weekly (52) data, two years of quarters, ten years;
# each series is bench/data/<name>.csv, except the airline series the app ships
HORIZONS = {"airline": 12, "co2_weekly": 52, "elec_equip": 12, "elnino": 12, "seatbelts_ksi": 12, "us_realgdp": 8,
            "us_cpi": 8, "us_unemp": 8, "us_m1": 8, "us_consumption_change": 8, "de_inflation": 8, "nile": 10,
            "sunspots": 10, "lynx": 10}
PANEL = {name: (ROOT / "assets" / "airline_passengers.csv" if name == "airline" else DATA / f"{name}.csv", h)
         for name, h in HORIZONS.items()}
REFERENCES = ("best_naive", "ets", "theta")


def ets_forecast(y: np.ndarray, h: int, season: int | None) -> np.ndarray:
    """statsmodels ETSModel, additive errors, trend (none, additive, damped) and season (none, additive,
    multiplicative for positive data) chosen by AIC."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = [None]
    if season and season >= 2 and len(y) >= 2 * season + 2:
        seasonal += ["add"] + (["mul"] if np.all(y > 0) else [])
    best = None
    for trend, damped in ((None, False), ("add", False), ("add", True)):
        for s in seasonal:
            try:
                res = ETSModel(y, error="add", trend=trend, damped_trend=damped, seasonal=s,
                               seasonal_periods=season if s else None).fit(disp=False, maxiter=2000)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(res.aic) and (best is None or res.aic < best.aic):
                best = res
    return np.asarray(best.forecast(h))


def theta_forecast(y: np.ndarray, h: int, season: int | None) -> np.ndarray:
    """statsmodels ThetaModel (deseasonalised when a season is found and tests as present)."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    period = season if season and len(y) >= 2 * season else 1
    return np.asarray(ThetaModel(y, period=period, deseasonalize=period > 1).fit().forecast(h))


def run_series(name: str, path: Path, h: int, seeds: list[int]) -> dict:
    series = load_csv(path).series(None)
    y, n = series.values, len(series) - h
    actual, season = y[n:], series.season
    rmse = lambda p: metrics(actual, p)["rmse"]  # noqa: E731
    row = {"name": name, "n": len(series), "season": season, "h": h}
    base = {k: rmse(v) for k, v in baselines(y[:n], h, season).items()}
    row["best_naive"] = min(base.values())
    row["best_naive_name"] = min(base, key=base.get)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row["ets"] = rmse(ets_forecast(y[:n], h, season))
        row["theta"] = rmse(theta_forecast(y[:n], h, season))
    config = default_config(series, test=h)
    row.update(window=config.window, members=config.members)
    lstm, secs, chosen, target = [], [], [], []
    for seed in seeds:
        fitted = fit(series, config.replace(seed=seed))
        report = evaluate(fitted, horizon=0)
        lstm.append(report.metrics["lstm"]["rmse"])
        secs.append(fitted.result.seconds)
        chosen.append(report.transform.chosen)
        target.append({"none": "direct", "naive": "naive", "seasonal_naive": "snaive"}[report.target.chosen])
    row.update(lstm=statistics.median(lstm), lstm_per_seed=lstm, train_seconds=statistics.median(secs),
               transform=chosen[0] if len(set(chosen)) == 1 else "/".join(chosen),
               target="/".join(target) if len(set(target)) > 1 else target[0])
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", nargs="+", choices=list(PANEL))
    ap.add_argument("--json", type=Path, help="also write the rows here")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the app and the CLI use 1)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    # statsmodels turns its ConvergenceWarning to "always" when imported: import it before silencing warnings
    from statsmodels.tsa.exponential_smoothing import ets  # noqa: F401
    from statsmodels.tsa.forecasting import theta  # noqa: F401
    names = args.only or list(PANEL)
    print(f"{'series':22} {'n':>5} {'m':>3} {'h':>3} {'win':>4} {'transform':>13} {'predicts':>20} {'LSTM':>9} {'naive*':>9} "
          f"{'ETS':>9} {'Theta':>9}  {'s/fit':>5}  per seed")
    rows = []
    for name in names:
        path, h = PANEL[name]
        start = time.perf_counter()
        r = run_series(name, path, h, args.seeds)
        rows.append(r)
        mark = lambda ref: "<" if r["lstm"] < r[ref] else " "  # noqa: E731
        print(f"{name:22} {r['n']:5} {r['season'] or '-':>3} {r['h']:3} {r['window']:4} {r['transform']:>13} "
              f"{r['target']:>20} {r['lstm']:9.4g} {r['best_naive']:8.4g}{mark('best_naive')} {r['ets']:8.4g}{mark('ets')} "
              f"{r['theta']:8.4g}{mark('theta')} {r['train_seconds']:5.1f}  "
              + ", ".join(f"{v:.4g}" for v in r["lstm_per_seed"])
              + f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    k = len(rows)
    wins = {ref: sum(r["lstm"] < r[ref] for r in rows) for ref in REFERENCES}
    seeds = f"seeds {args.seeds[0]}-{args.seeds[-1]}" if len(args.seeds) > 1 else f"seed {args.seeds[0]}"
    print(f"\nLSTM defaults (median RMSE over {seeds}) beat the best naive baseline on {wins['best_naive']}/{k} "
          f"series ({100 * wins['best_naive'] / k:.0f}%), ETS on {wins['ets']}/{k} ({100 * wins['ets'] / k:.0f}%), "
          f"Theta on {wins['theta']}/{k} ({100 * wins['theta'] / k:.0f}%)")
    per_seed = []
    for i, seed in enumerate(args.seeds):
        w = {ref: sum(r["lstm_per_seed"][i] < r[ref] for r in rows) for ref in REFERENCES}
        per_seed.append(f"seed {seed}: {w['best_naive']}/{w['ets']}/{w['theta']}")
    print("wins per single seed (best naive / ETS / Theta): " + "; ".join(per_seed))
    print("naive* = the best of naive, seasonal naive and drift on the test points; < marks an LSTM win; "
          "predicts: the next value (direct) or the deviation from naive / seasonal naive (snaive), per seed")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
