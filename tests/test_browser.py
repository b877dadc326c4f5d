"""The upload page in a real browser: Playwright drives Debian's Chromium against `kyosai serve`
(gunicorn) on a loopback port.

A clerk logs in with a token, uploads a batch with mistakes and sees the findings (要修正, the
掛金月額 row), downloads the annotated workbook, uploads a clean batch and submits it;
headquarters then sees the submission in its list. The browser is the system's
(``/usr/bin/chromium``; ``make test`` installs it as root) — ``playwright install`` is never run.

A second test looks at the page as a clerk sees it: the report frame's height follows the report shown
(a short report after a long one leaves no blank space), the grid at 1280 px shows the columns that carry
findings, amounts read as the messages write them, the file picker speaks Japanese and the titles do not
break inside a word on a phone.

Every page and report it shows is checked with axe-core (the npm package in ``tests/package.json``)
against WCAG 2.1 A and AA (JIS X 8341-3 AA): no serious or critical violation.

Without Chromium, Playwright or axe-core the test is skipped with the reason, except on CI
(``CI=true``), where that is a failure. ``KYOSAI_SCREENSHOT_DIR=docs/img`` (``make screenshot``) writes
the screenshots of the report page and of headquarters' list used by docs/service.md; otherwise they go
to a temporary folder.
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
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=ja",
]


def _unavailable(reason: str):
    if ON_CI:
        pytest.fail(f"the browser test is required on CI: {reason}", pytrace=False)
    pytest.skip(f"{reason} (make test installs Chromium as root)")


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("KYOSAI_CHROMIUM"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory):
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401 - only whether it is installed
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
        yield {
            "url": f"http://127.0.0.1:{port}",
            "tokens": tokens,
            "executable": executable,
            "folder": folder,
            "log": log_path,
        }
    finally:
        stop_server(process)


@pytest.fixture
def browser(browser_server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=browser_server["executable"],
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
            locale="ja-JP",
            accept_downloads=True,
            bypass_csp=True,
        )  # for axe-core only: the pages forbid inline scripts, and axe is injected as one
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
    grave = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
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
    assert browser.cookies() == []  # nothing ambient to forge requests with

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


# The frame's inside against the report in it.
FRAME_GAP = """frame => {
  const root = frame.contentDocument.documentElement;
  return {outer: frame.clientHeight, inner: root.scrollHeight, width: frame.clientWidth};
}"""
# The report in the frame is all in sight (nothing below the frame's edge) with no blank space under it.
FRAME_FITS = """() => {
  const root = document.getElementById('report-frame').contentDocument.documentElement;
  return root.scrollHeight <= root.clientHeight + 1 && root.clientHeight - root.getBoundingClientRect().height <= 4;
}"""

# Where the text of an element breaks into lines: the characters either side of each break.
LINE_BREAKS = """element => {
  const breaks = [];
  const node = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let previousTop = null, previous = "";
  for (let t = node.nextNode(); t; t = node.nextNode()) {
    for (let i = 0; i < t.length; i++) {
      const range = document.createRange();
      range.setStart(t, i); range.setEnd(t, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect || !t.data[i].trim()) { previous = t.data[i]; continue; }
      if (previousTop !== null && rect.top > previousTop + 2) breaks.push(previous + "|" + t.data[i]);
      previousTop = rect.top; previous = t.data[i];
    }
  }
  return breaks;
}"""


def _report_height_alone(browser, html: str, width: int) -> float:
    """The height of a report on a page of its own, as wide as the frame's inside."""
    alone = browser.new_page()
    try:
        alone.set_viewport_size({"width": width, "height": 6000})
        alone.set_content(html)
        return alone.evaluate("document.documentElement.getBoundingClientRect().height")
    finally:
        alone.close()


def _marked_cells_outside_the_grids_view(frame) -> list[str]:
    return frame.evaluate("""() => {
      const wrap = document.querySelector('.grid-wrap').getBoundingClientRect();
      const view = Math.min(wrap.right, document.documentElement.clientWidth);
      return [...document.querySelectorAll('table.grid td.cell-error, table.grid td.cell-warning')]
        .filter(td => { const r = td.getBoundingClientRect(); return r.left < wrap.left || r.right > view + 0.5; })
        .map(td => td.id);
    }""")


