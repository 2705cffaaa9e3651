"""Shared set-up for real-browser tests: a `streamlit run` server and headless Debian Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def require_browser():
    """Skip (or, in CI, fail) when there is no Chromium or playwright."""
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if missing:
        if os.environ.get("LSTMVIZ_REQUIRE_BROWSER"):
            pytest.fail(missing)
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users_environ() -> dict:
    """This environment less the tests' in-process backend: a server runs what users run (the engine)."""
    return {k: v for k, v in os.environ.items() if k != "LSTMVIZ_BACKEND"}


class Server:
    """`streamlit run app.py --server.headless true` on a free port of 127.0.0.1."""

    def __init__(self, env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"lstmviz-streamlit-{self.port}.log", "w+")
        cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(self.port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     env={**_users_environ(), **(env or {})})
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=1).status == 200:
                    return
            except OSError:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                break
        self.stop()
        self.log.seek(0)
        raise RuntimeError("streamlit did not start:\n" + self.log.read()[-2000:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


def train_button(page):
    """The main area's Train button (the sidebar has the same one: a bare role query would match two)."""
    import re

    return page.locator('[data-testid="stMain"]').get_by_role("button", name=re.compile("^Train"))
