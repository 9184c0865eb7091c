"""The displays and the report in a real browser (Playwright driving the system Chromium, as
tests/test_playground_browser.py does): at desktop and at phone width nothing widens the page — wide tables scroll
in their own box, charts shrink to the width with their legend below them — and nothing fails to load. Screenshots
are written to a temporary folder (printed at the end) for a person to look at."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from glassnet.experiments.report import write_report

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib puts no test folder on the path
from chromium import chromium  # noqa: E402
from display_pages import objects  # noqa: E402

WIDTHS = {"desktop": 1280, "phone": 390}
#: Where each display sits, as a notebook's output area holds it (JupyterLab's class, a little padding).
PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, "
        "initial-scale=1'><title>glassnet displays</title></head><body style='margin:8px'>{outputs}</body></html>")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("display-screenshots")
    shown = objects()
    outputs = "".join(f"<div class='jp-OutputArea-output' data-testid='{name}' style='margin:1.5em 0'>"
                      f"{obj._repr_html_()}</div>" for name, obj in shown.items())
    displays = folder / "displays.html"
    displays.write_text(PAGE.format(outputs=outputs), encoding="utf-8")
    report = write_report(shown["results"], folder / "report.html", histories=shown["history"],
                          models={"trained": shown["model"]}, explanation=shown["explanation"])
    yield {"displays": displays, "report": report, "folder": folder}
    print(f"\ndisplay screenshots: {folder}")


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def open_page(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: errors.append(f"request {r.url}") if not r.url.startswith("file:") else None)
    page.goto(path.as_uri())
    return page, errors


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_displays_fit_the_screen(browser, pages, screen):
    width = WIDTHS[screen]
    page, errors = open_page(browser, pages["displays"], width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing widens the page
    for name in ("model", "history", "explanation", "results"):
        box = page.get_by_test_id(name).bounding_box()
        assert box["width"] <= width and box["height"] > 50, name
    # A table wider than the screen scrolls inside its own box.
    boxes = page.evaluate("""() => [...document.querySelectorAll('.gn-scroll')].map(box => ({
        wide: box.scrollWidth > box.clientWidth + 1, overflow: getComputedStyle(box).overflowX,
        right: box.getBoundingClientRect().right}))""")
    assert boxes and all(box["overflow"] == "auto" and box["right"] <= width for box in boxes)
    assert any(box["wide"] for box in boxes) == (screen == "phone")
    # Each chart fits the width, and its legend is below it, never over it.
    charts = page.evaluate("""() => [...document.querySelectorAll('.glassnet svg[role=img]')].map(svg => {
        const chart = svg.getBoundingClientRect(), legend = svg.nextElementSibling.getBoundingClientRect();
        return {width: chart.width, right: chart.right, bottom: chart.bottom, legendTop: legend.top}; })""")
    assert len(charts) == 2  # the History's loss plot and the sweep's curve
    for chart in charts:
        assert 0 < chart["width"] and chart["right"] <= width and chart["legendTop"] >= chart["bottom"] - 0.5
    page.screenshot(path=pages["folder"] / f"displays-{screen}.png", full_page=True)
    page.close()
    assert errors == []


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_report_fits_the_screen(browser, pages, screen):
    width = WIDTHS[screen]
    page, errors = open_page(browser, pages["report"], width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    images = page.evaluate("[...document.images].map(i => [i.naturalWidth, i.getBoundingClientRect().right])")
    assert images and all(natural > 0 and right <= width for natural, right in images)
    tables = page.evaluate("[...document.querySelectorAll('table')].map(t => t.parentElement.className)")
    assert tables and set(tables) == {"scroll"}
    page.screenshot(path=pages["folder"] / f"report-{screen}.png", full_page=True)
    page.close()
    assert errors == []
