"""Fixtures shared by the browser test modules."""
import pytest

from tests.browser import Server, require_browser


@pytest.fixture(scope="module")
def server():
    """One `streamlit run` per browser test module (skips, or fails in CI, without Chromium)."""
    require_browser()
    srv = Server()
    yield srv
    srv.stop()