def test_the_page_fits_the_report_shows_the_marked_columns_and_speaks_japanese(browser_server, browser, tmp_path):
    from playwright.sync_api import expect

    url, tokens = browser_server["url"], browser_server["tokens"]
    page = browser.new_page()  # 1280 × 900
    # file choosers are caught from now on: turned on just before a key press, the catching can be late
    page.on("filechooser", lambda chooser: None)
    _login(page, url, tokens["agency"])

    # the file picker: our Japanese label is the button, the browser's own is out of sight but reachable
    expect(page.locator("#file-choose")).to_have_text("ファイルを選ぶ")
    expect(page.locator("#file-name")).to_have_text("選ばれていません")
    box = page.locator("#file").bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1
    assert "Choose" not in page.inner_text("#upload-form") and "No file" not in page.inner_text("#upload-form")

    # a long report first (60 rows with a wrong premium), then a short one: the frame shrinks to it;
    # the long one is chosen with the keyboard: Tab reaches the hidden picker, Enter opens it
    lines = (SAMPLES / "sky-application_with_errors_cp932.csv").read_text(encoding="cp932").splitlines()
    long_file = tmp_path / "長い申込.csv"
    long_file.write_text(
        "\n".join([lines[0]] + [lines[3].replace("A-0003", f"B-{n:04d}", 1) for n in range(60)]), encoding="utf-8"
    )
    page.focus("#kind")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "file"
    assert page.evaluate("getComputedStyle(document.getElementById('file-choose')).outlineStyle") != "none"
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(str(long_file))
    expect(page.locator("#file-name")).to_have_text("長い申込.csv")
    page.click("#check-button")
    expect(page.locator("#verdict-counts")).to_contain_text("データ 60 件", timeout=60_000)
    page.wait_for_function("document.getElementById('report-frame').offsetHeight > 3000")
    frame = page.locator("#report-frame")
    long_height = frame.evaluate("f => f.offsetHeight")

    page.set_input_files("#file", str(SAMPLES / "sky-application_with_errors.xlsx"))
    page.click("#check-button")
    expect(page.locator("#verdict-counts")).to_contain_text("データ 5 件", timeout=60_000)
    page.wait_for_function(f"document.getElementById('report-frame').offsetHeight < {long_height} - 1000")
    sizes = frame.evaluate(FRAME_GAP)
    alone = _report_height_alone(browser, frame.get_attribute("srcdoc"), sizes["width"])
    assert abs(sizes["outer"] - alone) <= 4, (sizes, alone)  # no blank space left by the long report
    assert sizes["inner"] <= sizes["outer"]  # and nothing hidden in the frame

    # at 1280 px every marked cell (A, C, L, M and N) is inside the grid's view, the columns without
    # findings folded away; the checkbox shows them all (its note goes, a scroll bar comes), the frame follows
    report = page.frame_locator("#report-frame")
    in_frame = page.frame(url="about:srcdoc")
    expect(report.locator("#cell-N6")).to_have_class("cell-error")
    assert _marked_cells_outside_the_grids_view(in_frame) == []
    assert in_frame.evaluate("document.getElementById('cell-B4').getBoundingClientRect().width") == 0
    # 記入値 as the message writes the amount
    expect(report.locator("tr[data-code='invalid-premium'] td.value")).to_have_text("10,250円")
    expect(report.locator("#cell-N6")).to_have_text("10,250円")
    before = frame.evaluate("f => f.offsetHeight")
    report.locator("#grid-all").check()
    expect(report.locator("#cell-B4")).to_be_visible()
    page.wait_for_function(f"document.getElementById('report-frame').offsetHeight != {before}")
    page.wait_for_function(FRAME_FITS)

    # a phone: the titles break between phrases only, and the frame follows the narrower report
    page.set_viewport_size({"width": 375, "height": 800})
    for selector in (".bar .brand", ".bar .sub", "#upload h1", "#result h1"):
        for pair in page.locator(selector).evaluate(LINE_BREAKS):
            assert pair[0] in "・、）" or pair[0].isspace(), f"{selector} breaks inside a word: {pair}"
    page.set_viewport_size({"width": 320, "height": 700})
    for selector in (".bar .brand", ".bar .sub"):
        for pair in page.locator(selector).evaluate(LINE_BREAKS):
            assert pair[0] in "・、）" or pair[0].isspace(), f"{selector} breaks inside a word at 320 px: {pair}"
    page.wait_for_function(FRAME_FITS)
    assert page.frame(url="about:srcdoc").evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )  # no sideways page
    assert_accessible(page, "the page on a phone")
