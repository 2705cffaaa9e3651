"""The house's layout: the library loads without streamlit; only lstmviz/app/ imports it."""
import pkgutil
import subprocess
import sys
from pathlib import Path

import lstmviz

ROOT = Path(__file__).resolve().parent.parent


def _library_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(lstmviz.__path__, "lstmviz."):
        if info.name == "lstmviz.app" or info.name.startswith("lstmviz.app."):
            continue
        names.append(info.name)
    return names


def test_the_library_lists_its_modules():
    names = _library_modules()
    assert "lstmviz.record" in names and "lstmviz.__main__" in names
    assert not any(n.startswith("lstmviz.app") for n in names)


def test_no_library_module_imports_streamlit_in_a_fresh_interpreter():
    names = [n for n in _library_modules() if n != "lstmviz.__main__"]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n"
            "    importlib.import_module(name)\n"
            "    assert 'streamlit' not in sys.modules, name\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_cli_runs_without_streamlit():
    code = ("import sys, runpy\nsys.argv = ['lstmviz', '--help']\n"
            "try:\n    runpy.run_module('lstmviz', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "assert 'streamlit' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "forecast" in done.stdout


def test_the_top_level_is_the_stated_one():
    top = {p.name for p in ROOT.iterdir() if not p.name.startswith(".") and p.name not in {"__pycache__"}}
    assert top <= {"app.py", "lstmviz", "assets", "tests", "requirements.txt", "requirements-dev.txt", "bench",
                   "README.md", "pyproject.toml"}, top


def test_assets_hold_the_files_and_the_package_reaches_them_through_one_link():
    top, packaged = ROOT / "assets" / "airline_passengers.csv", ROOT / "lstmviz" / "assets" / "airline_passengers.csv"
    assert not top.is_symlink()  # the brief: copy the shared data into assets/, do not link to it
    assert (ROOT / "lstmviz" / "assets").resolve() == (ROOT / "assets").resolve()  # one copy, not two to keep equal
    assert top.read_bytes() == packaged.read_bytes()
