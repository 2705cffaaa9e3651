"""Fixtures shared by the browser test modules; the in-process tests' training backend."""
import os

import pytest

from tests.browser import Server, require_browser

# Tests in this process (AppTests above all) train in threads, as they did before the engine: a Dask
# cluster per page test would cost CI minutes for nothing they check. The engine has its own tests
# (test_engine.py, test_app_engine.py), and the browser tests' servers run the users' default, Dask.
os.environ.setdefault("LSTMVIZ_BACKEND", "threads")


@pytest.fixture(scope="module")
def server():
    """One `streamlit run` per browser test module (skips, or fails in CI, without Chromium)."""
    require_browser()
    srv = Server()
    yield srv
    srv.stop()
