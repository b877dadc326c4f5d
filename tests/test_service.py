"""The validation service's API and storage: every endpoint and status, auth isolation, idempotent
submissions, files under generated ids, nothing stored for a bad file, nothing personal in the logs.

The same tests run again on a real PostgreSQL server in ``test_service_postgres.py`` (which overrides
the ``database_url`` fixture); here the database is SQLite in the app's instance folder.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import re
import threading
import zipfile
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import delete, func, select

from fixtures.batchfiles import SKY_HEADERS, csv_text_row, rewrite_zip
from validator.service import api as service_api
from validator.service import create_app
from validator.service.auth import create_token, hash_token, revoke_token
from validator.service.db import FileBlob, Submission, Token, Validation, read_session, write_session

SAMPLES = Path(__file__).resolve().parent.parent / "workbooks" / "samples"
WITH_ERRORS = SAMPLES / "sky-application_with_errors.xlsx"
VALID = SAMPLES / "sky-application_sample.xlsx"
VALID_2 = SAMPLES / "prepayment_sample.xlsx"
CSV_CP932 = SAMPLES / "sky-application_with_errors_cp932.csv"
AS_OF = "2025-03-31"
BODY_LIMIT = 256 * 1024  # MAX_CONTENT_LENGTH of the test app (the samples are ~8 KB)
# A customer's name in the uploaded file name: it must never reach a log line.
PERSONAL_NAME = "山田太郎様_申込.xlsx"


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def database_url():
    """None: SQLite in the instance folder. test_service_postgres.py gives a PostgreSQL URL."""
    return None


@pytest.fixture
def isolated():
    """Parse in-process (fast); the tests of hostile files ask for the child process."""
    return False


@pytest.fixture
def file_store():
    """None: the database's default (the folder with SQLite, the database with PostgreSQL)."""
    return None


