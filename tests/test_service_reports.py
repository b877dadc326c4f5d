"""Reports of stored validations (validator/service/reports.py) and where stored files live
(validator/service/storage.py).

Reports: made once — in a capped child — and then read from the store; each render counts as one of
the agency's uploads; an agency and a host render at most so many at once, the same report never
twice at once (429 / 503 with Retry-After, never a wait); a render over its limits is a 503, not a
crash of the worker. Stores: the folder and the database (``FILE_STORE``) hold the uploads and the
reports alike, the database's keeps nothing in the folder, and files an older version kept in the
folder move into the database on upgrade without loss.

Here on SQLite (with both stores); ``test_service_postgres.py`` runs every test again on PostgreSQL.
The two-host test (two ``kyosai serve`` on one PostgreSQL) is in ``test_service_postgres.py``.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import select, update

from test_service import (  # noqa: F401 - fixtures, found by pytest by their names
    AS_OF,
    BODY_LIMIT,
    CSV_CP932,
    VALID,
    WITH_ERRORS,
    app,
    assert_error_body,
    auth,
    client,
    count,
    database_url,
    engine,
    file_store,
    isolated,
    stored_files,
    submit,
    tokens,
    upload,
)
from validator.service import create_app, reports, throttle
from validator.service.auth import create_token
from validator.service.db import FileBlob, RenderJob, Submission, Validation, read_session, utcnow, write_session

__all__ = [
    "renders",
    "test_a_report_is_made_once_then_read_from_the_store",
    "test_each_render_counts_as_an_upload_and_a_stored_report_counts_nothing",
    "test_a_report_shows_the_stored_verdict_not_a_new_check",
    "test_report_from_dict_gives_back_the_stored_report",
    "test_an_agency_renders_at_most_its_limit_at_once_and_one_report_only_once",
    "test_a_host_renders_at_most_its_limit_at_once",
    "test_requests_racing_for_one_report_render_it_once",
    "test_a_render_runs_in_a_capped_child_and_over_its_limit_is_503",
    "test_a_report_of_a_validation_removed_while_it_was_made_is_404",
    "test_the_database_store_keeps_every_file_in_the_database_and_none_on_the_host",
    "test_files_kept_on_disk_by_an_older_version_move_into_the_database_without_loss",
    "test_a_bad_file_store_setting_stops_the_start",
]

BOTH_STORES = pytest.mark.parametrize("file_store", ["disk", "database"])


def _app(tmp_path, database_url, name="instance", **settings):
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / name),
            "AS_OF": AS_OF,
            "DATABASE_URL": database_url,
            "MAX_CONTENT_LENGTH": BODY_LIMIT,
            "ISOLATED": False,
            **settings,
        }
    )


@pytest.fixture
def renders(monkeypatch):
    """The formats rendered in this process (ISOLATED off), call by call."""
    calls = []
    real = reports.render_report

    def counted(path, fmt, *args):
        calls.append(fmt)
        return real(path, fmt, *args)

    monkeypatch.setattr(reports, "render_report", counted)
    return calls


def _jobs(engine) -> list[RenderJob]:
    with read_session(engine) as session:
        return list(session.scalars(select(RenderJob)))


def _job(
    engine,
    agency_name: str,
    vid: str,
    fmt: str = "html",
    *,
    host: str = reports.HOST,
    pid: int | None = None,
    age_seconds: int = 0,
) -> None:
    """A render of someone else's under way (a row as another request's claim makes it)."""
    from validator.service.db import Agency

    with write_session(engine) as session:
        agency_id = session.scalar(select(Agency.id).where(Agency.name == agency_name))
        session.add(
            RenderJob(
                id=os.urandom(16).hex(),
                agency_id=agency_id,
                validation_id=vid,
                format=fmt,
                host=host,
                pid=os.getpid() if pid is None else pid,
                started_at=utcnow() - datetime.timedelta(seconds=age_seconds),
            )
        )


# ------------------------------------------------------------------------------------------ once


@BOTH_STORES
def test_a_report_is_made_once_then_read_from_the_store(app, client, engine, tokens, renders, file_store):
    vid = upload(client, tokens.a, WITH_ERRORS, filename="申込.xlsx").get_json()["id"]
    first = client.get(f"/api/v1/validations/{vid}.xlsx", headers=auth(tokens.a))
    assert first.status_code == 200 and renders == ["xlsx"]
    assert openpyxl.load_workbook(io.BytesIO(first.data))["小規模企業共済_申込"]["N6"].comment is not None
    for token in (tokens.a, tokens.hq):  # read, not made again — also by headquarters
        again = client.get(f"/api/v1/validations/{vid}.xlsx", headers=auth(token))
        assert again.status_code == 200 and again.data == first.data
        assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
        assert again.headers["Content-Type"] == first.headers["Content-Type"]
    for fmt in ("html", "html"):
        assert client.get(f"/api/v1/validations/{vid}.{fmt}", headers=auth(tokens.a)).status_code == 200
    assert renders == ["xlsx", "html"]
    # stored beside the upload, in the configured store; nothing left running
    assert stored_files(app) == sorted([f"{vid}.xlsx", f"{vid}.report.xlsx", f"{vid}.report.html"])
    assert app.extensions["kyosai"].store.kind == file_store and _jobs(engine) == []
    # the CSV and the JSON are the stored report written out: never rendered with the file, never kept
    for fmt in ("csv", "json"):
        assert client.get(f"/api/v1/validations/{vid}.{fmt}", headers=auth(tokens.a)).status_code == 200
    assert len(renders) == 2 and len(stored_files(app)) == 3


def test_each_render_counts_as_an_upload_and_a_stored_report_counts_nothing(
    tmp_path, database_url, renders, monkeypatch
):
    app = _app(tmp_path, database_url, UPLOADS_PER_MINUTE=3)
    try:
        engine = app.extensions["kyosai"].engine
        a, hq = create_token(engine, "代理店A")[0], create_token(engine, "本部", is_hq=True)[0]
        client = app.test_client()
        monkeypatch.setattr(throttle, "_now", lambda: 6_000_000 * 60 + 20.0)  # 20 s into a minute
        vids = [upload(client, a, WITH_ERRORS).get_json()["id"] for _ in range(2)]
        assert client.get(f"/api/v1/validations/{vids[0]}.html", headers=auth(a)).status_code == 200  # 3rd
        refused = client.get(f"/api/v1/validations/{vids[1]}.html", headers=auth(a))
        body = assert_error_body(refused, 429, "too-many-uploads")
        assert refused.headers["Retry-After"] == "40" and "1分間に3件まで" in body["message_ja"]
        assert "検査結果のファイル" in body["message_ja"]
        for read in ("", ".html", ".csv", ".json"):  # a stored report, the report itself: nothing made
            assert client.get(f"/api/v1/validations/{vids[0]}{read}", headers=auth(a)).status_code == 200
        assert_error_body(upload(client, a, WITH_ERRORS), 429, "too-many-uploads")  # the same allowance
        # headquarters renders on its own allowance
        assert client.get(f"/api/v1/validations/{vids[1]}.html", headers=auth(hq)).status_code == 200
        assert renders == ["html", "html"] and _jobs(engine) == []
    finally:
        app.extensions["kyosai"].engine.dispose()


def test_a_report_shows_the_stored_verdict_not_a_new_check(app, client, engine, tokens, renders):
    """What headquarters decided on (the stored report) is what the page, the workbook and the CSV
    show — also after the rules change: here the stored report is changed as a new version's rules
    would have found something else."""
    vid = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]
    with write_session(engine) as session:
        v = session.get(Validation, vid)
        report = json.loads(json.dumps(v.report))
        report["findings"][0]["message_ja"] = "保存された指摘の文です。"
        v.report = report
    assert "保存された指摘の文です。" in client.get(f"/api/v1/validations/{vid}.html", headers=auth(tokens.a)).get_data(
        as_text=True
    )
    assert "保存された指摘の文です。" in client.get(
        f"/api/v1/validations/{vid}.csv", headers=auth(tokens.a)
    ).data.decode("utf-8-sig")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/api/v1/validations/{vid}.xlsx", headers=auth(tokens.a)).data)
    )
    assert any("保存された指摘の文です。" == cell.value for row in book["検査結果"].iter_rows() for cell in row)


def test_report_from_dict_gives_back_the_stored_report():
    from validator.check import validate_file
    from validator.findings import make
    from validator.render import render_csv_bytes
    from validator.report import Report, Source

    for path in (WITH_ERRORS, VALID, CSV_CP932):
        checked = validate_file(
            path, None, filename=path.name, as_of=datetime.date.fromisoformat(AS_OF), isolated=False
        )
        stored = json.loads(json.dumps(checked.report.to_dict(), ensure_ascii=False))  # as the database keeps it
        again = Report.from_dict(stored)
        assert again.to_dict() == stored and again.valid == checked.report.valid
        assert render_csv_bytes(again) == render_csv_bytes(checked.report)
    cut = Report(Source("a.csv", "0" * 64), records=3, limit=2)
    for row in (4, 5, 6):
        cut.add(make("missing-value", row=row, column="B", header="氏名", value=""))
    cut.sort()
    stored = json.loads(json.dumps(cut.to_dict()))
    assert stored["truncated"] and Report.from_dict(stored).to_dict() == stored
    assert Report.from_dict({"valid": True}).to_dict()["summary"]["records"] == 0  # keys of another version


# ------------------------------------------------------------------------------------------ at once


def test_an_agency_renders_at_most_its_limit_at_once_and_one_report_only_once(tmp_path, database_url, renders):
    app = _app(tmp_path, database_url, RENDERS_PER_HOST=10)
    try:
        _agency_limit(app, renders)
    finally:
        app.extensions["kyosai"].engine.dispose()


def _agency_limit(app, renders):
    engine, client = app.extensions["kyosai"].engine, app.test_client()
    tokens = SimpleNamespace(
        a=create_token(engine, "代理店A")[0],
        b=create_token(engine, "代理店B")[0],
        hq=create_token(engine, "本部", is_hq=True)[0],
    )
    v1, v2, v3 = (upload(client, tokens.a, WITH_ERRORS).get_json()["id"] for _ in range(3))
    _job(engine, "代理店A", v1)
    _job(engine, "代理店A", v2)  # two under way: RENDERS_PER_AGENCY (2)
    refused = client.get(f"/api/v1/validations/{v3}.html", headers=auth(tokens.a))
    body = assert_error_body(refused, 429, "too-many-renders")
    assert refused.headers["Retry-After"] == "5" and body["retry_after"] == 5 and "2件まで" in body["message_ja"]
    # another agency is not held up by it
    vb = upload(client, tokens.b, WITH_ERRORS).get_json()["id"]
    assert client.get(f"/api/v1/validations/{vb}.html", headers=auth(tokens.b)).status_code == 200
    assert client.get("/api/v1/me", headers=auth(tokens.a)).status_code == 200
    # the same report is not made twice at once, even for headquarters; another format of it may be
    assert_error_body(client.get(f"/api/v1/validations/{v1}.html", headers=auth(tokens.hq)), 429, "report-in-progress")
    assert client.get(f"/api/v1/validations/{v1}.xlsx", headers=auth(tokens.hq)).status_code == 200
    assert renders == ["html", "xlsx"]
    # a render whose worker died, and one older than the time limit, no longer count — and go
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    with write_session(engine) as session:
        session.execute(update(RenderJob).where(RenderJob.validation_id == v1).values(pid=finished.pid))
        session.execute(
            update(RenderJob)
            .where(RenderJob.validation_id == v2)
            .values(started_at=utcnow() - datetime.timedelta(seconds=app.extensions["kyosai"].render.seconds + 61))
        )
    assert client.get(f"/api/v1/validations/{v3}.html", headers=auth(tokens.a)).status_code == 200
    assert _jobs(engine) == []


def test_a_host_renders_at_most_its_limit_at_once(tmp_path, database_url, renders):
    app = _app(tmp_path, database_url, RENDERS_PER_HOST=1)
    try:
        engine = app.extensions["kyosai"].engine
        a, b = create_token(engine, "代理店A")[0], create_token(engine, "代理店B")[0]
        client = app.test_client()
        va, vb = upload(client, a, WITH_ERRORS).get_json()["id"], upload(client, b, WITH_ERRORS).get_json()["id"]
        _job(engine, "代理店B", vb, host="another-host")  # another host's: not this one's
        assert client.get(f"/api/v1/validations/{va}.html", headers=auth(a)).status_code == 200
        _job(engine, "代理店B", vb)
        refused = client.get(f"/api/v1/validations/{va}.xlsx", headers=auth(a))
        body = assert_error_body(refused, 503, "server-busy")
        assert refused.headers["Retry-After"] == "10" and body["retry_after"] == 10
        assert client.get(f"/api/v1/validations/{va}.html", headers=auth(a)).status_code == 200  # stored: a read
        assert renders == ["html"]
    finally:
        app.extensions["kyosai"].engine.dispose()


@BOTH_STORES
def test_requests_racing_for_one_report_render_it_once(app, engine, tokens, monkeypatch, file_store):
    real, calls, gate = reports.render_report, [], threading.Event()

    def slow(*args):
        calls.append(args[1])
        gate.wait(10)  # every racer has asked before this render ends
        return real(*args)

    monkeypatch.setattr(reports, "render_report", slow)
    vid = upload(app.test_client(), tokens.a, WITH_ERRORS).get_json()["id"]
    statuses, barrier = [], threading.Barrier(4)

    def ask(token):
        client = app.test_client()
        barrier.wait()
        response = client.get(f"/api/v1/validations/{vid}.xlsx", headers=auth(token))
        statuses.append((response.status_code, (response.get_json(silent=True) or {}).get("code")))

    threads = [threading.Thread(target=ask, args=(t,)) for t in (tokens.a, tokens.a, tokens.hq, tokens.hq)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(statuses) < 3 and time.monotonic() < deadline:  # the three refused at once, not queued
        time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join(30)
    assert calls == ["xlsx"]
    assert sorted(statuses) == [(200, None)] + [(429, "report-in-progress")] * 3
    assert app.test_client().get(f"/api/v1/validations/{vid}.xlsx", headers=auth(tokens.a)).status_code == 200
    assert calls == ["xlsx"] and _jobs(engine) == []


def test_a_render_runs_in_a_capped_child_and_over_its_limit_is_503(tmp_path, database_url):
    app = _app(tmp_path, database_url, ISOLATED=True)
    starved = _app(tmp_path, database_url, name="starved", ISOLATED=True, RENDER_MEMORY_MB=8)
    try:
        for service in (app, starved):
            engine = service.extensions["kyosai"].engine
            token = create_token(engine, "代理店A")[0]
            client = service.test_client()
            vid = upload(client, token, WITH_ERRORS).get_json()["id"]
            response = client.get(f"/api/v1/validations/{vid}.html", headers=auth(token))
            if service is app:
                assert response.status_code == 200 and "掛金月額" in response.get_data(as_text=True)
            else:  # the child ran out of its 8 MB; this process is untouched
                body = assert_error_body(response, 503, "report-failed")
                assert "メモリ" in body["hint_ja"] and "JSON" in body["hint_ja"]
                assert "Retry-After" not in response.headers
                assert [n for n in stored_files(service) if vid in n] == [f"{vid}.xlsx"]  # no report kept
                assert _jobs(engine) == []
                assert client.get(f"/api/v1/validations/{vid}", headers=auth(token)).status_code == 200
    finally:
        for service in (app, starved):
            service.extensions["kyosai"].engine.dispose()


@pytest.mark.parametrize("file_store", ["database"])
def test_a_report_of_a_validation_removed_while_it_was_made_is_404(
    app, client, engine, tokens, monkeypatch, file_store
):
    real = reports.render_report
    vid = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]

    def purged_meanwhile(*args):
        size = real(*args)
        with write_session(engine) as session:
            session.execute(Validation.__table__.delete().where(Validation.id == vid))
        return size

    monkeypatch.setattr(reports, "render_report", purged_meanwhile)
    assert_error_body(
        client.get(f"/api/v1/validations/{vid}.html", headers=auth(tokens.a)), 404, "validation-not-found"
    )
    assert stored_files(app) == [] and _jobs(engine) == []


# ------------------------------------------------------------------------------------------ stores


@pytest.mark.parametrize("file_store", ["database"])
def test_the_database_store_keeps_every_file_in_the_database_and_none_on_the_host(
    app, client, engine, tokens, file_store
):
    from validator.service.retention import Retention, purge

    handed_in = upload(client, tokens.a, VALID, filename="申込.xlsx").get_json()["id"]
    sid = submit(client, tokens.a, handed_in).get_json()["id"]
    tried = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]
    for fmt in ("html", "xlsx"):
        assert client.get(f"/api/v1/validations/{tried}.{fmt}", headers=auth(tokens.a)).status_code == 200
    assert list(app.extensions["kyosai"].store.root.iterdir()) == []  # nothing on this host
    with read_session(engine) as session:
        blobs = {b.name: b.size for b in session.scalars(select(FileBlob))}
    assert sorted(blobs) == sorted(
        [f"files/{handed_in}.xlsx", f"files/{tried}.xlsx", f"files/{tried}.report.html", f"files/{tried}.report.xlsx"]
    )
    assert blobs[f"files/{handed_in}.xlsx"] == VALID.stat().st_size
    download = client.get(f"/api/v1/submissions/{sid}/file", headers=auth(tokens.hq))
    assert download.status_code == 200 and download.data == VALID.read_bytes()
    assert download.headers["Content-Length"] == str(VALID.stat().st_size)
    # the purge removes a validation with its files, in the database
    with write_session(engine) as session:
        session.execute(
            update(Validation).where(Validation.id == tried).values(created_at=utcnow() - datetime.timedelta(days=31))
        )
    done = purge(engine, app.extensions["kyosai"].store, Retention(30, None))
    assert (done.unsubmitted, done.orphans) == (1, 0)
    assert stored_files(app) == [f"{handed_in}.xlsx"] and count(engine, Submission) == 1


def test_files_kept_on_disk_by_an_older_version_move_into_the_database_without_loss(
    tmp_path, database_url, monkeypatch, capsys
):
    """A deployment that kept its files in the folder (the only store before) switches to the
    database's: until it is upgraded its files are read from the folder; `kyosai db upgrade` moves
    them, byte for byte, and a second run finds nothing to do. What is on no host is reported."""
    from validator import cli

    old = _app(tmp_path, database_url, FILE_STORE="disk")
    engine = old.extensions["kyosai"].engine
    a, hq = create_token(engine, "代理店A")[0], create_token(engine, "本部", is_hq=True)[0]
    client = old.test_client()
    handed_in = upload(client, a, VALID, filename="申込.xlsx").get_json()["id"]
    sid = submit(client, a, handed_in).get_json()["id"]
    tried = upload(client, a, WITH_ERRORS).get_json()["id"]
    lost = upload(client, a, WITH_ERRORS, filename="lost.xlsx").get_json()["id"]
    assert client.get(f"/api/v1/validations/{tried}.html", headers=auth(a)).status_code == 200
    folder = old.extensions["kyosai"].store.root
    (folder / f"{lost}.xlsx").unlink()  # lost before the move (a disk error, a hand)
    engine.dispose()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{handed_in}.xlsx", f"{tried}.xlsx", f"{tried}.report.html"]
    )

    # a host started without the upgrade reads the files from its folder meanwhile
    waiting = _app(tmp_path, database_url, FILE_STORE="database", UPGRADE_DATABASE=False)
    try:
        response = waiting.test_client().get(f"/api/v1/submissions/{sid}/file", headers=auth(hq))
        assert response.status_code == 200 and response.data == VALID.read_bytes()
    finally:
        waiting.extensions["kyosai"].engine.dispose()

    for name, value in (("INSTANCE_PATH", str(tmp_path / "instance")), ("FILE_STORE", "database"), ("AS_OF", AS_OF)):
        monkeypatch.setenv(f"KYOSAI_{name}", value)
    if database_url:
        monkeypatch.setenv("KYOSAI_DATABASE_URL", database_url)
    assert cli.main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "2件をデータベースへ移しました" in out and "Moved 2 stored files" in out
    assert "1件の検査のファイル" in out and "files of 1 validations" in out
    assert list(folder.iterdir()) == []  # the uploads moved; the report goes (made again)
    assert cli.main(["db", "upgrade"]) == 0
    assert "移しました" not in capsys.readouterr().out  # nothing left to move

    new = _app(tmp_path, database_url, FILE_STORE="database")
    try:
        client = new.test_client()
        response = client.get(f"/api/v1/submissions/{sid}/file", headers=auth(hq))
        assert response.status_code == 200 and response.data == VALID.read_bytes()
        with read_session(new.extensions["kyosai"].engine) as session:
            moved = session.get(FileBlob, f"files/{tried}.xlsx")
            assert moved.data == WITH_ERRORS.read_bytes() and moved.validation_id == tried
        html = client.get(f"/api/v1/validations/{tried}.html", headers=auth(a))  # made again, in the database
        assert html.status_code == 200 and "掛金月額" in html.get_data(as_text=True)
        assert_error_body(client.get(f"/api/v1/validations/{lost}.html", headers=auth(a)), 404, "stored-file-missing")
        assert list(folder.iterdir()) == []
    finally:
        new.extensions["kyosai"].engine.dispose()


def test_a_bad_file_store_setting_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match="FILE_STORE"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "FILE_STORE": "s3"})
