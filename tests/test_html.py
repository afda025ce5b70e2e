"""The HTML report, in a real headless browser (Debian's chromium through selenium): the index
loads without console errors, filtering and sorting work, a click reaches a file page whose
missing lines are marked. Screenshots are saved in the test's temporary directory."""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import HERE, coverage, ferrocov, one_version, run

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
    """calc measured with branches and test contexts; the HTML report shows the contexts."""
    work = tmp_path / "calc"
    shutil.copytree(PROJECT, work)
    (work / ".coveragerc").write_text("[html]\nshow_contexts = True\n")
    (work / "calc" / "wide.py").write_text("WIDE = " + repr("x" * 400) + "  # one long line\n")
    options = ["--cov=calc", "--cov-branch", "--cov-context=test", "--cov-report=html"]
    result = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", *options], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Coverage HTML written to dir htmlcov" in result.stdout
    return work


SCREENSHOTS = HERE.parent / "target" / "html-screenshots"


def screenshot(driver: object, name: str) -> None:
    """Screenshots for a person to look at: target/html-screenshots/ (CPython version in the name)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{sys.version_info[0]}.{sys.version_info[1]}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    assert path.stat().st_size > 1000


def index_rows(text: str, table_kind: str) -> set[tuple[str, ...]]:
    """(file, region, statements, missing, excluded, branches, partial) of each row of one of
    ferrocov's index pages."""
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = set()
    for row in body.split("<tr class=\"row\"")[1:]:
        values = [html.unescape(v) for v in re.findall(r'data-value="([^"]*)"', row)]
        if table_kind == "file":
            values.insert(1, "")
        file, region, statements, missing, excluded, _, branches, partial = values[:8]
        rows.add((file, region, statements, missing, excluded, branches, partial))
    return rows


def coverage_py_rows(text: str, table_kind: str) -> set[tuple[str, ...]]:
    """The same tuples from coverage.py's own index pages."""
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    marker = '<tr class="region">' if table_kind != "file" else '<tr class="region">'
    rows = set()
    for row in body.split(marker)[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        names = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells if "class=\"name" in c or "<a " in c]
        region = ""
        if table_kind != "file":
            # The name shown (`C.m` for a method; its `<data value>` is the bare `m`).
            region = html.unescape(re.sub(r"<[^>]+>", "", cells[1])).strip()
        numbers = [re.sub(r"<[^>]+>", "", c).strip() for c in cells if re.fullmatch(r"\s*\d+\s*", re.sub(r"<[^>]+>", "", c))]
        statements, missing, excluded, branches, partial = numbers[:5]
        rows.add((names[0], region, statements, missing, excluded, branches, partial))
    return rows


def test_layout_and_numbers_equal_coverage_py(report: Path) -> None:
    """The same page names as coverage.py's report (links kept in CI artifacts keep working),
    and the same numbers on the file, function and class indexes."""
    assert coverage("html", "-d", "theirs", cwd=report).returncode == 0
    ours = {p.name for p in (report / "htmlcov").glob("*.html")}
    theirs = {p.name for p in (report / "theirs").glob("*.html")}
    assert ours - {"processes.html"} == theirs
    assert {"index.html", "function_index.html", "class_index.html"} <= ours
    assert (report / "htmlcov" / "status.json").exists() and (report / "htmlcov" / "favicon.svg").exists()
    for page, kind in (("index.html", "file"), ("function_index.html", "function"), ("class_index.html", "class")):
        mine = index_rows((report / "htmlcov" / page).read_text(), kind)
        other = coverage_py_rows((report / "theirs" / page).read_text(), kind)
        assert mine == other, page
    assert ("calc/ops.py", "divide", "3", "1", "0", "2", "1") in index_rows((report / "htmlcov" / "function_index.html").read_text(), "function")


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