@pytest.fixture
def app(tmp_path, database_url, isolated, file_store):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "AS_OF": AS_OF,
            "DATABASE_URL": database_url,
            "MAX_CONTENT_LENGTH": BODY_LIMIT,
            "ISOLATED": isolated,
            "FILE_STORE": file_store,
        }
    )
    yield app
    app.extensions["kyosai"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def engine(app):
    return app.extensions["kyosai"].engine


@pytest.fixture
def tokens(engine):
    return SimpleNamespace(
        a=create_token(engine, "代理店A")[0],
        b=create_token(engine, "代理店B")[0],
        hq=create_token(engine, "本部", is_hq=True)[0],
    )


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def upload(
    client, token, path: Path = VALID, filename: str | None = None, kind: str | None = None, data: bytes | None = None
):
    content = path.read_bytes() if data is None else data
    form = {"file": (io.BytesIO(content), filename or path.name)}
    if kind is not None:
        form["kind"] = kind
    return client.post("/api/v1/validations", headers=auth(token), data=form, content_type="multipart/form-data")


def submit(client, token, validation_id):
    return client.post("/api/v1/submissions", headers=auth(token), json={"validation_id": validation_id})


def stored_files(app) -> list[str]:
    """What the app keeps, by base name: the files in its folder (a temporary one left there too) and,
    with the database's store (FILE_STORE, the default on PostgreSQL), the files in the database."""
    names = [p.name for p in (Path(app.instance_path) / "files").iterdir()]
    store = app.extensions["kyosai"].store
    if store.kind == "database":
        with read_session(store.engine) as session:
            names += [name.rsplit("/", 1)[-1] for name in session.scalars(select(FileBlob.name))]
    return sorted(names)


def lose_stored_files(app) -> None:
    """Every stored file gone (a disk lost, a table emptied by hand), the rows still there."""
    for p in (Path(app.instance_path) / "files").iterdir():
        p.unlink()
    store = app.extensions["kyosai"].store
    if store.kind == "database":
        with write_session(store.engine) as session:
            session.execute(delete(FileBlob))


def count(engine, model) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_error_body(response, status: int, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == status and body["message_ja"] and body["message_en"]
    if code:
        assert body["code"] == code
    return body


# ------------------------------------------------------------------------------------------ auth

API_CALLS = [
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/validations"),
    ("GET", "/api/v1/validations/" + "0" * 32),
    ("GET", "/api/v1/validations/" + "0" * 32 + ".html"),
    ("GET", "/api/v1/validations/" + "0" * 32 + ".xlsx"),
    ("GET", "/api/v1/validations/" + "0" * 32 + ".csv"),
    ("POST", "/api/v1/submissions"),
    ("GET", "/api/v1/submissions"),
    ("GET", "/api/v1/submissions/" + "0" * 32),
    ("GET", "/api/v1/submissions/" + "0" * 32 + "/file"),
]


@pytest.mark.parametrize("method,path", API_CALLS)
def test_every_api_call_needs_a_valid_token(client, tokens, method, path):
    for headers in ({}, auth("not-a-token"), {"Authorization": f"Basic {tokens.a}"}, {"Authorization": "Bearer"}):
        response = client.open(path, method=method, headers=headers)
        body = assert_error_body(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "トークン" in body["message_ja"]


def test_me_tells_who_the_token_belongs_to(client, tokens):
    assert client.get("/api/v1/me", headers=auth(tokens.a)).get_json() == {"agency": "代理店A", "is_hq": False}
    assert client.get("/api/v1/me", headers=auth(tokens.hq)).get_json() == {"agency": "本部", "is_hq": True}


def test_a_revoked_token_is_refused(client, engine):
    token, row = create_token(engine, "代理店C")
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    assert revoke_token(engine, row.id)
    assert_error_body(client.get("/api/v1/me", headers=auth(token)), 401)


def test_tokens_are_stored_hashed(engine, tokens):
    with read_session(engine) as session:
        stored = set(session.scalars(select(Token.token_sha256)))
    assert hash_token(tokens.a) in stored and tokens.a not in stored
    assert all(re.fullmatch("[0-9a-f]{64}", h) for h in stored)


# ------------------------------------------------------------------------------------------ validations


def test_a_batch_with_errors_gets_200_with_its_report_and_an_id(app, client, engine, tokens):
    response = upload(client, tokens.a, WITH_ERRORS)
    assert response.status_code == 200
    body = response.get_json()
    assert re.fullmatch("[0-9a-f]{32}", body["id"])
    assert body["valid"] is False and body["kind"] == "sky-application" and body["as_of"] == AS_OF
    report = body["report"]
    assert report["summary"]["errors"] == 4 and report["source"]["filename"] == WITH_ERRORS.name
    premium = [f for f in report["findings"] if f["code"] == "invalid-premium"]
    assert [(f["row"], f["column"], f["header"]) for f in premium] == [(6, "N", "掛金月額")]
    assert body["sha256"] == hashlib.sha256(WITH_ERRORS.read_bytes()).hexdigest()
    assert body["links"]["html"] == f"/api/v1/validations/{body['id']}.html"
    assert count(engine, Validation) == 1


def test_a_valid_batch_gets_200_valid(client, tokens):
    body = upload(client, tokens.a, VALID).get_json()
    assert body["valid"] is True and body["report"]["summary"]["errors"] == 0


def test_a_cp932_csv_is_checked_and_stored_as_csv(app, client, tokens):
    body = upload(client, tokens.a, CSV_CP932).get_json()
    assert body["report"]["source"]["encoding"] == "cp932" and not body["valid"]
    assert stored_files(app) == [f"{body['id']}.csv"]


def test_files_are_stored_under_generated_ids_never_the_uploaded_name(app, client, engine, tokens):
    body = upload(client, tokens.a, VALID, filename=PERSONAL_NAME).get_json()
    assert stored_files(app) == [f"{body['id']}.xlsx"]
    assert not any("山田" in p.name for p in Path(app.instance_path).rglob("*"))
    with read_session(engine) as session:
        row = session.get(Validation, body["id"])
    assert row.file_path == f"files/{body['id']}.xlsx" and row.filename == PERSONAL_NAME
    with app.extensions["kyosai"].store.open(row.file_path) as stored:
        assert stored.read() == VALID.read_bytes()
    assert body["filename"] == PERSONAL_NAME  # shown back to the clerk, of course


def test_the_kind_can_be_given(client, tokens):
    body = upload(client, tokens.a, VALID, kind="sky-application").get_json()
    assert body["kind"] == "sky-application"


def test_an_unknown_kind_is_400_and_nothing_is_stored(app, client, engine, tokens):
    body = assert_error_body(upload(client, tokens.a, VALID, kind="pension"), 400, "bad-kind")
    assert "sky-application" in body["message_ja"]
    assert stored_files(app) == [] and count(engine, Validation) == 0


def test_no_file_is_400(client, tokens):
    response = client.post("/api/v1/validations", headers=auth(tokens.a), data={"kind": "prepayment"})
    assert_error_body(response, 400, "file-missing")


def _broken_zip() -> bytes:
    return VALID.read_bytes()[:3000]


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("isolated", [True], indirect=False)
@pytest.mark.parametrize(
    "name,data,status,code",
    [
        ("broken.xlsx", _broken_zip(), 400, "file-unreadable"),
        ("empty.csv", b"", 400, "file-empty"),
        ("notes.csv", "メモ\nただの文章です\n".encode(), 400, None),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, 415, "file-old-format"),
        ("paper.pdf", b"%PDF-1.4\n" + b"x" * 500, 415, "file-unsupported"),
        ("archive.xlsx", _zip_without_workbook(), 415, None),
    ],
)
def test_a_file_that_cannot_be_read_gets_4xx_nothing_is_stored_and_the_next_request_is_fine(
    app, client, engine, tokens, name, data, status, code
):
    body = assert_error_body(upload(client, tokens.a, filename=name, data=data), status, code)
    assert body["finding"]["code"] == body["code"] and body["hint_ja"]
    assert stored_files(app) == [] and count(engine, Validation) == 0
    # the service is unharmed: the next upload is answered normally (and stored)
    assert upload(client, tokens.a, VALID).status_code == 200
    assert count(engine, Validation) == 1 and len(stored_files(app)) == 1


def test_a_body_over_max_content_length_is_413_and_nothing_is_stored(app, client, engine, tokens):
    big = b"a,b\n" * (BODY_LIMIT // 4 + 100)
    body = assert_error_body(upload(client, tokens.a, filename="big.csv", data=big), 413, "file-too-large")
    assert "大きすぎ" in body["message_ja"]
    assert stored_files(app) == [] and count(engine, Validation) == 0
    assert upload(client, tokens.a, VALID).status_code == 200


def test_a_file_over_max_file_bytes_is_413_with_the_same_message(tmp_path, database_url):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "small"),
            "DATABASE_URL": database_url,
            "MAX_FILE_BYTES": 4000,
            "AS_OF": AS_OF,
            "ISOLATED": False,
        }
    )
    try:
        client = app.test_client()
        token, _ = create_token(app.extensions["kyosai"].engine, "代理店A")
        body = assert_error_body(upload(client, token, VALID), 413, "file-too-large")  # the sample is ~8 KB
        assert body["finding"]["code"] == "file-too-large"
        assert stored_files(app) == []
        assert [p.name for p in (Path(app.instance_path) / "files").iterdir()] == []  # no temp file left
    finally:
        app.extensions["kyosai"].engine.dispose()


def test_more_rows_than_the_limit_is_413(tmp_path, database_url):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "rows"),
            "DATABASE_URL": database_url,
            "MAX_ROWS": 2,
            "AS_OF": AS_OF,
            "ISOLATED": False,
        }
    )
    try:
        token, _ = create_token(app.extensions["kyosai"].engine, "代理店A")
        assert_error_body(upload(app.test_client(), token, VALID), 413, "too-many-rows")
        assert stored_files(app) == []
    finally:
        app.extensions["kyosai"].engine.dispose()


@pytest.mark.parametrize("isolated", [True])
def test_the_isolated_reader_is_the_one_used_by_default(app, client, tokens):
    assert app.extensions["kyosai"].isolated
    assert upload(client, tokens.a, WITH_ERRORS).get_json()["report"]["summary"]["errors"] == 4


def test_a_failed_database_write_leaves_no_file(app, client, engine, tokens, monkeypatch):
    def broken(_engine):
        raise RuntimeError("database down")

    monkeypatch.setattr(service_api, "write_session", broken)
    with pytest.raises(RuntimeError):
        upload(client, tokens.a, VALID)
    assert stored_files(app) == [] and count(engine, Validation) == 0


# ------------------------------------------------------------------------------------------ reading back


