"""`pip install .` works: the wheel holds the whole library and its data, and the `lstmviz` command runs.

The wheel is built from a copy of the tree (a build leaves build/ and *.egg-info behind) without
build isolation (no download), and installed without dependencies into a fresh venv that sees
this interpreter's packages through a .pth file, so the test needs no network.
"""
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import lstmviz

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent


def test_dependencies_match_requirements_txt():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    assert project["dependencies"] == [ln for ln in lines if ln and not ln.startswith("#")]
    assert "torch==2.13.0" in project["dependencies"]
    assert project["requires-python"] == ">=3.11"  # tomllib
    assert project["scripts"] == {"lstmviz": "lstmviz.__main__:main"}


def test_pip_install_gives_a_working_lstmviz_command(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "lstmviz", src / "lstmviz", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"),
                           str(src)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("lstmviz-*.whl"))
    assert wheel.name.startswith(f"lstmviz-{lstmviz.__version__}-py3-none-any")

    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "lstmviz").rglob("*.py")}
    assert modules <= names, sorted(modules - names)  # every subpackage, also ones added later
    assert "lstmviz/assets/airline_passengers.csv" in names
    assert {f"lstmviz/assets/lessons/{n}.toml" for n in ("airline", "sine", "memory", "counting", "lstm_vs_gru")} <= names
    assert {f"lstmviz/assets/gallery/{n}.pt" for n in ("anbn", "remember", "airline", "sine")} <= names
    entry = zipfile.ZipFile(wheel).read(f"lstmviz-{lstmviz.__version__}.dist-info/entry_points.txt").decode()
    assert re.search(r"^lstmviz = lstmviz.__main__:main$", entry, re.M)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    purelib = subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "deps.pth").write_text("\n".join(sorted(ours)) + "\n")  # torch & co. from this interpreter
    done = subprocess.run([*pip, "--python", str(bin_dir / "python"), "install", "--no-deps", "--no-index", str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    # from a directory with no lstmviz in it: the installed package, its own copy of the airline data
    run = subprocess.run([str(bin_dir / "lstmviz"), "forecast", "airline", "--epochs", "2", "--horizon", "3"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["series"] == {"name": "passengers", "length": 144, "missing": 0}
    assert len(out["forecast"]) == 3 and out["epochs_run"] == 2
    where = subprocess.run([str(bin_dir / "python"), "-c", "import lstmviz; print(lstmviz.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    bad = subprocess.run([str(bin_dir / "lstmviz"), "forecast", "nowhere.csv"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
