"""The upload page in a real browser: Playwright drives Debian's Chromium against `kyosai serve`
(gunicorn) on a loopback port.

A clerk logs in with a token, uploads a batch with mistakes and sees the findings (要修正, the
掛金月額 row), downloads the annotated workbook, uploads a clean batch and submits it;
headquarters then sees the submission in its list. The browser is the system's
(``/usr/bin/chromium``; ``make test`` installs it as root) — ``playwright install`` is never run.

Every page and report it shows is checked with axe-core (the npm package in ``tests/package.json``)
against WCAG 2.1 A and AA (JIS X 8341-3 AA): no serious or critical violation.

Without Chromium, Playwright or axe-core the test is skipped with the reason, except on CI
(``CI=true``), where that is a failure. ``KYOSAI_SCREENSHOT_DIR=docs/img`` (``make screenshot``) writes the
screenshots of the report page and of headquarters' list used by docs/service.md; otherwise it goes to a temporary folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from test_service_cli import ROOT, free_port, start_server, stop_server
from validator.service import create_app
from validator.service.auth import create_token

SAMPLES = ROOT / "workbooks" / "samples"
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--lang=ja"]


def _unavailable(reason: str):
    if ON_CI:
        pytest.fail(f"the browser test is required on CI: {reason}", pytrace=False)
    pytest.skip(f"{reason} (make test installs Chromium as root)")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KYOSAI_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory):
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("browser")
    instance = folder / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    engine = app.extensions["kyosai"].engine
    tokens = {"agency": create_token(engine, "みなと代理店")[0], "hq": create_token(engine, "本部", is_hq=True)[0]}
    engine.dispose()
    port = free_port()
    log_path = folder / "server.log"
    process = start_server(instance, port, log_path)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "tokens": tokens, "executable": executable, "folder": folder,
               "log": log_path}
    finally:
        stop_server(process)


@pytest.fixture
def browser(browser_server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),                       # a fresh --user-data-dir
            executable_path=browser_server["executable"], headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900}, locale="ja-JP", accept_downloads=True,
            bypass_csp=True)  # for axe-core only: the pages forbid inline scripts, and axe is injected as one
        try:
            yield context
        finally:
            context.close()


def assert_accessible(target, where: str) -> None:
    """axe-core on a page or frame: no serious or critical violation of WCAG 2.1 A/AA."""
    if not AXE.exists():
        _unavailable("axe-core is not installed (make npm-deps)")
    target.add_script_tag(path=str(AXE))
    result = target.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    grave = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
             for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not grave, f"{where}: " + "; ".join(grave)
    assert result["passes"], f"{where}: axe checked nothing"


def assert_report_accessible(page, browser, where: str) -> None:
    """The report in the page's frame, checked on a page of its own: the frame is sandboxed without
    scripts (a report never runs any), so axe runs on the same HTML outside it."""
    html = page.locator("#report-frame").get_attribute("srcdoc")
    assert html and "<h1>" in html, where
    alone = browser.new_page()
    try:
        alone.set_content(html)
        assert_accessible(alone, where)
    finally:
        alone.close()


def _login(page, url: str, token: str):
    from playwright.sync_api import expect

    page.goto(url + "/")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#token", token)
    page.click("#login-button")
    expect(page.locator("#upload")).to_be_visible()


def _screenshot_dir(tmp_path: Path) -> Path:
    wanted = os.environ.get("KYOSAI_SCREENSHOT_DIR")
    folder = (ROOT / wanted) if wanted and not os.path.isabs(wanted) else Path(wanted) if wanted else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_clerk_checks_fixes_and_submits_and_headquarters_sees_it(browser_server, browser, tmp_path):
    from playwright.sync_api import expect

    url, tokens = browser_server["url"], browser_server["tokens"]
    page = browser.new_page()
    page.goto(url + "/")
    assert_accessible(page, "the login page")
    _login(page, url, tokens["agency"])
    assert_accessible(page, "the upload page")
    expect(page.locator("#who-name")).to_have_text("みなと代理店")
    expect(page.locator("#who-hq")).to_be_hidden()
    assert tokens["agency"] not in page.url
    assert page.evaluate("sessionStorage.getItem('kyosai.token')") == tokens["agency"]
    assert browser.cookies() == []                                   # nothing ambient to forge requests with

    # a batch with mistakes: the verdict, the findings in the report, no submit button
    page.set_input_files("#file", str(SAMPLES / "sky-application_with_errors.xlsx"))
    page.click("#check-button")
    expect(page.locator("#verdict-text")).to_have_text("要修正", timeout=60_000)
    expect(page.locator("#verdict-counts")).to_contain_text("エラー 4 件")
    report = page.frame_locator("#report-frame")
    expect(report.locator("h1")).to_have_text("バッチ検査結果")
    premium = report.locator("tr[data-code='invalid-premium']")
    expect(premium).to_contain_text("掛金月額")
    expect(premium).to_contain_text("6")
    expect(report.locator("#cell-N6")).to_have_class("cell-error")
    assert_accessible(page, "the page with a report of errors")
    assert_report_accessible(page, browser, "the report of a batch with errors")
    expect(page.locator("#submit-button")).to_be_hidden()
    expect(page.locator("#submit-note")).to_be_visible()
    page.wait_for_function("document.getElementById('report-frame').offsetHeight > 800")
    shots = _screenshot_dir(tmp_path)
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    assert (shots / "report.png").stat().st_size > 20_000

    # the annotated workbook downloads under the report's name
    with page.expect_download() as download_info:
        page.click("#download-xlsx")
    download = download_info.value
    assert download.suggested_filename == "sky-application_with_errors.report.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert "検査結果" in book.sheetnames and book["小規模企業共済_申込"]["N6"].comment is not None

    # a clean batch: 受付可, then 「提出する」
    page.set_input_files("#file", str(SAMPLES / "sky-application_sample.xlsx"))
    page.click("#check-button")
    expect(page.locator("#verdict-text")).to_have_text("受付可", timeout=60_000)
    expect(page.locator("#submit-button")).to_be_visible()
    assert_report_accessible(page, browser, "the report of a clean batch (with its bank table)")
    page.click("#submit-button")
    expect(page.locator("#submit-message")).to_contain_text("提出しました")
    assert_accessible(page, "the page after a submission")
    rows = page.locator("#submissions-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("sky-application_sample.xlsx")
    expect(rows.first).to_contain_text("小規模企業共済 契約申込")

    # submitting the same file again is the same submission
    page.click("#check-button")
    expect(page.locator("#submit-button")).to_be_enabled()
    page.click("#submit-button")
    expect(page.locator("#submit-message")).to_contain_text("提出済み")
    expect(rows).to_have_count(1)

    # an unreadable file: a Japanese message, and the page goes on working
    bad = tmp_path / "壊れた.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    page.set_input_files("#file", str(bad))
    page.click("#check-button")
    expect(page.locator("#upload-error")).to_contain_text("読み込めません", timeout=60_000)
    assert_accessible(page, "the page with an upload error")

    # headquarters (a new tab: the token is per tab) lists every agency's submissions
    hq = browser.new_page()
    _login(hq, url, tokens["hq"])
    expect(hq.locator("#who-hq")).to_be_visible()
    expect(hq.locator("#submissions-title")).to_have_text("提出済みのファイル（全代理店）")
    expect(hq.locator("#submissions-table tbody tr").first).to_contain_text("みなと代理店")
    assert_accessible(hq, "headquarters' list")
    hq.set_viewport_size({"width": 1280, "height": 470})
    hq.screenshot(path=str(shots / "submissions.png"))
    with hq.expect_download() as original:
        hq.locator("#submissions-table tbody tr").first.locator("button").click()
    assert original.value.suggested_filename == "sky-application_sample.xlsx"

    # a wrong token is refused on the page
    other = browser.new_page()
    other.goto(url + "/")
    other.fill("#token", "wrong-token")
    other.click("#login-button")
    expect(other.locator("#login-error")).to_contain_text("トークン")
    assert_accessible(other, "the login page with an error")
    expect(other.locator("#upload")).to_be_hidden()

    log = browser_server["log"].read_text(encoding="utf-8", errors="replace")
    assert tokens["agency"] not in log and "壊れた" not in log and "sky-application_sample" not in log
