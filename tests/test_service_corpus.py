"""The bad-input corpus (issue 6) through the service's HTTP API.

Every case of ``tests/corpus`` is uploaded to ``POST /api/v1/validations`` of an app that reads in
the isolated, memory-capped child (as in production) with the production limits:

- an unreadable file answers its 4xx (400/413/415) with the case's finding code and a Japanese
  ``message_ja``, and **nothing is stored** (no ``validations`` row, no file under ``files/``);
- a readable file answers 200 with exactly the case's findings (row, column, code) and its verdict;
- after each case the next request — a clean upload — answers 200 normally;
- memory: the gunicorn workers' peak (``VmHWM``) stays under 1 GB; the reading child's own peak is
  measured inside the child for every case in tests/test_corpus.py (a forkserver child is never
  waited for by this process, so ``RUSAGE_CHILDREN`` here would always read 0).

Then the hostile cases once more against a real ``kyosai serve`` (gunicorn, 2 workers): the same
statuses, the same two worker processes before and after (no worker lost or restarted), their peak
memory under 1 GB, a clean upload answered after each, nothing stored for any of them.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

import corpus
from test_service import assert_error_body, auth, count
from test_service_cli import _multipart, free_port, start_server, stop_server
from validator.service import create_app
from validator.service.auth import create_token
from validator.service.db import Submission, Validation

CLEAN = corpus.FILES / "valid.xlsx"  # the "next request": a clean batch of the corpus


def _japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Where the cases too big for git are built (once for the module)."""
    return tmp_path_factory.mktemp("corpus-built")


def path_of(case: dict, built: Path) -> Path:
    return corpus.materialize(case, corpus.FILES if case["committed"] else built)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One app for the module (state carries over from case to case, as in a real service): the
    production limits and the isolated reader, the corpus' as-of day, SQLite. One agency sends the
    whole corpus within seconds: no upload limit (it has its own tests in test_service.py)."""
    instance = tmp_path_factory.mktemp("service") / "instance"
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "AS_OF": corpus.AS_OF,
            "ISOLATED": True,
            "UPLOADS_PER_MINUTE": 0,
        }
    )
    engine = app.extensions["kyosai"].engine
    token = create_token(engine, "代理店A")[0]
    yield SimpleNamespace(
        app=app, engine=engine, token=token, client=app.test_client(), files=Path(app.instance_path) / "files"
    )
    engine.dispose()


def _upload(client, token, path: Path, name: str):
    with open(path, "rb") as handle:
        return client.post(
            "/api/v1/validations",
            headers=auth(token),
            data={"file": (handle, name)},
            content_type="multipart/form-data",
        )


def _snapshot(svc) -> tuple[int, list[str]]:
    return count(svc.engine, Validation), sorted(p.name for p in svc.files.iterdir())


def _next_request_is_normal(svc) -> None:
    response = _upload(svc.client, svc.token, CLEAN, "valid.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["valid"] is True


@pytest.mark.parametrize("case", corpus.params(readable=False))
def test_an_unreadable_case_is_refused_and_nothing_is_stored(case, built, service):
    path = path_of(case, built)
    before = _snapshot(service)
    response = _upload(service.client, service.token, path, case["file"])
    body = assert_error_body(response, case["http_status"], case["code"])
    assert 400 <= response.status_code < 500
    assert _japanese(body["message_ja"]) and case["message_ja"] in body["message_ja"], body["message_ja"]
    assert body["finding"]["code"] == case["code"]
    assert _snapshot(service) == before  # no row, no file (no .incoming- left either)
    _next_request_is_normal(service)


@pytest.mark.parametrize("case", corpus.params(readable=True, aspect="findings"))
def test_a_readable_case_is_checked_and_stored(case, built, service):
    path = path_of(case, built)
    rows_before, files_before = _snapshot(service)
    response = _upload(service.client, service.token, path, case["file"])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["valid"] is case["valid"]
    assert [[f["row"], f["column"], f["code"]] for f in body["report"]["findings"]] == case["findings"]
    rows_after, files_after = _snapshot(service)
    assert rows_after == rows_before + 1
    (new,) = set(files_after) - set(files_before)
    assert new.startswith(body["id"]) and not new.startswith(".incoming-")
    # A clean case can be handed in; one with errors cannot (422), nor a workbook with macros
    # (422 workbook-has-macros: docs/service.md "Macros").
    handed_in = service.client.post(
        "/api/v1/submissions", headers=auth(service.token), json={"validation_id": body["id"]}
    )
    if body["macros"]:
        assert (handed_in.status_code, handed_in.get_json()["code"]) == (422, "workbook-has-macros")
    else:
        assert handed_in.status_code in ((201, 200) if case["valid"] else (422,))
    _next_request_is_normal(service)


def test_submissions_were_stored_once_per_file_and_only_clean_ones(service):
    """The clean cases handed in above: one row per (agency, file), each of a valid validation."""
    from sqlalchemy import func, select

    from validator.service.db import read_session

    with read_session(service.engine) as session:
        per_file = (
            session.execute(
                select(func.count()).select_from(Submission).group_by(Submission.agency_id, Submission.sha256)
            )
            .scalars()
            .all()
        )
        verdicts = session.scalars(
            select(Validation.valid).join(Submission, Submission.validation_id == Validation.id)
        ).all()
    assert set(per_file) <= {1} and all(verdicts)
    assert len(per_file) <= len([c for c in corpus.cases(readable=True) if c["valid"]])


# ------------------------------------------------------------------------------ under gunicorn (2 workers)


def _workers(master_pid: int) -> dict[int, int]:
    """The master's worker processes: pid → peak resident memory (VmHWM, bytes)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    out = {}
    for pid in map(int, children):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:  # pragma: no cover - gone between the two reads
            continue
        hwm = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        out[pid] = int(hwm.split()[1]) * 1024
    return out


def _post(port: int, token: str, path: Path, name: str) -> tuple[int, dict]:
    body, content_type = _multipart(path, name)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/validations",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_hostile_cases_under_gunicorn_lose_no_worker(built, tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    engine = app.extensions["kyosai"].engine
    token = create_token(engine, "代理店A")[0]
    port = free_port()
    process = start_server(instance, port, tmp_path / "server.log", workers=2, UPLOADS_PER_MINUTE=0)
    try:
        workers = _workers(process.pid)
        assert len(workers) == 2
        files = instance / "files"
        for case in corpus.cases(readable=False):
            status, body = _post(port, token, path_of(case, built), case["file"])
            assert (status, body.get("code")) == (case["http_status"], case["code"]), case["file"]
            assert _japanese(body["message_ja"])
            # the next request is answered normally (2 of them: both workers get a turn, usually)
            for _ in range(2):
                status, body = _post(port, token, CLEAN, "valid.xlsx")
                assert status == 200 and body["id"], (case["file"], status, body)
            assert set(_workers(process.pid)) == set(workers), f"a worker was lost after {case['file']}"
        clean_uploads = 2 * len(corpus.cases(readable=False))
        assert count(engine, Validation) == clean_uploads
        assert len([p for p in files.iterdir()]) == clean_uploads  # only the clean uploads' files
        peaks = _workers(process.pid)
        assert set(peaks) == set(workers)
        assert max(peaks.values()) < corpus.GIB, {pid: f"{b / 2**20:.0f} MiB" for pid, b in peaks.items()}
    finally:
        stop_server(process)
        engine.dispose()
    log = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "WORKER TIMEOUT" not in log and "SIGKILL" not in log
    assert log.count("Booting worker") == 2  # never a replacement worker
