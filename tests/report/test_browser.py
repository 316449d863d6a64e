"""The HTML pages as a reader's browser shows them: real reports opened in headless Chromium.

The advise report and the comparison page come from one real run of the two baselines on the built-in
sample (``compare`` measures through ``recommend``, and its ``.recommendation`` is what ``modelpick advise``
renders). Each page is loaded from a ``file://`` URL and checked as rendered: the title, every section
heading shown, the Pareto plot laid out with the candidates' names in it, a screenshot that is not blank,
nothing on the console and no request other than the page itself. A page built from hostile names shows
them as text and runs nothing. Screenshots are kept under the test's ``tmp_path``.

The tests that drive the browser carry the ``browser`` marker; the static check that the files reference
nothing runs without one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from modelpick.report import render
from modelpick.report.comparison import render_comparison
from modelpick.testing.factories import make_recommendation, make_result

CANDIDATES = ("tfidf-logreg", "majority-class")
ADVISE_SECTIONS = {
    "recommendation": "Recommendation",
    "constraints": "Constraints and what they refer to",
    "pareto": "Trade-off: accuracy, latency and memory",
    "ranking": "Ranked candidates",
    "method": "How these numbers were obtained",
    "environment": "Environment",
}
COMPARE_SECTIONS = {
    "verdict": "Verdict",
    "matrix": "Comparison matrix",
    "traits": "Strengths and weaknesses",
    "pareto": "Trade-off: accuracy, latency and memory",
    "method": "How these numbers were obtained",
    "environment": "Environment",
}
QUOTED = '/tmp/my "quoted" model'
SCRIPT = "<script>alert(1)</script>"
FULL_PAGE_MAX_HEIGHT = 8000


# -- real pages, and loading them ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison(baseline_comparison):
    assert baseline_comparison.candidates == CANDIDATES
    return baseline_comparison


@pytest.fixture(scope="module")
def pages(comparison, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    advise, compare = folder / "advise.html", folder / "compare.html"
    advise.write_text(render(comparison.recommendation, "html"), encoding="utf-8")
    compare.write_text(render_comparison(comparison, "html"), encoding="utf-8")
    return {"advise": advise, "compare": compare}


class Loaded:
    """A page loaded in the browser; its console and network logs are read after the checks on the page."""

    def __init__(self, driver: Any, path: Path) -> None:
        # The logs are read-and-clear: drop what earlier pages left, so only this page's entries remain.
        driver.get_log("browser")
        driver.get_log("performance")
        self.driver = driver
        self.url = path.as_uri()
        driver.get(self.url)

    def assert_quiet_and_offline(self) -> None:
        """Nothing SEVERE on the console, and no request but the page itself."""
        console = self.driver.get_log("browser")
        severe = [e for e in console if e.get("level") == "SEVERE"]
        assert not severe, "console errors:\n" + "\n".join(f"{e['level']}: {e['message']}" for e in severe)
        requests = [
            event["params"]["request"]["url"]
            for event in (json.loads(entry["message"])["message"] for entry in self.driver.get_log("performance"))
            if event.get("method") == "Network.requestWillBeSent"
        ]
        assert self.url in requests, f"the performance log did not record the page load: {requests}"
        others = [u for u in requests if u != self.url]
        assert not others, f"the page requested more than itself: {others}"


def full_page_screenshot(driver: Any, path: Path):
    """The whole page (up to a height cap) as a Pillow image, saved at ``path``."""
    from PIL import Image

    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    # The window is taller than the page's viewport by the browser's own frame, even when headless.
    page_height, frame = driver.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    driver.set_window_size(width, min(max(page_height + frame, height), FULL_PAGE_MAX_HEIGHT))
    driver.execute_script("window.scrollTo(0, 0)")
    try:
        assert driver.save_screenshot(str(path)), f"no screenshot was written to {path}"
    finally:
        driver.set_window_size(width, height)
    with Image.open(path) as image:
        return image.convert("RGB")


def ink(image) -> tuple[float, int, float]:
    """How much is drawn: the share of pixels darker than near-white, the number of distinct colours, and
    the share of clearly coloured (not grey) pixels."""
    from PIL import ImageChops

    pixels = image.width * image.height
    dark = sum(image.convert("L").histogram()[:230]) / pixels
    colours = len(image.getcolors(maxcolors=pixels))
    r, g, b = image.split()
    chroma = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                 ImageChops.darker(ImageChops.darker(r, g), b))
    coloured = sum(chroma.histogram()[60:]) / pixels
    return dark, colours, coloured


# -- checks shared by both pages ------------------------------------------------------------------------------


def assert_sections_shown(driver: Any, expected: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for anchor, title in expected.items():
        headings = driver.find_elements(By.CSS_SELECTOR, f"section#{anchor} > h2")
        assert headings, f"no section #{anchor}"
        assert headings[0].is_displayed(), f"the heading of #{anchor} is not displayed"
        assert headings[0].text == title
    for heading in driver.find_elements(By.CSS_SELECTOR, "h1, section > h2"):
        assert heading.is_displayed() and heading.text.strip(), f"a heading is hidden or empty: {heading!r}"


def assert_no_sideways_scroll(driver: Any) -> None:
    page_width, viewport = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert page_width <= viewport, f"the page is {page_width} px wide in a {viewport} px window: it scrolls sideways"


def assert_plot_laid_out(driver: Any, names: tuple[str, ...], shot: Path) -> None:
    from PIL import Image
    from selenium.webdriver.common.by import By

    svgs = driver.find_elements(By.CSS_SELECTOR, "figure.plot svg")
    assert len(svgs) == 1, f"expected one plot, found {len(svgs)}"
    svg = svgs[0]
    driver.execute_script("arguments[0].scrollIntoView()", svg)
    size = svg.size
    assert size["width"] > 100 and size["height"] > 100, f"the plot is laid out at {size}"
    viewport = driver.execute_script("return document.documentElement.clientWidth")
    assert svg.rect["x"] >= 0 and svg.rect["x"] + size["width"] <= viewport, f"the plot overflows: {svg.rect}"
    labels = svg.text
    for name in names:
        assert name in labels, f"{name!r} is not written in the plot: {labels!r}"
    shot.write_bytes(svg.screenshot_as_png)
    with Image.open(shot) as image:
        dark, colours, coloured = ink(image.convert("RGB"))
    # Axes, ticks and labels are dark (about 3% of a two-candidate plot); markers and limits are coloured.
    assert dark > 0.005 and colours > 16 and coloured > 0.001, (
        f"the plot looks blank in {shot}: {dark:.2%} dark, {colours} colours, {coloured:.2%} coloured"
    )


def assert_page_not_blank(driver: Any, shot: Path) -> None:
    image = full_page_screenshot(driver, shot)
    dark, colours, coloured = ink(image)
    # A blank page is 0% dark in one colour; a report's text and tables make about 5% of its pixels dark, in
    # hundreds of anti-aliased shades, and its verdict box and plot markers are coloured.
    assert dark > 0.01 and colours > 32 and coloured > 0.0002, (
        f"the page looks blank in {shot}: {dark:.2%} dark, {colours} colours, {coloured:.2%} coloured"
    )


# -- the tests ----------------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_advise_report_renders_in_a_browser(browser, pages, comparison, tmp_path):
    page = Loaded(browser, pages["advise"])
    best = comparison.recommendation.ranked[0].name
    assert browser.title == f"modelpick: text-classification, {best} recommended"
    assert_sections_shown(browser, ADVISE_SECTIONS)
    assert_no_sideways_scroll(browser)
    assert_plot_laid_out(browser, CANDIDATES, tmp_path / "advise-plot.png")
    assert_page_not_blank(browser, tmp_path / "advise.png")
    page.assert_quiet_and_offline()


@pytest.mark.browser
def test_comparison_page_renders_in_a_browser(browser, pages, tmp_path):
    page = Loaded(browser, pages["compare"])
    assert browser.title == " vs ".join(CANDIDATES) + ": measured by modelpick"
    assert_sections_shown(browser, COMPARE_SECTIONS)
    assert_no_sideways_scroll(browser)
    assert_plot_laid_out(browser, CANDIDATES, tmp_path / "compare-plot.png")
    assert_page_not_blank(browser, tmp_path / "compare.png")
    page.assert_quiet_and_offline()


@pytest.mark.parametrize("page", ["advise", "compare"])
def test_pages_load_nothing_by_construction(pages, page):
    """The static side of "no request": nothing in the file could fetch anything."""
    html = pages[page].read_text(encoding="utf-8").lower()
    for needle in ("<script", "<link", "<iframe", "<img", "<object", "<embed", "@import"):
        assert needle not in html, f"{page}: {needle!r} in the page"
    # The plot clips to its own shapes (url(#id)); nothing else is referenced.
    outside = re.findall(r"url\(\s*['\"]?(?!#)[^)]*\)", html)
    assert not outside, f"{page}: {outside}"
    for attribute in ("src=", "href=", "srcset="):
        for quote in ('"', "'"):
            for scheme in ("http:", "https:", "//"):
                assert f"{attribute}{quote}{scheme}" not in html, f"{page}: {attribute}{quote}{scheme}"


@pytest.fixture
def hostile():
    """A recommendation whose names and reasons would run, or break attributes, if they were not escaped."""
    from modelpick.candidates import common_claims
    from modelpick.selection import compare_results

    rec = make_recommendation(
        (
            make_result(QUOTED, accuracy=0.9, p90_ms=8),
            make_result("small-model", accuracy=0.8, p90_ms=3),
            make_result("crashy", status="failed", reason=f"could not load: {SCRIPT}"),
        ),
        max_latency_ms=20.0,
    )
    return {"advise": render(rec, "html"), "compare": render_comparison(compare_results(rec, common_claims()), "html")}


@pytest.mark.browser
@pytest.mark.parametrize("page", ["advise", "compare"])
def test_hostile_names_are_shown_not_run(browser, hostile, page, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    path = tmp_path / f"{page}.html"
    path.write_text(hostile[page], encoding="utf-8")
    loaded = Loaded(browser, path)
    try:
        alert = browser.switch_to.alert
    except NoAlertPresentException:
        pass
    else:
        said = alert.text
        alert.dismiss()
        pytest.fail(f"the page ran a script: an alert saying {said!r} is open")
    text = browser.find_element(By.TAG_NAME, "body").text
    assert SCRIPT in text
    assert QUOTED in text
    assert browser.find_elements(By.TAG_NAME, "script") == []
    loaded.assert_quiet_and_offline()
    full_page_screenshot(browser, tmp_path / f"{page}-hostile.png")