@one_version
def test_index_in_headless_browser(report: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser()
    try:
        index = (report / "htmlcov" / "index.html").as_uri()
        driver.get(index)
        screenshot(driver, "index")
        rows = lambda: driver.find_elements(By.CSS_SELECTOR, "tbody tr.row")  # noqa: E731
        assert len(rows()) == 5

        def visible_names() -> list[str]:
            return [r.find_element(By.CSS_SELECTOR, "td.name").text for r in rows() if r.is_displayed()]

        def totals() -> dict[str, str]:
            return {c.get_attribute("data-total"): c.text for c in driver.find_elements(By.CSS_SELECTOR, "tfoot td[data-total]")}

        everything = totals()
        assert everything["statements"] == "23" and everything["branches"] == "6"
        # The filter updates every total: statements, missing, excluded, branches, partial, each %.
        driver.find_element(By.ID, "filter").send_keys("ops")
        assert visible_names() == ["calc/ops.py"]
        assert totals() == {
            "statements": "9", "missing": "3", "excluded": "0", "statements-cover": "67%",
            "branches": "2", "partial": "1", "branches-cover": "50%", "cover": "64%",
        }
        driver.find_element(By.ID, "filter").send_keys(Keys.ESCAPE)
        assert totals() == everything

        # Sorting: every sortable column, by click (ascending, then descending) and by key.
        headers = driver.find_elements(By.CSS_SELECTOR, "thead th[data-sort]")
        columns = sorted(int(h.get_attribute("data-column")) for h in headers)
        assert len(columns) == 9
        body = driver.find_element(By.TAG_NAME, "body")
        for key, column in zip("123456789", columns):
            header = driver.find_element(By.CSS_SELECTOR, f'thead th[data-column="{column}"]')
            numeric = header.get_attribute("data-sort") == "number"

            def values() -> list[object]:
                found = [r.find_elements(By.TAG_NAME, "td")[column].get_attribute("data-value") for r in rows()]
                return [float(v) for v in found] if numeric else found

            body.send_keys(key)
            first = values()
            direction = header.get_attribute("aria-sort")
            assert direction in ("ascending", "descending")
            assert first == sorted(first, reverse=direction == "descending"), (key, first)
            header.click()
            second = values()
            assert header.get_attribute("aria-sort") != direction
            assert second == sorted(second, reverse=header.get_attribute("aria-sort") == "descending")

        # The sort is remembered: the page reloads sorted by the last column, as it was left.
        last = driver.find_element(By.CSS_SELECTOR, f'thead th[data-column="{columns[-1]}"]')
        left = last.get_attribute("aria-sort")
        order = visible_names()
        driver.get(index)
        assert driver.find_element(By.CSS_SELECTOR, f'thead th[data-column="{columns[-1]}"]').get_attribute("aria-sort") == left
        assert visible_names() == order

        # Hide covered files.
        driver.find_element(By.ID, "hide-covered").click()
        assert "calc/__init__.py" not in visible_names() and "calc/ops.py" in visible_names()
        driver.find_element(By.ID, "hide-covered").click()

        # The tabs reach the function and class indexes, and back.
        driver.find_element(By.LINK_TEXT, "Functions").click()
        assert driver.current_url.endswith("function_index.html")
        regions = [r.find_elements(By.CSS_SELECTOR, "td.name")[1].text for r in rows()]
        assert {"add", "divide", "unused", "(no function)"} <= set(regions)
        screenshot(driver, "functions")
        driver.find_element(By.TAG_NAME, "body").send_keys("c")
        assert driver.current_url.endswith("class_index.html")
        driver.find_element(By.LINK_TEXT, "Files").click()
        assert driver.current_url.endswith("index.html")

        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.quit()


@one_version
def test_file_pages_in_headless_browser(report: Path) -> None:
    from selenium.webdriver.common.by import By

    driver = browser()
    try:
        driver.get((report / "htmlcov" / "index.html").as_uri())
        driver.find_element(By.LINK_TEXT, "calc/ops.py").click()
        assert "calc/ops.py" in driver.title
        screenshot(driver, "file")
        missing = [int(r.get_attribute("id")[1:]) for r in driver.find_elements(By.CSS_SELECTOR, "tr.mis")]
        assert missing == [7, 12, 13]
        assert driver.find_element(By.CSS_SELECTOR, "tr.mis td.t").value_of_css_property("background-color") == "rgba(255, 221, 221, 1)"
        # Highlighted: keywords, names, strings, operators have their classes.
        line7 = driver.find_element(By.ID, "t7")
        classes = {(s.get_attribute("class"), s.text) for s in line7.find_elements(By.CSS_SELECTOR, "pre span")}
        assert {("key", "raise"), ("nam", "ZeroDivisionError"), ("str", '"b is zero"'), ("op", "(")} <= classes
        # The partly taken branch says where it never went.
        assert "6 \u219b 7" in driver.find_element(By.ID, "t6").text
        # Test contexts: a badge per line, closed until clicked.
        badge = driver.find_element(By.CSS_SELECTOR, "#t2 details.ctx")
        assert badge.find_element(By.TAG_NAME, "summary").text.endswith("ctx")
        assert badge.get_attribute("open") is None
        badge.find_element(By.TAG_NAME, "summary").click()
        assert "tests/test_calc.py::test_add|run" in badge.text
        # Markers beside the scrollbar: one per missing or partial line.
        assert len(driver.find_elements(By.CSS_SELECTOR, "#markers span.mis")) == 3
        assert len(driver.find_elements(By.CSS_SELECTOR, "#markers span.par")) == 1
        # Keyboard: j jumps to the first missing or partial line.
        driver.find_element(By.TAG_NAME, "body").send_keys("j")
        assert driver.current_url.endswith("#t6")
        # « prev / next »: ops.py follows never.py and is followed by wide.py; keys too.
        assert driver.find_element(By.ID, "prev-link").get_attribute("title") == "calc/never.py"
        driver.find_element(By.ID, "next-link").click()
        assert "calc/wide.py" in driver.title
        # A long line scrolls sideways, it does not wrap: its row is one line high.
        row = driver.find_element(By.ID, "t1")
        assert row.size["height"] < 30, row.size
        driver.find_element(By.TAG_NAME, "body").send_keys("[")
        assert "calc/ops.py" in driver.title
        # The favicon is linked.
        assert driver.find_element(By.CSS_SELECTOR, 'link[rel="icon"]').get_attribute("href").endswith("favicon.svg")

        # Dark mode follows the system's preference.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.refresh()
        background = driver.find_element(By.TAG_NAME, "body").value_of_css_property("background-color")
        assert background == "rgba(27, 27, 27, 1)", background
        screenshot(driver, "file-dark")
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.quit()


def test_processes_page(tmp_path: Path) -> None:
    """Which processes were measured, how each ended, which files each ran: the demo's
    SIGKILLed child shows as such."""
    from selenium.webdriver.common.by import By

    work = tmp_path / "demo"
    shutil.copytree(HERE.parent / "examples" / "demo", work)
    result = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", "--cov=shop", "--cov-report=html"], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    driver = browser()
    try:
        driver.get((work / "htmlcov" / "processes.html").as_uri())
        screenshot(driver, "processes")
        rows = driver.find_elements(By.CSS_SELECTOR, "tr.process")
        endings = [r.find_element(By.CSS_SELECTOR, "td.ended").text for r in rows]
        assert "exited cleanly" in endings
        # The child killed with SIGKILL; the pools' workers, torn down by terminate(), end by
        # SIGTERM or, when done before it arrives, by os._exit(0) (a race the demo keeps).
        assert "killed without a chance to say so (SIGKILL or alike), data kept" in endings
        possible = {"exited cleanly", "killed by SIGTERM, data kept", "os._exit(0), data kept", "killed without a chance to say so (SIGKILL or alike), data kept"}
        assert set(endings) <= possible, endings
        assert {r.get_attribute("class") for r in rows} >= {"process clean ended-clean", "process unclean ended-killed"}
        files = " ".join(r.find_element(By.CSS_SELECTOR, "td.files").text for r in rows)
        assert "shop/watchdog.py" in files
    finally:
        driver.quit()


def test_term_skip_covered_leaves_the_html_report_whole(tmp_path: Path) -> None:
    """pytest-cov's `term-missing:skip-covered` shapes the terminal report only."""
    work = tmp_path / "calc"
    shutil.copytree(PROJECT, work)
    options = ["--cov=calc", "--cov-report=term-missing:skip-covered", "--cov-report=html"]
    result = run([sys.executable, "-m", "pytest", "-p", "no:pytest_cov", "-p", "no:cacheprovider", *options], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "calc/cli.py" not in result.stdout
    assert "calc/cli.py" in html.unescape((work / "htmlcov" / "index.html").read_text())


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
