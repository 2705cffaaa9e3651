"""python -m lstmviz task NAME: one JSON object on success; one stderr line and exit code 2 on bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lstmviz.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "lstmviz", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


@pytest.fixture(autouse=True, scope="module")
def restore_threads():
    before = torch.get_num_threads()  # main() sets one thread, as the CLI should
    yield
    torch.set_num_threads(before)


def test_anbn_prints_one_json_object_with_units_and_longer_lengths():
    p = run("task", "anbn", "--epochs", "25", "--seed", "0")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["task"] == "anbn" and out["metric"] == "accuracy"
    assert out["value"] >= 0.99 and out["baseline"] == pytest.approx(0.5, abs=0.02)
    assert 0 < out["train_seconds"] < 60 and out["epochs_run"] == 25
    assert out["config"]["task"] == "anbn" and out["config"]["train"]["epochs"] == 25 and out["config"]["length"] == 22
    assert out["longer"]["k"] == [11, 20] and 0 <= out["longer"]["accuracy"] <= 1
    assert sum(map(sum, out["confusion"])) == out["n_test"] == 1000
    units = out["units"]
    assert len(units) == 6  # 3 for each of the two known quantities
    assert all({"layer", "unit", "quantity", "known", "correlation"} <= set(u) for u in units)
    count = [u for u in units if u["known"] == "running count"]
    assert count[0]["quantity"] == "c" and abs(count[0]["correlation"]) >= 0.9
    assert 0 <= count[0]["unit"] < 16 and out["example"].endswith(("accept", "reject"))


def test_flags_reach_the_config(capsys):
    assert main(["task", "seed004", "--length", "4", "--cell", "gru", "--epochs", "2", "--hidden", "5",
                 "--n-train", "50", "--seed", "3", "--lr", "0.02", "--top", "1", "--forget-bias", "1.5"]) == 0
    out = json.loads(capsys.readouterr().out)
    # seed004 is the old name of rise_fall: it still runs, under the name that says what it is
    assert out["config"] == {"task": "rise_fall", "length": 4, "n_train": 50, "n_test": 500,
                             "model": {"cell": "gru", "hidden_size": 5, "num_layers": 1, "dropout": 0.0, "forget_bias": 1.5},
                             "train": {"epochs": 2, "lr": 0.02, "batch_size": 32, "seed": 3, "weight_decay": 0.0,
                                       "clip": 1.0, "lr_decay": 1.0, "patience": 0, "snapshots": 10}}
    assert out["metric"] == "accuracy" and len(out["units"]) == 2  # two known quantities, top 1 each
    assert {u["quantity"] for u in out["units"]} <= {"r", "z", "n", "h"}


def test_bad_input_from_the_shell_exits_2_with_one_line():
    p = run("task", "adding", "--length", "1")
    assert p.returncode == 2 and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "length must be 2 to 1000" in lines[0] and "Traceback" not in p.stderr


@pytest.mark.parametrize("args,message", [
    (["task", "nope"], "invalid choice"),
    (["task"], "required"),
    (["task", "anbn", "--length", "3"], "length must be 4 to"),
    (["task", "parity", "--hidden", "0"], "hidden size"),
    (["task", "parity", "--n-train", "5"], "n_train must be"),
    (["task", "parity", "--seed", "-1"], "seed must be 0 to 1,000,000"),
    (["task", "parity", "--epochs", "x"], "invalid int"),
    (["task", "parity", "--cell", "lstmx"], "invalid choice"),
    (["task", "parity", "--top", "0"], "--top must be"),
])
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    assert main(args) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and message in lines[0]
