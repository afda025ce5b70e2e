"""The HTML report, in a real headless browser (Debian's chromium through selenium): the index
loads without console errors, filtering and sorting work, a click reaches a file page whose
missing lines are marked. Screenshots are saved in the test's temporary directory."""

from __future__ import annotations

import html
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import HERE, coverage, ferrocov, run

PROJECT = HERE / "projects" / "calc"


def browser():
    """A headless chromium, or a skip (a failure under CI, where it must be installed)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("selenium is not installed")
        pytest.skip("selenium is not installed")
    driver_path = shutil.which("chromedriver")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not driver_path or not binary:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver must be installed (apt-get install chromium chromium-driver)")
        pytest.skip("chromium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture
def report(tmp_path: Path) -> Path:
    work = tmp_path / "calc"
    shutil.copytree(PROJECT, work)
    result = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=calc", "--cov-report=html"], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Coverage HTML written to dir htmlcov" in result.stdout
    return work


def test_index_numbers_equal_coverage_py(report: Path) -> None:
    assert coverage("json", "-o", "theirs.json", cwd=report).returncode == 0
    theirs = json.loads((report / "theirs.json").read_text())["files"]
    index = html.unescape((report / "htmlcov" / "index.html").read_text())
    for name, data in theirs.items():
        summary = data["summary"]
        row = f'data-value="{name}"'
        assert row in index
        after = index.split(row, 1)[1].split("</tr>", 1)[0]
        assert f'data-value="{summary["num_statements"]}"' in after
        assert f'>{summary["percent_covered_display"]}%<' in after


def test_unchanged_pages_are_not_written_again(report: Path) -> None:
    pages = sorted((report / "htmlcov").glob("z_*.html"))
    before = {p: p.stat().st_mtime_ns for p in pages}
    result = ferrocov("html", cwd=report)
    assert result.returncode == 0, result.stderr
    assert {p: p.stat().st_mtime_ns for p in pages} == before
    (report / "calc" / "ops.py").write_text((report / "calc" / "ops.py").read_text() + "\n# changed\n")
    assert ferrocov("html", cwd=report).returncode == 0
    changed = [p for p in pages if p.stat().st_mtime_ns != before[p]]
    assert [p.name.split("_", 2)[-1] for p in changed] == ["ops_py.html"]


def test_in_headless_browser(report: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser()
    try:
        driver.get((report / "htmlcov" / "index.html").as_uri())
        rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr.file")
        assert len(rows) == 4
        driver.save_screenshot(str(tmp_path / "index.png"))

        def visible_names() -> list[str]:
            return [r.find_element(By.CSS_SELECTOR, "td.name").text for r in rows if r.is_displayed()]

        # Filter.
        driver.find_element(By.ID, "filter").send_keys("ops")
        assert visible_names() == ["calc/ops.py"]
        assert driver.find_element(By.ID, "total-statements").text == "9"
        driver.find_element(By.ID, "filter").send_keys(Keys.ESCAPE)
        assert len(visible_names()) == 4

        # Sort by coverage, ascending then descending.
        header = driver.find_elements(By.CSS_SELECTOR, "thead th")[4]
        header.click()
        rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr.file")
        ascending = [float(r.find_elements(By.TAG_NAME, "td")[4].get_attribute("data-value")) for r in rows]
        assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
        header.click()
        rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr.file")
        descending = [float(r.find_elements(By.TAG_NAME, "td")[4].get_attribute("data-value")) for r in rows]
        assert descending == sorted(descending, reverse=True)

        # Hide covered files.
        driver.find_element(By.ID, "hide-covered").click()
        assert "calc/cli.py" not in visible_names()

        # A click reaches the file page; its missing lines are marked.
        driver.find_element(By.ID, "hide-covered").click()
        driver.find_element(By.LINK_TEXT, "calc/ops.py").click()
        assert "calc/ops.py" in driver.title
        missing = [int(r.get_attribute("id")[1:]) for r in driver.find_elements(By.CSS_SELECTOR, "tr.mis")]
        assert missing == [7, 12, 13]
        color = driver.find_element(By.CSS_SELECTOR, "tr.mis td.t").value_of_css_property("background-color")
        assert color == "rgba(255, 221, 221, 1)"
        # Keyboard: j jumps to the first missing line.
        driver.find_element(By.TAG_NAME, "body").send_keys("j")
        assert driver.current_url.endswith("#t7")
        driver.save_screenshot(str(tmp_path / "file.png"))

        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.quit()
    assert (tmp_path / "index.png").stat().st_size > 1000
    assert (tmp_path / "file.png").stat().st_size > 1000


def test_html_options(tmp_path: Path) -> None:
    work = tmp_path / "calc"
    shutil.copytree(PROJECT, work)
    (work / "extra.css").write_text("body { border-top: 3px solid purple; }\n")
    (work / ".coveragerc").write_text(
        "[html]\ntitle = Calc <coverage>\nextra_css = extra.css\nskip_covered = true\nshow_contexts = true\ndirectory = report-dir\n"
    )
    result = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=calc", "--cov-context=test", "--cov-report="], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    html_run = ferrocov("html", cwd=work)
    assert html_run.returncode == 0, html_run.stdout + html_run.stderr
    assert "Wrote HTML report to report-dir/index.html" in html_run.stderr
    index = (work / "report-dir" / "index.html").read_text()
    assert "<title>Calc &lt;coverage&gt;</title>" in index
    assert '<link rel="stylesheet" href="extra.css">' in index
    assert (work / "report-dir" / "extra.css").read_text().startswith("body { border-top")
    # skip_covered: calc/cli.py (100%) is not listed, and the index says so.
    assert "cli.py" not in html.unescape(index).split("<tbody>")[1].split("</tbody>")[0]
    assert "file skipped due to complete coverage" in index or "files skipped due to complete coverage" in index
    # show_contexts: each run line lists the tests that ran it.
    ops_page = next((work / "report-dir").glob("*ops_py.html")).read_text()
    assert "tests/test_calc.py::test_add|run" in html.unescape(ops_page)