def test_get_validation_returns_the_stored_report(client, tokens):
    created = upload(client, tokens.a, WITH_ERRORS).get_json()
    response = client.get(created["links"]["self"], headers=auth(tokens.a))
    assert response.status_code == 200
    assert response.get_json()["report"] == created["report"]
    assert response.headers["Cache-Control"] == "no-store"


def test_renderings_are_made_again_from_the_stored_file(client, tokens):
    created = upload(client, tokens.a, WITH_ERRORS, filename=PERSONAL_NAME).get_json()
    vid = created["id"]
    html = client.get(f"/api/v1/validations/{vid}.html", headers=auth(tokens.a))
    assert html.status_code == 200 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "要修正" in text and "掛金月額" in text and 'id="cell-N6"' in text
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]

    xlsx = client.get(f"/api/v1/validations/{vid}.xlsx", headers=auth(tokens.a))
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    disposition = xlsx.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%B1%B1%E7%94%B0" in disposition and disposition.endswith(".report.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert "検査結果" in book.sheetnames
    assert book["小規模企業共済_申込"]["N6"].comment is not None

    csv = client.get(f"/api/v1/validations/{vid}.csv", headers=auth(tokens.a))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "invalid-premium" in csv.data.decode("utf-8-sig")

    again = client.get(f"/api/v1/validations/{vid}.json", headers=auth(tokens.a)).get_json()
    assert again["findings"] == created["report"]["findings"]  # same file, kind and as-of day


@pytest.mark.parametrize("suffix", ["", ".html", ".xlsx", ".csv"])
def test_an_agency_cannot_read_another_agencys_validation_but_headquarters_can(client, tokens, suffix):
    vid = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]
    path = f"/api/v1/validations/{vid}{suffix}"
    assert_error_body(client.get(path, headers=auth(tokens.b)), 404, "validation-not-found")
    assert client.get(path, headers=auth(tokens.a)).status_code == 200
    assert client.get(path, headers=auth(tokens.hq)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/validations/" + "f" * 32,
        "/api/v1/validations/" + "f" * 32 + ".csv",
        "/api/v1/validations/not-an-id",
        "/api/v1/validations/" + "f" * 32 + ".pdf",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_ids_and_paths_are_404_json(client, tokens, path):
    assert_error_body(client.get(path, headers=auth(tokens.hq)), 404)


def test_a_wrong_method_is_405_json(client, tokens):
    vid = upload(client, tokens.a, VALID).get_json()["id"]
    body = assert_error_body(client.delete(f"/api/v1/validations/{vid}", headers=auth(tokens.a)), 405)
    assert body["allowed"] == ["GET", "HEAD", "OPTIONS"]


# ------------------------------------------------------------------------------------------ submissions


def test_a_batch_with_errors_cannot_be_submitted_422_with_its_report(client, engine, tokens):
    vid = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]
    body = assert_error_body(submit(client, tokens.a, vid), 422, "submission-has-errors")
    assert body["validation_id"] == vid and body["report"]["summary"]["errors"] == 4
    assert count(engine, Submission) == 0


def test_a_valid_batch_is_submitted_201_and_again_200_with_the_same_submission(client, engine, tokens):
    vid = upload(client, tokens.a, VALID, filename=PERSONAL_NAME).get_json()["id"]
    first = submit(client, tokens.a, vid)
    assert first.status_code == 201
    body = first.get_json()
    assert first.headers["Location"] == f"/api/v1/submissions/{body['id']}"
    assert body["validation_id"] == vid and body["agency"] == "代理店A" and body["filename"] == PERSONAL_NAME
    second = submit(client, tokens.a, vid)
    assert second.status_code == 200 and second.get_json()["id"] == body["id"]
    # the same file uploaded and checked again is still the same submission
    vid_again = upload(client, tokens.a, VALID, filename="別名.xlsx").get_json()["id"]
    third = submit(client, tokens.a, vid_again)
    assert third.status_code == 200 and third.get_json()["id"] == body["id"]
    assert count(engine, Submission) == 1


def test_two_agencies_submitting_the_same_file_make_two_submissions(client, engine, tokens):
    a = submit(client, tokens.a, upload(client, tokens.a, VALID).get_json()["id"])
    b = submit(client, tokens.b, upload(client, tokens.b, VALID).get_json()["id"])
    assert a.status_code == b.status_code == 201 and a.get_json()["id"] != b.get_json()["id"]
    assert count(engine, Submission) == 2


