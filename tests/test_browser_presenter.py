"""Presenter mode on a projector's screen (1024x700, 1280x720), in headless Chromium: nothing cut off,
nothing too small to read from the back of the room."""
import re

import pytest

from tests.browser import launch, train_button
from tests.test_browser import SHOTS, no_exception, train, wait_idle, watch_page

# For each element of the gate view: how far its content overflows its box (px), for the equations
# and everything around them; the cell diagram's drawn width; the type sizes plotly drew.
MEASURE = """() => {
  const over = [];
  for (const e of document.querySelectorAll('.katex-display')) {
    let box = e;
    while (box && !box.matches('[data-testid="stMain"]')) {
      if (box.scrollWidth > box.clientWidth) over.push([box.className.slice(0, 40), box.scrollWidth, box.clientWidth]);
      box = box.parentElement;
    }
  }
  const chart = [...document.querySelectorAll('.stPlotlyChart')].find(c => /cell, unit/.test(c.innerText));
  const xs = [...chart.querySelectorAll('.shapelayer path')].flatMap(p => {
    const r = p.getBoundingClientRect(); return r.width ? [r.left, r.right] : []; });
  const size = e => parseFloat(e.style.fontSize || getComputedStyle(e).fontSize);
  const heat = [...document.querySelectorAll('.stPlotlyChart')].find(c => /hidden state h/.test(c.innerText));
  const preview = [...document.querySelectorAll('.stPlotlyChart')].find(c => /values/.test(c.innerText));
  const play = [...document.querySelectorAll('button')].find(b => /^(Play|Pause)$/.test(b.innerText.trim()));
  const label = play.querySelector('p') || play;
  let clipped = false;  // "P." or "Pl...": the label, or a box inside the button, narrower than its text
  for (let e = label; e && e !== play.parentElement; e = e.parentElement) clipped ||= e.scrollWidth > e.clientWidth;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
  const app = document.querySelector('[data-testid="stMain"]').getBoundingClientRect();
  return {
    overflow: over,
    katex: document.querySelectorAll('.katex-display').length,
    diagram: Math.max(...xs) - Math.min(...xs),
    panelTitles: [...heat.querySelectorAll('.annotation-text')].map(size),
    colorbarTitles: [...heat.querySelectorAll('.cbtitle text')].map(size),
    chartTitle: size(preview.querySelector('.gtitle')),
    markers: [...heat.querySelectorAll('.shapelayer path')].map(p => [p.style.stroke, parseFloat(p.style.strokeWidth)]),
    play: [label.innerText, !clipped],
    mainWidth: main.width, appWidth: app.width,
  };
}"""


def check_fits(page, name):
    """The equations whole and the diagram big, as measured in the page now."""
    page.locator(".katex-display").first.wait_for(timeout=60_000)
    page.locator(".stPlotlyChart .shapelayer path").first.wait_for(timeout=60_000)
    wait_idle(page)
    m = page.evaluate(MEASURE)
    page.screenshot(path=str(page.shots / f"{name}.png"))
    assert m["katex"] == 1 and m["overflow"] == [], m  # the equations fit: nothing cut off on the right
    assert m["diagram"] >= 400, m
    assert m["play"] == ["Play", True], m  # not "P." or "Pl..."
    return m


def check_readable(page, name):
    """Every projector requirement of the gate view, as measured in the page now."""
    m = check_fits(page, name)
    assert min(m["panelTitles"]) >= 18 and len(m["panelTitles"]) >= 5, m
    assert min(m["colorbarTitles"]) >= 18 and len(m["colorbarTitles"]) >= 4, m
    assert m["chartTitle"] >= 18, m
    # the timestep marker: a white line under a red one, in every heatmap row
    assert ("rgb(255, 255, 255)", 7) in [tuple(x) for x in m["markers"]], m["markers"]
    assert ("rgb(255, 45, 85)", 3) in [tuple(x) for x in m["markers"]], m["markers"]
    assert m["mainWidth"] >= m["appWidth"] - 40, m  # the content uses the width there is
    return m


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_presenter_mode_fits_a_projector(server, tmp_path, cell):
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1024, "height": 700})
        page.shots = SHOTS or tmp_path
        watch_page(page, errors)
        page.goto(f"{server.url}/?present=1&epochs=40&cell={cell}")
        train_button(page).wait_for(timeout=60_000)  # the main area's: the sidebar has one too
        train(page)
        page.get_by_text("Gate dynamics", exact=True).click()
        page.get_by_text(re.compile(r"^Unit \d+ at t = \d+ \(1959-01-01\)")).wait_for(timeout=60_000)
        no_exception(page)
        assert page.locator(".stPlotlyChart").filter(has_text=f"{cell.upper()} cell, unit").count() == 1
        check_readable(page, f"presenter-1024-{cell}")
        page.set_viewport_size({"width": 1280, "height": 720})
        check_readable(page, f"presenter-1280-{cell}")
        page.get_by_text("Presenter mode").click()  # and out of presenter mode, on a small laptop and a big screen
        page.wait_for_function("() => !location.search.includes('present=1')", timeout=60_000)
        check_fits(page, f"normal-1280-{cell}")
        page.set_viewport_size({"width": 1024, "height": 700})
        check_fits(page, f"normal-1024-{cell}")
        page.set_viewport_size({"width": 1500, "height": 1000})
        check_fits(page, f"normal-1500-{cell}")
        browser.close()
    assert not errors, f"JavaScript errors or requests off the machine: {errors}"
