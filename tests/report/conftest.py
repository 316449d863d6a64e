"""A real browser for the report tests: headless Chromium driven by Selenium.

``browser`` yields one ``selenium.webdriver.Chrome`` for the whole session (1280 x 2000, headless, the
console and network logged so ``driver.get_log("browser")`` and ``driver.get_log("performance")`` answer).
Chromium and its driver are found on ``PATH`` (``chromium``, ``chromium-browser`` or ``google-chrome``;
``chromedriver``) or named by ``MODELPICK_TEST_CHROMIUM`` and ``MODELPICK_TEST_CHROMEDRIVER``. Selenium
Manager is never asked for a driver: it would download one. Without selenium, the browser or the driver,
or when the driver does not start, the tests using the fixture skip with one line saying what is missing;
``.ci/chromium.sh`` installs Debian's ``chromium`` and ``chromium-driver``. Those tests carry the
``browser`` marker (``pytest -m "not browser"`` leaves them out).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM_ENV = "MODELPICK_TEST_CHROMIUM"
CHROMEDRIVER_ENV = "MODELPICK_TEST_CHROMEDRIVER"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
WINDOW = (1280, 2000)
INSTALL_HINT = "apt-get install chromium chromium-driver (.ci/chromium.sh does this)"


def _find(env: str, names: tuple[str, ...], what: str) -> str:
    """The executable named by ``env``, else the first of ``names`` on PATH; skips when there is none."""
    explicit = os.environ.get(env)
    if explicit:
        path = shutil.which(explicit)
        if path is None:
            pytest.skip(f"browser tests: {env}={explicit!r} is not an executable; unset it or fix it, "
                        f"or {INSTALL_HINT}")
        return path
    for name in names:
        path = shutil.which(name)
        if path is not None:
            return path
    pytest.skip(f"browser tests: no {what} on PATH ({', '.join(names)}); {INSTALL_HINT}, or name one with {env}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium, shared by the session; each test loads its own page."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="browser tests: selenium is not installed (pip install -e '.[test]')"
    )
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    chromium = _find(CHROMIUM_ENV, CHROMIUM_NAMES, "Chromium or Chrome")
    chromedriver = _find(CHROMEDRIVER_ENV, ("chromedriver",), "chromedriver")

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WINDOW[0]},{WINDOW[1]}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    try:
        # An explicit driver path: Selenium Manager is skipped, so nothing is downloaded.
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    except (WebDriverException, OSError) as exc:
        failure = (getattr(exc, "msg", None) or str(exc) or type(exc).__name__).strip().splitlines()[0]
    else:
        failure = None
    if failure is not None:
        # Outside the except block, so the report is this one line, not a chained traceback.
        pytest.skip(f"browser tests: {chromedriver} did not start {chromium} ({failure}); a driver of "
                    f"another version than the browser is the usual cause: {INSTALL_HINT}")
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def baseline_comparison() -> Any:
    """One real comparison of both baselines on the built-in sample under a 20 ms latency limit (seconds),
    shared by the comparison-page and browser tests."""
    import modelpick
    from modelpick.api import builtin_sample

    cmp = modelpick.compare(["tfidf-logreg", "majority-class"], builtin_sample(), max_latency_ms=20, num_threads=1,
                            max_profile_time_s=0.3)
    failed = {r.name: r.reason for r in cmp.recommendation.results if r.status != "ok"}
    assert not failed, f"the baselines did not run, so there is no real comparison to check: {failed}"
    return cmp
