"""Fixtures shared by the browser test modules; the in-process tests' training backend."""
import os

import pytest

from tests.browser import Server, require_browser

# Tests in this process (AppTests above all) train in threads, as they did before the engine: a Dask
# cluster per page test would cost CI minutes for nothing they check. The engine has its own tests
# (test_engine.py, test_app_engine.py), and the browser tests' servers run the users' default, Dask.
os.environ.setdefault("LSTMVIZ_BACKEND", "threads")
# pytest runs two processes on two cores (pyproject's -n 2): one torch thread each, for them and for the
# CLIs they start, or four threads fight over two cores and the timeouts of the browser and engine tests
# measure the fight. (torch reads OMP_NUM_THREADS when it is first imported, which is after this file.)
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"


@pytest.fixture(scope="module")
def server():
    """One `streamlit run` per browser test module (skips, or fails in CI, without Chromium)."""
    require_browser()
    srv = Server()
    yield srv
    srv.stop()
