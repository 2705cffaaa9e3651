"""What a person does, in headless Chromium against `streamlit run app.py`."""
import os
import re
from pathlib import Path

import pytest

from tests.browser import Server, launch, train_button

SHOTS = Path(os.environ.get("LSTMVIZ_SHOTS", "")) if os.environ.get("LSTMVIZ_SHOTS") else None


@pytest.fixture
def page(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        watch_page(pg, errors)
        pg.goto(server.url)
        pg.shots = SHOTS or tmp_path
        pg.shots.mkdir(parents=True, exist_ok=True)
        yield pg
        assert not errors, f"JavaScript errors or requests off the machine: {errors}"
        browser.close()


def watch_page(pg, errors: list) -> None:
    """Collect JavaScript errors, and any request that leaves the machine: a classroom server may
    have no internet (a ':material/...:' favicon, for one, is fetched from fonts.gstatic.com)."""
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: None if r.url.startswith(LOCAL) else errors.append(f"request off the machine: {r.url}"))


LOCAL = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "data:", "blob:", "about:")


def shot(page, name):
    page.screenshot(path=str(page.shots / f"{name}.png"), full_page=True)


def no_exception(page):
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()


def wait_idle(page, timeout=120_000):
    """Until Streamlit's 'running' indicator is gone."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def train(page):
    """Press Train, wait for the result, and open the Forecast view with its metrics."""
    train_button(page).click()
    # done when a result is shown that is not an earlier one marked stale
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some(p => /^Trained \\d+ epochs/.test(p.innerText)) && "
        "!document.body.innerText.includes('Settings changed since this model was trained')", timeout=180_000)
    page.get_by_text("Forecast", exact=True).click()
    page.get_by_text("seasonal naive", exact=True).first.wait_for(timeout=60_000)
    wait_idle(page)
    no_exception(page)


def test_train_scrub_upload_type_and_bad_file(page, tmp_path):
    train_button(page).wait_for(timeout=60_000)
    no_exception(page)
    shot(page, "1-loaded")

    train(page)
    shot(page, "2-trained-airline")

    page.get_by_text("Gate dynamics", exact=True).click()
    heading = page.get_by_text(re.compile(r"^Unit 0 at t = \d+"))
    heading.wait_for()
    assert page.get_by_text("Exact: the recorded states match").count() == 1
    before_t = heading.inner_text()
    diagram = page.locator(".stPlotlyChart").filter(has_text="LSTM cell, unit")
    before_values = diagram.inner_text()
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="Timestep t").get_by_role("slider")
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "(old) => { const e = [...document.querySelectorAll('p')].find(p => p.innerText.startsWith('Unit 0 at t =')); "
        "return e && !e.innerText.startsWith(old); }", arg=before_t.split(",")[0], timeout=30_000)
    wait_idle(page)
    assert diagram.inner_text() != before_values  # the cell diagram's numbers moved with t
    no_exception(page)
    shot(page, "3-scrubbed")

    csv = tmp_path / "sales.csv"
    csv.write_text("month;sales\n" + "".join(
        f"{2000 + y}-{m:02d}-01;{100 + y * 5 + 10 * (m % 12)},5\n" for y in range(6) for m in range(1, 13)))
    page.get_by_text("Upload CSV").click()
    page.locator('.st-key-upload input[type="file"]').set_input_files(str(csv))
    page.get_by_text(re.compile("Time column: month")).wait_for(timeout=30_000)
    train(page)
    shot(page, "4-csv-trained")

    page.get_by_text("Type a sequence").click()
    box = page.get_by_role("textbox", name="Numbers")
    box.fill("1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32")
    box.press("Control+Enter")
    wait_idle(page)
    no_exception(page)
    box.fill("1, 2, three")
    box.press("Control+Enter")
    page.get_by_text("item 3, 'three', is not a number").wait_for(timeout=30_000)
    shot(page, "5-typed-error")

    page.get_by_text("Upload CSV").click()
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02 binary junk")
    page.locator('.st-key-upload input[type="file"]').set_input_files(str(junk))
    page.get_by_text(re.compile("not a text file")).wait_for(timeout=30_000)
    no_exception(page)
    shot(page, "6-bad-file")


def _browser_page(p, url, errors):
    browser = launch(p)
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    watch_page(pg, errors)
    pg.goto(url)
    train_button(pg).wait_for(timeout=60_000)
    return browser, pg


def test_a_link_copied_from_one_browser_reproduces_the_run_in_another(server, tmp_path):
    """Change settings by hand, train, copy the address bar; a second server and browser get the same numbers."""
    from playwright.sync_api import sync_playwright

    shots = SHOTS or tmp_path
    errors = []
    with sync_playwright() as p:
        browser, a = _browser_page(p, server.url, errors)
        seed = a.get_by_role("spinbutton", name="Seed")
        seed.fill("7")
        seed.press("Enter")
        wait_idle(a)
        thumb = a.locator('[data-testid="stSlider"]').filter(has_text="Epochs").get_by_role("slider")
        # 250 -> 100 epochs, reading the value back after each key: a fixed count of 15 presses once left the
        # link short of epochs=100 in CI (a press lost while the page reran, it seems; not reproduced here)
        for _ in range(60):
            now = int(thumb.input_value())
            if now == 100:
                break
            thumb.focus()
            a.keyboard.press("ArrowLeft" if now > 100 else "ArrowRight")
            a.wait_for_function("([el, old]) => el.value !== String(old)",
                                arg=[thumb.element_handle(), now], timeout=10_000)
        wait_idle(a)
        a.wait_for_function("() => location.search.includes('epochs=100') && location.search.includes('seed=7')",
                            timeout=30_000)
        train(a)
        first = a.locator('[data-testid="stTable"]').first.inner_text()
        link = a.url
        assert "epochs=100" in link and "seed=7" in link, link
        a.screenshot(path=str(shots / "7-link-first-browser.png"), full_page=True)
        browser.close()

        other = Server()  # a fresh process: nothing trained, nothing cached
        try:
            browser, b = _browser_page(p, other.url + "/?" + link.split("?", 1)[1], errors)
            epochs = b.locator('[data-testid="stSlider"]').filter(has_text="Epochs")
            assert "100" in epochs.inner_text().split(), epochs.inner_text()
            train(b)
            again = b.locator('[data-testid="stTable"]').first.inner_text()
            b.screenshot(path=str(shots / "8-link-second-browser.png"), full_page=True)
            assert "seed=7" in b.url and "epochs=100" in b.url
            browser.close()
        finally:
            other.stop()
    assert again == first
    assert not errors, f"JavaScript errors or requests off the machine: {errors}"


def test_presenter_mode_plays_the_gates(server, tmp_path):
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as p:
        browser, pg = _browser_page(p, server.url + "/?present=1&epochs=60", errors)
        assert pg.get_by_text("More settings").count() == 1
        train(pg)
        pg.get_by_text("Gate dynamics", exact=True).click()
        heading = pg.get_by_text(re.compile(r"^Unit 0 at t = \d+"))
        heading.wait_for()
        before = heading.inner_text()
        pg.get_by_role("button", name="Play", exact=True).click()
        pg.wait_for_function(
            "(old) => { const e = [...document.querySelectorAll('p')].find(p => p.innerText.startsWith('Unit 0 at t =')); "
            "return e && e.innerText !== old; }", arg=before, timeout=30_000)
        no_exception(pg)
        pg.screenshot(path=str((SHOTS or tmp_path) / "9-presenter-playing.png"), full_page=True)
        assert "present=1" in pg.url
        browser.close()
    assert not errors, f"JavaScript errors or requests off the machine: {errors}"


def test_a_lesson_in_one_click_and_the_task_views(server, tmp_path):
    """Lesson 4 (counting) from the menu beside Train: it trains, marks its signature seen, and the task views draw."""
    from playwright.sync_api import expect, sync_playwright

    shots = SHOTS or tmp_path
    errors = []
    with sync_playwright() as p:
        browser, pg = _browser_page(p, server.url, errors)
        pg.locator('[data-testid="stMain"]').get_by_text("Guided lessons").click()  # the menu by Train
        # opening the menu reruns the page (a stateful popover); a click that lands during that rerun can have
        # the menu's "open" state arrive after the lesson closed it (seen once in CI): click as a person would,
        # once the menu has settled
        wait_idle(pg)
        pg.get_by_role("button", name=re.compile("Counting: a\\^n b\\^n")).click()
        pg.get_by_text(re.compile("^Signature seen")).wait_for(timeout=120_000)
        wait_idle(pg)
        no_exception(pg)
        # the menu closed when the lesson started: it would cover the card it has just filled
        expect(pg.locator("button:visible", has_text="Forecasting airline passengers")).to_have_count(0)
        assert "lesson=counting" in pg.url and "explore=tasks" in pg.url
        pg.screenshot(path=str(shots / "10-lesson-counting.png"), full_page=True)
        for view in ("Gate dynamics", "Results", "Compare cells"):
            pg.get_by_text(view, exact=True).click()
            wait_idle(pg)
            no_exception(pg)
        pg.get_by_text("held-out accuracy", exact=False).first.wait_for(timeout=120_000)
        pg.screenshot(path=str(shots / "11-task-compare.png"), full_page=True)
        browser.close()
    assert not errors, f"JavaScript errors or requests off the machine: {errors}"


def test_text_mode_colours_the_text_and_hover_shows_the_value(server, tmp_path):
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as p:
        browser, pg = _browser_page(p, server.url + "/?explore=text&epochs=3&hidden=32", errors)
        train_button(pg).click()
        pg.get_by_text(re.compile("^Held-out: .* bits per character")).wait_for(timeout=120_000)
        pg.locator(".lstmviz-text span[title]").first.wait_for(timeout=60_000)
        wait_idle(pg)
        no_exception(pg)
        # one span per character shown; waited for, since under load a rerun can still be replacing
        # the block when the status widget first reads idle
        pg.wait_for_function("() => document.querySelectorAll('.lstmviz-text span[title]').length === 1000",
                             timeout=60_000)
        spans = pg.locator(".lstmviz-text span[title]")
        assert re.match(r"t=0 .+: -?\d", spans.first.get_attribute("title"))
        pg.screenshot(path=str((SHOTS or tmp_path) / "12-text-view.png"), full_page=True)
        pg.get_by_text("Generate", exact=True).click()
        pg.get_by_text("Outlined: your prompt").wait_for(timeout=60_000)
        wait_idle(pg)
        no_exception(pg)
        pg.screenshot(path=str((SHOTS or tmp_path) / "13-text-generate.png"), full_page=True)
        browser.close()
    assert not errors, f"JavaScript errors or requests off the machine: {errors}"
