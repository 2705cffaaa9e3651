"""python -m lstmviz: one JSON object on success; one stderr line and exit code 2 on bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "lstmviz", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_forecast_csv_prints_one_json_object(tmp_path):
    model_path = tmp_path / "m.pt"
    p = run("forecast", "assets/airline_passengers.csv", "--epochs", "20", "--horizon", "5", "--members", "1",
            "--save-model", model_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    for name in ("lstm", "naive", "seasonal_naive", "drift"):
        assert set(out["metrics"][name]) == {"rmse", "mae", "mape"}
        assert out["metrics"][name]["rmse"] > 0
    assert out["season"] == 12
    assert len(out["test_predictions"]) == 12 and len(out["forecast"]) == 5
    assert out["config"]["train"]["epochs"] == 20 and out["train_seconds"] > 0
    assert out["metrics"]["seasonal_naive"]["rmse"] == pytest.approx(50.7, abs=0.05)

    # --model reuses the weights: same predictions, no training
    q = run("forecast", "assets/airline_passengers.csv", "--model", model_path, "--horizon", "5")
    assert q.returncode == 0, q.stderr
    again = json.loads(q.stdout)
    assert again["test_predictions"] == pytest.approx(out["test_predictions"], rel=1e-6)
    assert again["stopped"] == "loaded"


def test_forecast_json_says_how_many_models_and_which_transform(tmp_path):
    import numpy as np

    t = np.arange(300)
    days = np.datetime64("2015-01-04") + 7 * t
    values = 50 + 0.02 * t + 5 * np.sin(2 * np.pi * t / 52)
    csv = tmp_path / "weekly.csv"
    csv.write_text("date,value\n" + "".join(f"{d},{v:.4f}\n" for d, v in zip(days, values)))
    p = run("forecast", csv, "--epochs", "2", "--hidden", "4", "--members", "3", "--seed", "1", "--horizon", "0",
            "--save-model", tmp_path / "m.pt")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["season"] == 52 and out["config"]["window"] == 52  # the window spans the season
    assert out["members"] == 3 and out["member_seeds"] == [3, 4, 5]
    tr = out["transform"]
    assert tr["requested"] == "auto" and tr["chosen"] == out["config"]["transform"] != "auto"
    assert tr["holdout"] == 12 and tr["chosen"] == min(tr["validation_rmse"], key=tr["validation_rmse"].get)
    assert "test points took no part" in tr["why"]
    assert out["saved_model"] == "member 1 of 3 (seed 3)"
    target = out["target"]  # what the model predicts, as the config that ran says
    assert target["chosen"] == out["config"]["residual"] != "auto"
    assert out["predicts"] == {"none": "the next value", "naive": "the deviation from naive",
                               "seasonal_naive": "the deviation from seasonal naive"}[target["chosen"]]


def test_builtin_name_and_flags(tmp_path):
    p = run("forecast", "sine", "--epochs", "3", "--test", "20", "--window", "10", "--cell", "gru",
            "--seed", "4")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["config"]["model"]["cell"] == "gru" and len(out["test_predictions"]) == 20


@pytest.mark.parametrize("args,message", [
    (["forecast", "missing.csv"], "no such file"),
    (["forecast", "assets/airline_passengers.csv", "--column", "month"], "not numeric"),
    (["forecast", "assets/airline_passengers.csv", "--epochs", "x"], "invalid int"),
    (["forecast", "assets/airline_passengers.csv", "--window", "500"], "too few"),
    (["nonsense"], "invalid choice"),
    ([], "required"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    p = run(*args)
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in p.stderr


def test_model_file_that_runs_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    bad = tmp_path / "evil.pt"
    torch.save({"lstm.weight_ih_l0": Evil()}, bad)
    p = run("forecast", "assets/airline_passengers.csv", "--model", bad)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "not a plain state_dict" in p.stderr
    assert not marker.exists()


def test_model_file_of_wrong_shape_is_explained(tmp_path):
    path = tmp_path / "other.pt"
    torch.save(torch.nn.LSTM(3, 5).state_dict(), path)
    p = run("forecast", "assets/airline_passengers.csv", "--model", path)
    assert p.returncode == 2 and "reads 3 features per step" in p.stderr and len(p.stderr.splitlines()) == 1


def test_csv_with_zeros_works_with_the_defaults(tmp_path):
    """Sunspot-like data: the default log_diff would fail, so the default becomes diff."""
    import math

    path = tmp_path / "counts.csv"
    path.write_text("year,count\n" + "".join(f"{1700 + k},{max(0.0, 50 * math.sin(k / 1.7)):.1f}\n"
                                               for k in range(80)))
    p = run("forecast", path, "--epochs", "5")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["config"]["transform"] == "diff" and out["series"]["length"] == 80