def race_submissions(app, token, validation_ids, threads):
    """Submit ``validation_ids`` (round robin) from ``threads`` threads released at once: (status, id) each."""
    barrier = threading.Barrier(threads)
    results = []

    def worker(vid):
        client = app.test_client()
        barrier.wait()
        response = submit(client, token, vid)
        results.append((response.status_code, response.get_json()["id"]))

    workers = [threading.Thread(target=worker, args=(validation_ids[i % len(validation_ids)],)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return results


def test_a_race_between_two_identical_submissions_gives_one_row(app, engine, tokens):
    vids = [upload(app.test_client(), tokens.a, VALID).get_json()["id"] for _ in range(2)]
    results = race_submissions(app, tokens.a, vids, 6)
    assert sorted(s for s, _ in results) == [200] * 5 + [201]
    assert len({sid for _, sid in results}) == 1
    assert count(engine, Submission) == 1


def test_the_unique_constraint_decides_when_the_check_misses_the_other_insert(client, engine, tokens, monkeypatch):
    """The race in slow motion: the pre-check sees nothing, the insert hits the constraint, and the
    existing submission is returned."""
    vid = upload(client, tokens.a, VALID).get_json()["id"]
    first = submit(client, tokens.a, vid).get_json()["id"]
    real = service_api._find_submission
    calls = []

    def blind_first_time(session, agency_id, sha256):
        calls.append(1)
        return None if len(calls) == 1 else real(session, agency_id, sha256)

    monkeypatch.setattr(service_api, "_find_submission", blind_first_time)
    response = submit(client, tokens.a, vid)
    assert response.status_code == 200 and response.get_json()["id"] == first and len(calls) == 2
    assert count(engine, Submission) == 1


def test_an_agency_cannot_submit_another_agencys_validation(client, engine, tokens):
    vid = upload(client, tokens.a, VALID).get_json()["id"]
    assert_error_body(submit(client, tokens.b, vid), 404, "validation-not-found")
    assert_error_body(submit(client, tokens.hq, vid), 404, "validation-not-found")  # only the agency hands in
    assert count(engine, Submission) == 0


@pytest.mark.parametrize("payload", [None, {}, {"validation_id": 7}, {"validation": "x"}, ["x"]])
def test_a_submission_without_a_validation_id_is_400(client, tokens, payload):
    kwargs = {"data": "validation_id=abc"} if payload is None else {"json": payload}
    response = client.post("/api/v1/submissions", headers=auth(tokens.a), **kwargs)
    assert_error_body(response, 400, "validation-id-missing")


def test_a_submission_of_an_unknown_validation_is_404(client, tokens):
    assert_error_body(submit(client, tokens.a, "0" * 32), 404, "validation-not-found")
    assert_error_body(submit(client, tokens.a, "../../etc/passwd"), 404, "validation-not-found")


def _submitted(client, token, path=VALID, filename=None):
    vid = upload(client, token, path, filename=filename).get_json()["id"]
    response = submit(client, token, vid)
    assert response.status_code == 201
    return response.get_json()


def test_listing_shows_the_callers_submissions_and_headquarters_sees_all(client, tokens):
    a1 = _submitted(client, tokens.a, VALID)
    a2 = _submitted(client, tokens.a, VALID_2)
    b1 = _submitted(client, tokens.b, VALID)
    listing = client.get("/api/v1/submissions", headers=auth(tokens.a)).get_json()
    assert {s["id"] for s in listing["submissions"]} == {a1["id"], a2["id"]} and listing["total"] == 2
    assert listing["all_agencies"] is False
    listing = client.get("/api/v1/submissions", headers=auth(tokens.b)).get_json()
    assert [s["id"] for s in listing["submissions"]] == [b1["id"]]
    listing = client.get("/api/v1/submissions", headers=auth(tokens.hq)).get_json()
    assert listing["total"] == 3 and listing["all_agencies"] is True
    assert sorted(s["agency"] for s in listing["submissions"]) == ["代理店A", "代理店A", "代理店B"]
    page = client.get("/api/v1/submissions?limit=2&offset=2", headers=auth(tokens.hq)).get_json()
    assert len(page["submissions"]) == 1 and page["limit"] == 2 and page["offset"] == 2


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "limit=100000", "offset=-1"])
def test_a_bad_page_is_400(client, tokens, query):
    assert_error_body(client.get(f"/api/v1/submissions?{query}", headers=auth(tokens.a)), 400, "bad-page")


def test_one_submission_is_visible_to_its_agency_and_headquarters_only(client, tokens):
    sub = _submitted(client, tokens.a)
    path = sub["links"]["self"]
    assert client.get(path, headers=auth(tokens.a)).get_json()["id"] == sub["id"]
    assert client.get(path, headers=auth(tokens.hq)).get_json()["agency"] == "代理店A"
    assert_error_body(client.get(path, headers=auth(tokens.b)), 404, "submission-not-found")


def test_the_original_file_downloads_under_its_original_name(client, tokens):
    sub = _submitted(client, tokens.a, VALID, filename=PERSONAL_NAME)
    path = sub["links"]["file"]
    for token in (tokens.a, tokens.hq):
        response = client.get(path, headers=auth(token))
        assert response.status_code == 200 and response.data == VALID.read_bytes()
        assert response.mimetype.endswith("spreadsheetml.sheet")
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="submission-')
        assert "filename*=UTF-8''%E5%B1%B1%E7%94%B0%E5%A4%AA%E9%83%8E%E6%A7%98_%E7%94%B3%E8%BE%BC.xlsx" in disposition
    assert_error_body(client.get(path, headers=auth(tokens.b)), 404, "submission-not-found")


def test_a_stored_file_gone_missing_is_404_not_a_crash(app, client, tokens):
    sub = _submitted(client, tokens.a)
    lose_stored_files(app)
    assert_error_body(client.get(sub["links"]["file"], headers=auth(tokens.a)), 404, "stored-file-missing")
    path = f"/api/v1/validations/{sub['validation_id']}.html"
    assert_error_body(client.get(path, headers=auth(tokens.a)), 404, "stored-file-missing")


# ------------------------------------------------------------------------------------------ logs


def test_nothing_personal_reaches_the_logs(client, tokens, caplog):
    caplog.set_level("INFO", logger="kyosai.service")
    book = openpyxl.load_workbook(WITH_ERRORS, read_only=True)
    # (short or hex-only values could turn up by chance inside an id or a hash)
    cell_texts = {
        str(v)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str) and len(v) >= 6 and not re.fullmatch("[0-9a-f]+", v)
    }
    book.close()
    vid = upload(client, tokens.a, WITH_ERRORS, filename=PERSONAL_NAME).get_json()["id"]
    client.get(f"/api/v1/validations/{vid}.html", headers=auth(tokens.a))
    ok = upload(client, tokens.a, VALID, filename=PERSONAL_NAME).get_json()["id"]
    submit(client, tokens.a, ok)
    upload(client, tokens.a, filename=PERSONAL_NAME, data=_broken_zip())
    text = caplog.text
    assert vid in text and "validation stored" in text and "submission created" in text
    assert "山田" not in text and "申込" not in text and tokens.a not in text
    assert not [t for t in cell_texts if t in text]
    assert text.isascii()  # no Japanese at all: names, addresses, file names stay out


# ------------------------------------------------------------------------------------------ retention


def _age(engine, model, row_id: str, days: int) -> None:
    """Make a row look ``days`` old."""
    import datetime as _dt

    from sqlalchemy import update

    from validator.service.db import utcnow, write_session

    with write_session(engine) as session:
        session.execute(update(model).where(model.id == row_id).values(created_at=utcnow() - _dt.timedelta(days=days)))


def _file_of(engine, vid: str) -> Path | None:
    with read_session(engine) as session:
        v = session.get(Validation, vid)
        return None if v is None else Path(v.file_path)


