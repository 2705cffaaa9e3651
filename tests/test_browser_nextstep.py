"""The next step on the first screen, nothing stale, and downloads that never lose a click, in Chromium."""
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from tests.browser import launch, train_button
from tests.test_browser import SHOTS, no_exception, wait_idle, watch_page

MONTHLY = "month,sales\n" + "".join(f"{2000 + y}-{m:02d}-01,{100 + y * 5 + 10 * (m % 12)}\n"
                                    for y in range(6) for m in range(1, 13))
OTHER = "day,visits\n" + "".join(f"2024-01-{d:02d},{50 + (d * 7) % 11}\n" for d in range(1, 31)) + \
        "".join(f"2024-02-{d:02d},{52 + (d * 5) % 13}\n" for d in range(1, 29))


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def _open(browser, url, errors, width=1024, height=700):
    pg = browser.new_page(viewport={"width": width, "height": height})
    pg.set_default_timeout(120_000)  # a shared machine under load answers slowly; conditions, not sleeps
    watch_page(pg, errors)
    pg.goto(url)
    train_button(pg).wait_for(timeout=180_000)  # a busy shared machine can take a minute to import torch
    wait_idle(pg)
    return pg


def _shot(pg, tmp_path, name):
    pg.screenshot(path=str((SHOTS or tmp_path) / f"{name}.png"))


def _on_first_screen(pg, locator):
    box = locator.bounding_box()
    assert box is not None
    assert pg.evaluate("() => window.scrollY") == 0
    assert 0 <= box["y"] and box["y"] + box["height"] <= pg.viewport_size["height"], box
    assert box["x"] + box["width"] <= pg.viewport_size["width"], box


@pytest.mark.parametrize("query", ["", "?present=1", "?explore=tasks&present=1", "?explore=text&present=1"])
def test_train_is_on_the_first_screen_at_1024x700(server, browser, tmp_path, query):
    errors = []
    pg = _open(browser, server.url + "/" + query, errors)
    _on_first_screen(pg, train_button(pg))
    assert train_button(pg).is_enabled()
    _on_first_screen(pg, pg.locator('[data-testid="stMain"]').get_by_text("Guided lessons"))
    no_exception(pg)
    _shot(pg, tmp_path, "first-screen" + re.sub(r"\W+", "-", query))
    assert not errors, errors


def test_a_disabled_train_says_why_beside_it_on_the_first_screen(server, browser, tmp_path):
    errors = []
    pg = _open(browser, server.url + "/?present=1", errors)
    pg.get_by_text("Type a sequence").click()
    box = pg.get_by_role("textbox", name="Numbers")
    box.fill("1 2 3 4 5 6 7 8 9 10")
    box.press("Control+Enter")
    reason = pg.locator('[data-testid="stMain"] [data-testid="stAlertContentError"]').filter(has_text="needed")
    reason.wait_for(timeout=30_000)
    wait_idle(pg)
    assert train_button(pg).is_disabled()
    _on_first_screen(pg, train_button(pg))
    _on_first_screen(pg, reason)
    assert "press Train model" not in pg.locator('[data-testid="stMain"]').inner_text()
    _shot(pg, tmp_path, "disabled-reason-present")
    assert not errors, errors


def _train_and_wait(pg):
    train_button(pg).click()
    pg.locator('[data-testid="stTable"]').first.wait_for(timeout=180_000)
    wait_idle(pg)
    no_exception(pg)


def _upload(pg, path):
    pg.locator('.st-key-upload input[type="file"]').set_input_files(str(path))


def test_other_data_never_shows_the_previous_datas_results(server, browser, tmp_path):
    errors = []
    pg = _open(browser, server.url + "/?epochs=20", errors, 1500, 1000)
    pg.get_by_text("Upload CSV").click()
    first, second, junk = tmp_path / "sales.csv", tmp_path / "visits.csv", tmp_path / "junk.csv"
    first.write_text(MONTHLY)
    second.write_text(OTHER)
    junk.write_bytes(b"\x00\x01\x02 binary junk")
    _upload(pg, first)
    pg.get_by_text(re.compile("Time column: month")).wait_for(timeout=30_000)
    _train_and_wait(pg)
    assert pg.get_by_text("Forecast", exact=True).count() == 1  # the result views

    _upload(pg, second)  # another file: the forecast of sales must go
    pg.get_by_text(re.compile("Time column: day")).wait_for(timeout=30_000)
    pg.get_by_text(re.compile("^The last run was on other data")).wait_for(timeout=30_000)
    wait_idle(pg)
    assert pg.locator('[data-testid="stTable"]').count() == 0
    assert pg.get_by_text("Forecast", exact=True).count() == 0
    _shot(pg, tmp_path, "stale-other-csv")

    _upload(pg, junk)  # an invalid file: an error, and nothing of the earlier files under it
    _put_away(pg, "not a text file", tmp_path, "stale-invalid-csv", errors)
    assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0


