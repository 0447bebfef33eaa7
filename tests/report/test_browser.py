"""report.html in a real browser (headless Chromium): the charts are drawn and a document holding
`<script>` shows as text and never runs. Skips where no Chromium is installed (`.ci/run` installs
Debian's `chromium`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from curate.report.charts import BLUE, ORANGE, RED
from curate.report.html import render_html
from tests.report.helpers import expected_charts, real_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
WIDTH, HEIGHT = 1366, 7000  # a laptop-wide window, tall enough for the whole test page


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "no headless Chromium found (looked for " + ", ".join(BROWSERS) + "); install "
        "it with `apt-get install chromium` to render report.html in a browser"
    )


def _run(browser: str, tmp, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return res


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    browser = _browser()
    tmp = tmp_path_factory.mktemp("browser")
    path = tmp / "report.html"
    path.write_text(render_html(real_report()), encoding="utf-8")
    dom = _run(browser, tmp, "--dump-dom", path.as_uri()).stdout
    shot = tmp / "shot.png"
    _run(browser, tmp, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", path.as_uri())
    return dom, shot


def test_script_in_a_document_shows_as_text(page):
    dom, _ = page
    assert "<body" in dom  # the browser did render the page
    # the documents' script would have added this element and changed the title, had it run
    assert "<xss-ran" not in dom
    assert "<title>pwned" not in dom
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;document.body.appendChild(document.createElement('xss-ran'))" in dom


def _pixels(png, colour: str, tolerance: int = 12) -> int:
    from PIL import Image

    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    img = Image.open(png).convert("RGB")
    return sum(
        n
        for n, px in img.getcolors(img.width * img.height)
        if all(abs(a - b) <= tolerance for a, b in zip(px, target, strict=True))
    )


def test_charts_are_drawn(page):
    dom, shot = page
    assert dom.count('<svg class="chart"') == expected_charts(real_report())
    # bars in the page's colours, painted by the browser: signal/language/length bars in blue,
    # "fired" bars in orange, the dropped bar and threshold lines in red
    assert _pixels(shot, BLUE) > 20_000
    assert _pixels(shot, ORANGE) > 5_000
    assert _pixels(shot, RED) > 500