def test_purge_removes_unsubmitted_validations_past_their_days_and_nothing_else(app, client, engine, tokens):
    from validator.service.retention import Retention, purge

    store = app.extensions["kyosai"].store
    handed_in = upload(client, tokens.a).get_json()["id"]
    sid = submit(client, tokens.a, handed_in).get_json()["id"]
    tried = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]
    recent = upload(client, tokens.b, WITH_ERRORS).get_json()["id"]
    for vid in (handed_in, tried):
        _age(engine, Validation, vid, 31)
    _age(engine, Submission, sid, 31)
    tried_file = _file_of(engine, tried).as_posix()
    assert client.get(f"/api/v1/validations/{tried}.html", headers=auth(tokens.a)).status_code == 200  # a report
    assert f"{tried}.report.html" in stored_files(app)
    before = stored_files(app)

    dry = purge(engine, store, Retention(30, None), dry_run=True)
    assert (dry.unsubmitted, dry.submitted, dry.orphans, dry.dry_run) == (1, 0, 0, True)
    assert dry.bytes == WITH_ERRORS.stat().st_size and stored_files(app) == before  # nothing removed

    done = purge(engine, store, Retention(30, None))
    assert (done.unsubmitted, done.submitted, done.orphans) == (1, 0, 0)
    assert not store.exists(tried_file) and len(stored_files(app)) == len(before) - 2  # the upload and its report
    assert count(engine, Validation) == 2 and count(engine, Submission) == 1
    body = assert_error_body(
        client.get(f"/api/v1/validations/{tried}", headers=auth(tokens.a)), 404, "validation-not-found"
    )
    assert "30日" in body["hint_ja"]
    for vid, token in ((handed_in, tokens.a), (recent, tokens.b)):  # handed in, or recent: kept
        assert (
            client.get(f"/api/v1/validations/{vid}", headers=auth(tokens.a if vid == handed_in else token)).status_code
            == 200
        )
    assert client.get(f"/api/v1/submissions/{sid}/file", headers=auth(tokens.hq)).status_code == 200
    again = purge(engine, store, Retention(30, None))
    assert (again.unsubmitted, again.submitted, again.orphans) == (0, 0, 0)


def test_purge_removes_submissions_once_headquarters_sets_a_period(app, client, engine, tokens):
    from validator.service.retention import Retention, purge

    store = app.extensions["kyosai"].store
    old = upload(client, tokens.a).get_json()["id"]
    old_sid = submit(client, tokens.a, old).get_json()["id"]
    new = upload(client, tokens.b).get_json()["id"]
    new_sid = submit(client, tokens.b, new).get_json()["id"]
    _age(engine, Submission, old_sid, 400)
    _age(engine, Validation, old, 400)
    assert purge(engine, store, Retention(30, None)).submitted == 0  # no period set: kept for good
    done = purge(engine, store, Retention(30, 365))
    assert (done.unsubmitted, done.submitted) == (0, 1) and done.bytes == VALID.stat().st_size
    listed = client.get("/api/v1/submissions", headers=auth(tokens.hq)).get_json()
    assert [s["id"] for s in listed["submissions"]] == [new_sid]
    assert count(engine, Validation) == 1 and len(stored_files(app)) == 1
    assert_error_body(client.get(f"/api/v1/submissions/{old_sid}", headers=auth(tokens.hq)), 404)
    # the agency may hand the same file in again: a new submission
    again = upload(client, tokens.a).get_json()["id"]
    assert submit(client, tokens.a, again).status_code == 201


def test_purge_removes_a_stored_file_without_a_row_after_a_day(app, client, engine, tokens):
    import os
    import time

    from validator.service.retention import Retention, purge

    store = app.extensions["kyosai"].store
    kept = upload(client, tokens.a).get_json()["id"]
    files = Path(app.instance_path) / "files"
    orphan, fresh, incoming = files / ("a" * 32 + ".xlsx"), files / ("b" * 32 + ".xlsx"), files / ".incoming-cc"
    # not named as the service names its files: someone else's, never touched
    foreign = [files / name for name in ("notes.txt", "c" * 32 + ".exe", "D" * 32 + ".csv", "e" * 31 + ".csv")]
    for path in (orphan, fresh, incoming, *foreign):
        path.write_bytes(b"x" * 10)
    day_ago = time.time() - 2 * 86400
    for path in (orphan, incoming, *foreign):
        os.utime(path, (day_ago, day_ago))
    done = purge(engine, store, Retention(None, None))
    assert (done.unsubmitted, done.orphans, done.bytes) == (0, 1, 10)
    assert not orphan.exists() and fresh.exists() and incoming.exists()  # (incoming: the start-up sweep's)
    assert all(path.exists() for path in foreign)
    assert client.get(f"/api/v1/validations/{kept}", headers=auth(tokens.a)).status_code == 200


def test_purge_keeps_a_validation_handed_in_while_it_runs(app, client, engine, tokens, monkeypatch):
    """A submission that slips in between the purge's look and its delete (PostgreSQL's foreign key
    refuses the batch): the batch is done again row by row, and the handed-in validation stays."""
    from validator.service import retention

    store = app.extensions["kyosai"].store
    ids = [upload(client, tokens.a, WITH_ERRORS).get_json()["id"] for _ in range(2)]
    ids.append(upload(client, tokens.a).get_json()["id"])
    for vid in ids:
        _age(engine, Validation, vid, 40)
    real = retention._delete_unsubmitted_rows

    def racing(engine_, batch):
        if len(batch) > 1:  # the submission arrives now; the batch's delete fails
            assert submit(client, tokens.a, ids[2]).status_code == 201
            from sqlalchemy.exc import IntegrityError

            raise IntegrityError("DELETE", {}, Exception("foreign key"))
        return real(engine_, batch)

    monkeypatch.setattr(retention, "_delete_unsubmitted_rows", racing)
    done = retention.purge(engine, store, retention.Retention(30, None))
    assert done.unsubmitted == 2 and count(engine, Validation) == 1 and count(engine, Submission) == 1
    assert client.get(f"/api/v1/validations/{ids[2]}", headers=auth(tokens.a)).status_code == 200


def test_purge_keeps_the_file_of_a_validation_handed_in_after_the_batch_was_chosen(
    app, client, engine, tokens, monkeypatch
):
    """The submission commits between the purge choosing its batch and deleting it: the DELETE skips
    that row, and only the files of the rows it deleted go (the handed-in file stays downloadable)."""
    from validator.service import retention

    store = app.extensions["kyosai"].store
    ids = [upload(client, tokens.a, WITH_ERRORS).get_json()["id"], upload(client, tokens.a).get_json()["id"]]
    for vid in ids:
        _age(engine, Validation, vid, 40)
    handed_in_file = _file_of(engine, ids[1]).as_posix()
    real, sids = retention._delete_unsubmitted_rows, []

    def handed_in_first(engine_, batch):
        assert sorted(batch) == sorted(ids)  # chosen while both were unsubmitted
        sids.append(submit(client, tokens.a, ids[1]).get_json()["id"])
        return real(engine_, batch)

    monkeypatch.setattr(retention, "_delete_unsubmitted_rows", handed_in_first)
    done = retention.purge(engine, store, retention.Retention(30, None))
    assert (done.unsubmitted, done.bytes) == (1, WITH_ERRORS.stat().st_size)
    assert store.exists(handed_in_file) and count(engine, Validation) == 1
    assert client.get(f"/api/v1/submissions/{sids[0]}/file", headers=auth(tokens.hq)).status_code == 200