def _put_away(pg, says: str, tmp_path, shot: str, errors: list) -> None:
    """Once the page says `says` and settles: no results table is left, nothing raised."""
    pg.get_by_text(re.compile(says)).wait_for(timeout=30_000)
    wait_idle(pg)
    assert pg.locator('[data-testid="stTable"]').count() == 0
    _shot(pg, tmp_path, shot)
    no_exception(pg)
    assert not errors, errors


def test_switching_the_task_puts_the_old_results_away(server, browser, tmp_path):
    errors = []
    pg = _open(browser, server.url + "/?explore=tasks&task=adding&tlength=10&n=200&epochs=3&hidden=4", errors,
               1500, 1000)
    _train_and_wait(pg)
    assert "mse" in pg.locator('[data-testid="stTable"]').first.inner_text()
    pg.locator('[data-testid="stSelectbox"]').filter(has_text="Task").click()
    pg.get_by_role("option", name=re.compile("^Parity")).click()
    _put_away(pg, "^The last run was on other data", tmp_path, "stale-task-switch", errors)
    assert pg.get_by_text("Parity of a bit string.").count() == 1


def test_rapid_clicks_on_every_download_button_all_arrive_with_the_right_contents(server, browser, tmp_path):
    errors = []
    pg = _open(browser, server.url + "/?epochs=20&view=downloads", errors, 1500, 1000)
    train_button(pg).click()  # the Downloads view has no table: its buttons say training is done
    names = ["Run bundle", "Forecast (CSV)", "Model (state_dict", "Config (JSON)", "Gate trace (tidy CSV)",
             "Gate trace (NPZ)"]
    buttons = [pg.locator('[data-testid="stDownloadButton"]').filter(has_text=n) for n in names]
    buttons[-1].wait_for(timeout=180_000)
    wait_idle(pg)
    got = []
    pg.on("download", lambda d: got.append(d))
    for b in buttons:  # back to back, no waiting between clicks
        b.click()
    while len(got) < len(names):
        pg.wait_for_event("download", timeout=60_000)
    files = {d.suggested_filename: open(d.path(), "rb").read() for d in got}
    assert sorted(files) == sorted(["lstmviz-run.json", "forecast.csv", "model.pt", "config.json", "trace.csv",
                                    "trace.npz"])
    config = json.loads(files["config.json"])
    assert config["train"]["epochs"] == 20 and config["transform"] == "log_diff"
    assert json.loads(files["lstmviz-run.json"])["config"] == config
    forecast = pd.read_csv(io.BytesIO(files["forecast.csv"]))
    test = config["test"]
    assert len(forecast) == test + 12 and forecast["beyond"][test:].notna().all()
    assert list(pd.to_datetime(forecast["time"])[test:]) == list(pd.date_range("1961-01-01", periods=12, freq="MS"))
    state = torch.load(io.BytesIO(files["model.pt"]), weights_only=True)
    assert any(k.endswith("weight_ih_l0") for k in state)
    trace = pd.read_csv(io.BytesIO(files["trace.csv"]))  # the gate view's default: one input window
    w, h = config["window"], config["model"]["hidden_size"]
    assert set(trace["quantity"]) == set("ifgoch") and len(trace) == 6 * w * h
    assert trace["t"].max() == w - 1 and trace["unit"].max() == h - 1
    npz = np.load(io.BytesIO(files["trace.npz"]))
    forget = [k for k in npz.files if k.endswith("/f")]
    assert forget and npz[forget[0]].shape == (w, 1, h)
    np.testing.assert_allclose(np.sort(npz[forget[0]].ravel()),
                               np.sort(trace.loc[trace["quantity"] == "f", "value"].to_numpy()), rtol=1e-6)
    no_exception(pg)
    assert not errors, errors