def test_a_submission_purged_while_another_hands_the_same_file_in_is_made_anew(
    app, client, engine, tokens, monkeypatch
):
    """Two validations of one file: the loser of the unique race finds the winner's submission purged
    meanwhile; it tries once more and hands its own in (201), instead of a 500."""
    from sqlalchemy import delete

    from validator.service.db import write_session

    first, second = (upload(client, tokens.a).get_json()["id"] for _ in range(2))
    winner = submit(client, tokens.a, first).get_json()["id"]
    real, calls = service_api._find_submission, []

    def racing(session, agency_id, sha256):
        calls.append(1)
        if len(calls) == 1:  # the insert's look misses the winner (not yet committed)
            return None
        if len(calls) == 2:  # the purge removes the winner before the loser looks again
            with write_session(engine) as other:
                other.execute(delete(Submission).where(Submission.id == winner))
        return real(session, agency_id, sha256)

    monkeypatch.setattr(service_api, "_find_submission", racing)
    made = submit(client, tokens.a, second)
    assert made.status_code == 201 and made.get_json()["id"] != winner and len(calls) == 3
    assert count(engine, Submission) == 1


def test_handing_in_a_validation_purged_meanwhile_is_404_not_500(app, client, engine, tokens, monkeypatch):
    from sqlalchemy import delete

    from validator.service.db import write_session

    vid = upload(client, tokens.a).get_json()["id"]
    real = service_api._submit

    def purged_first(engine_, v):
        with write_session(engine_) as session:
            session.execute(delete(Validation).where(Validation.id == v.id))
        return real(engine_, v)

    monkeypatch.setattr(service_api, "_submit", purged_first)
    assert_error_body(submit(client, tokens.a, vid), 404, "validation-not-found")
    assert count(engine, Submission) == 0


def test_not_found_hints_name_both_retention_periods(tmp_path, database_url):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "kept"),
            "DATABASE_URL": database_url,
            "ISOLATED": False,
            "KEEP_UNSUBMITTED_DAYS": 30,
            "KEEP_SUBMITTED_DAYS": 400,
        }
    )
    try:
        engine = app.extensions["kyosai"].engine
        agency, hq = create_token(engine, "代理店A")[0], create_token(engine, "本部", is_hq=True)[0]
        client = app.test_client()
        body = assert_error_body(
            client.get("/api/v1/validations/" + "0" * 32, headers=auth(agency)), 404, "validation-not-found"
        )
        assert "30日" in body["hint_ja"] and "400日" in body["hint_ja"] and "400 days" in body["message_en"]
        body = assert_error_body(
            client.get("/api/v1/submissions/" + "0" * 32, headers=auth(hq)), 404, "submission-not-found"
        )
        assert "400日" in body["hint_ja"] and "400 days" in body["message_en"]
    finally:
        engine.dispose()


def test_a_bad_retention_setting_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match="KEEP_UNSUBMITTED_DAYS"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "KEEP_UNSUBMITTED_DAYS": "thirty"})


# ------------------------------------------------------------------------------------------ upload limit


@pytest.fixture
def limited(tmp_path, database_url):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "limited"),
            "AS_OF": AS_OF,
            "DATABASE_URL": database_url,
            "ISOLATED": False,
            "UPLOADS_PER_MINUTE": 3,
        }
    )
    yield app
    app.extensions["kyosai"].engine.dispose()


def test_an_agency_over_its_uploads_per_minute_gets_429_with_retry_after(limited, monkeypatch):
    from validator.service import throttle
    from validator.service.db import UploadCount

    engine = limited.extensions["kyosai"].engine
    a, b = create_token(engine, "代理店A")[0], create_token(engine, "代理店B")[0]
    client = limited.test_client()
    clock = [6_000_000 * 60 + 15.5]  # 15.5 s into a minute
    monkeypatch.setattr(throttle, "_now", lambda: clock[0])
    assert [upload(client, a, WITH_ERRORS).status_code for _ in range(3)] == [200, 200, 200]
    refused = upload(client, a)
    body = assert_error_body(refused, 429, "too-many-uploads")
    assert refused.headers["Retry-After"] == "45" and body["retry_after"] == 45
    assert "1分間に3件まで" in body["message_ja"] and "45秒" in body["hint_ja"]
    assert count(engine, Validation) == 3 and len(stored_files(limited)) == 3  # nothing kept of it
    assert upload(client, b).status_code == 200  # other agencies go on
    assert client.get("/api/v1/me", headers=auth(a)).status_code == 200  # only uploads count
    clock[0] += 45  # the next minute
    assert upload(client, a).status_code == 200
    assert count(engine, UploadCount) == 2  # one row per agency: the past minute's row went


def test_unreadable_uploads_count_too_and_zero_means_no_limit(limited, tmp_path, database_url, monkeypatch):
    from validator.service import throttle

    engine = limited.extensions["kyosai"].engine
    token = create_token(engine, "代理店A")[0]
    client = limited.test_client()
    monkeypatch.setattr(throttle, "_now", lambda: 6_000_000 * 60 + 1.0)  # all four in one minute
    codes = [upload(client, token, data=b"\x00" * 64, filename="x.xlsx").status_code for _ in range(4)]
    assert codes == [415, 415, 415, 429]  # refused as unreadable, still counted
    unlimited = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "free"),
            "AS_OF": AS_OF,
            "DATABASE_URL": database_url,
            "ISOLATED": False,
            "UPLOADS_PER_MINUTE": 0,
        }
    )
    try:
        other = create_token(unlimited.extensions["kyosai"].engine, "代理店Z")[0]
        free = unlimited.test_client()
        assert all(upload(free, other, WITH_ERRORS).status_code == 200 for _ in range(5))
    finally:
        unlimited.extensions["kyosai"].engine.dispose()


def test_retry_after_rounds_up_to_the_next_minute(limited, monkeypatch):
    from validator.service import throttle

    engine = limited.extensions["kyosai"].engine
    agency = create_token(engine, "代理店A")[1].agency_id
    monkeypatch.setattr(throttle, "_now", lambda: 6_000_000 * 60 + 59.2)  # 0.8 s before the minute ends
    assert [throttle.count_upload(engine, agency, 1) for _ in range(2)] == [None, 1]
    monkeypatch.setattr(throttle, "_now", lambda: 6_000_001 * 60 + 15.0)  # the next minute, 45 s left
    assert [throttle.count_upload(engine, agency, 1) for _ in range(2)] == [None, 45]


@pytest.mark.parametrize("value", ["many", "-1", "²", "３", "1.5", 1.5, True, [3]])
def test_a_bad_whole_number_setting_is_refused(value):
    from validator.service.config import whole_number_or_none

    with pytest.raises(RuntimeError, match="KYOSAI_X must be a whole number"):
        whole_number_or_none({"X": value}, "X")


@pytest.mark.parametrize(
    ("value", "number"),
    [(None, None), ("", None), (0, None), ("0", None), ("00", None), (" 30 ", 30), ("30", 30), (60, 60)],
)
def test_a_whole_number_setting_of_zero_or_empty_means_none(value, number):
    from validator.service.config import whole_number_or_none

    assert whole_number_or_none({"X": value}, "X") == number


def test_a_bad_upload_limit_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match="UPLOADS_PER_MINUTE"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "UPLOADS_PER_MINUTE": "many"})


# ------------------------------------------------------------------------------------------ files named by their format


def clean_csv(encoding: str = "cp932") -> bytes:
    """A clean sky-application batch as an agency's own system writes it: CSV, one record."""
    lines = io.StringIO()
    csv.writer(lines, lineterminator="\r\n").writerows([SKY_HEADERS, csv_text_row(1)])
    return lines.getvalue().encode(encoding)


def workbook_with(tmp_path, *, vba: bool = False, macro_sheet: bool = False, enabled_type: bool = False) -> bytes:
    """The clean sample as Excel would save it with a VBA project, an Excel 4.0 macro sheet and/or the
    macro-enabled content type (.xlsm)."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(VALID.read_bytes())

    def change(name, data):
        if name == "[Content_Types].xml":
            if enabled_type:
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            if vba:
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
        return data

    add = {}
    if vba:
        add["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    if macro_sheet:
        add["xl/macrosheets/sheet1.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet '
            b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/>'
        )
    rewrite_zip(path, change, add=add)
    return path.read_bytes()


@pytest.mark.parametrize(
    "data,uploaded,plain,rfc5987,content_type",
    [
        (
            VALID.read_bytes(),
            "clean.txt",
            "clean.xlsx",
            "clean.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (clean_csv(), "提出.html", "submission-*.csv", "%E6%8F%90%E5%87%BA.csv", "text/csv; charset=Windows-31J"),
        (clean_csv("utf-8-sig"), "batch", "batch.csv", "batch.csv", "text/csv; charset=utf-8"),
    ],
)
def test_the_original_file_is_named_by_the_format_found_in_its_bytes(
    client, tokens, data, uploaded, plain, rfc5987, content_type
):
    """An xlsx named clean.txt comes back as clean.xlsx, a CSV named 提出.html as 提出.csv: both names
    of the header carry the extension of what the file is, the Content-Type its one charset."""
    body = upload(client, tokens.a, filename=uploaded, data=data).get_json()
    assert body["valid"] is True and body["filename"] == uploaded  # shown back as the clerk typed it
    sid = submit(client, tokens.a, body["id"]).get_json()["id"]
    response = client.get(f"/api/v1/submissions/{sid}/file", headers=auth(tokens.hq))
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == content_type
    expected_plain = plain.replace("*", sid[:8])
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{expected_plain}\"; filename*=UTF-8''{rfc5987}"
    )


def test_a_workbook_with_macros_is_checked_flagged_and_refused_at_hand_in(app, client, engine, tokens, tmp_path):
    book = workbook_with(tmp_path, vba=True, enabled_type=True)
    body = upload(client, tokens.a, filename="申込.xlsx", data=book).get_json()
    assert body["valid"] is True and body["format"] == "xlsm" and body["macros"] is True
    assert stored_files(app) == [f"{body['id']}.xlsm"]
    refused = assert_error_body(submit(client, tokens.a, body["id"]), 422, "workbook-has-macros")
    assert "マクロ" in refused["message_ja"] and "Excel ブック (*.xlsx)" in refused["hint_ja"]
    assert refused["validation_id"] == body["id"] and "macros" in refused["message_en"]
    assert count(engine, Submission) == 0
    # the clerk saves it again as .xlsx (Excel drops the VBA project): checked and handed in
    again = upload(client, tokens.a, filename="申込.xlsx").get_json()
    assert again["macros"] is False and again["format"] == "xlsx"
    assert submit(client, tokens.a, again["id"]).status_code == 201


def test_headquarters_that_allows_macros_sees_them_flagged_and_gets_an_xlsm(tmp_path, database_url):
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "macros"),
            "DATABASE_URL": database_url,
            "AS_OF": AS_OF,
            "ISOLATED": False,
            "ALLOW_MACROS": True,
        }
    )
    try:
        engine, client = app.extensions["kyosai"].engine, app.test_client()
        agency, hq = create_token(engine, "代理店A")[0], create_token(engine, "本部", is_hq=True)[0]
        book = workbook_with(tmp_path, vba=True, enabled_type=True)
        with_code = submit(client, agency, upload(client, agency, filename="申込.xlsx", data=book).get_json()["id"])
        plain = submit(client, agency, upload(client, agency, VALID_2).get_json()["id"])
        assert with_code.status_code == plain.status_code == 201
        listing = client.get("/api/v1/submissions", headers=auth(hq)).get_json()["submissions"]
        assert {(s["filename"], s["format"], s["macros"]) for s in listing} == {
            ("申込.xlsx", "xlsm", True),
            (VALID_2.name, "xlsx", False),
        }
        response = client.get(with_code.get_json()["links"]["file"], headers=auth(hq))
        assert response.data == book
        assert response.headers["Content-Type"] == "application/vnd.ms-excel.sheet.macroEnabled.12"
        assert response.headers["Content-Disposition"].endswith("filename*=UTF-8''%E7%94%B3%E8%BE%BC.xlsm")
    finally:
        app.extensions["kyosai"].engine.dispose()


@pytest.mark.parametrize(
    "parts,fmt,macros",
    [
        ({}, "xlsx", False),
        ({"vba": True}, "xlsm", True),  # a VBA project makes it an .xlsm whatever its type says
        ({"macro_sheet": True}, "xlsx", True),  # Excel 4.0 macros: no VBA, still code
        ({"enabled_type": True}, "xlsm", False),  # saved as .xlsm, no code in it
    ],
)
def test_macros_are_told_by_the_parts_excel_runs_code_from(client, tokens, tmp_path, parts, fmt, macros):
    body = upload(client, tokens.a, filename="book.xlsx", data=workbook_with(tmp_path, **parts)).get_json()
    assert (body["format"], body["macros"]) == (fmt, macros)
    assert submit(client, tokens.a, body["id"]).status_code == (422 if macros else 201)


# ------------------------------------------------------------------------------------------ small leaks

JUNK_IDS = [
    "\x00" * 32,
    "0" * 31 + "\x00",
    "A" * 32,
    "０" * 32,
    "\ud800" * 32,
    "f" * 33,
    "../../etc/passwd",
    "' OR '1'='1",
    "x" * 100_000,
]


@pytest.mark.parametrize("junk", JUNK_IDS)
def test_an_id_that_is_not_one_is_404_before_any_query(client, tokens, junk):
    """A NUL byte, a lone surrogate or 100,000 characters never reach the database (PostgreSQL
    refuses a NUL in text: that was a 500): the usual 404 with its Japanese and English message."""
    # JSON's own escapes (\u0000, \ud800) as a client's library writes them
    response = client.post(
        "/api/v1/submissions",
        headers=auth(tokens.a),
        content_type="application/json",
        data=json.dumps({"validation_id": junk}),
    )
    body = assert_error_body(response, 404, "validation-not-found")
    assert "検査" in body["message_ja"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/validations/%00",
        "/api/v1/validations/" + "0" * 31 + "%00",
        "/api/v1/validations/" + "0" * 32 + "%00.html",
        "/api/v1/submissions/" + "%00" * 32,
        "/api/v1/submissions/" + "%00" * 32 + "/file",
    ],
)
def test_a_nul_byte_in_a_path_is_404(client, tokens, path):
    assert_error_body(client.get(path, headers=auth(tokens.hq)), 404)


def test_every_answer_is_no_store_with_one_charset(app, client, tokens):
    """The original-file download was ``no-cache``, the rest ``no-store``; the reports' Content-Type
    said ``charset=utf-8`` twice."""
    xlsx = submit(client, tokens.a, upload(client, tokens.a).get_json()["id"]).get_json()
    text = submit(client, tokens.a, upload(client, tokens.a, filename="a.csv", data=clean_csv()).get_json()["id"])
    vid = upload(client, tokens.a, WITH_ERRORS).get_json()["id"]
    hq = auth(tokens.hq)
    answers = {
        "page": client.get("/"),
        "script": client.get("/static/kyosai.js"),
        "health": client.get("/healthz"),
        "missing page": client.get("/nothing"),
        "no token": client.get("/api/v1/me"),
        "me": client.get("/api/v1/me", headers=hq),
        "validation": client.get(f"/api/v1/validations/{vid}", headers=hq),
        **{
            f"report {fmt}": client.get(f"/api/v1/validations/{vid}.{fmt}", headers=hq)
            for fmt in ("html", "csv", "xlsx", "json")
        },
        "list": client.get("/api/v1/submissions", headers=hq),
        "submission": client.get(xlsx["links"]["self"], headers=hq),
        "xlsx file": client.get(xlsx["links"]["file"], headers=hq),
        "csv file": client.get(text.get_json()["links"]["file"], headers=hq),
        "404": client.get("/api/v1/submissions/" + "0" * 32, headers=hq),
    }
    for name, response in answers.items():
        assert response.headers.get("Cache-Control") == "no-store", name
        assert response.headers["Content-Type"].lower().count("charset") <= 1, (name, response.headers["Content-Type"])
    assert answers["report html"].headers["Content-Type"] == "text/html; charset=utf-8"
    assert answers["report csv"].headers["Content-Type"] == "text/csv; charset=utf-8"


def test_an_expired_token_is_refused_saying_so(client, engine):
    from validator.service.db import utcnow

    old, _ = create_token(engine, "代理店C", expires_at=utcnow() - datetime.timedelta(minutes=1))
    fresh, _ = create_token(engine, "代理店C", expires_at=utcnow() + datetime.timedelta(days=1))
    response = client.get("/api/v1/me", headers=auth(old))
    body = assert_error_body(response, 401, "token-expired")
    assert "有効期限" in body["message_ja"] and "日本時間" in body["message_ja"] and "expired" in body["message_en"]
    assert "新しいトークン" in body["hint_ja"] and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/me", headers=auth(fresh)).status_code == 200


def test_a_tokens_last_use_is_recorded_at_most_once_a_minute(client, engine, monkeypatch):
    from validator.service import auth as service_auth

    token, row = create_token(engine, "代理店C")
    clock = [datetime.datetime(2026, 4, 1, 9, 0, 0)]
    monkeypatch.setattr(service_auth, "utcnow", lambda: clock[0])
    writes = []
    real = service_auth._record_use
    monkeypatch.setattr(service_auth, "_record_use", lambda *a: (writes.append(a[2]), real(*a)))

    def last_use():
        with read_session(engine) as session:
            return session.get(Token, row.id).last_used_at

    assert last_use() is None
    for seconds in (0, 30, 59, 61, 90):
        clock[0] = datetime.datetime(2026, 4, 1, 9, 0, 0) + datetime.timedelta(seconds=seconds)
        assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    assert writes == [datetime.datetime(2026, 4, 1, 9, 0, 0), datetime.datetime(2026, 4, 1, 9, 1, 1)]
    assert last_use() == datetime.datetime(2026, 4, 1, 9, 1, 1)


def test_a_database_too_busy_to_record_a_use_costs_the_record_not_the_request(client, engine, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from validator.service import auth as service_auth

    token, _ = create_token(engine, "代理店C")

    def busy(_engine):
        raise OperationalError("UPDATE tokens", {}, Exception("database is locked"))

    monkeypatch.setattr(service_auth, "write_session", busy)
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    assert "last use not recorded" in caplog.text
