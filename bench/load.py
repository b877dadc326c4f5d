"""Load and durability of the validation service (issue 6): one command, bounded, loopback only.

    python bench/load.py [--db sqlite|postgres|both] [--phases abcd] [--before DIR] [--no-write]

For each database it starts ``kyosai serve`` (gunicorn, 2 workers) on a free 127.0.0.1 port with a
fresh instance folder — SQLite in it, or a throwaway PostgreSQL cluster from
``scripts/pg_test_server.sh`` (unix socket only) — creates several agency tokens, then:

a. **uploads**: 50 concurrent uploads of a 1,000-row ``sky-application`` batch (xlsx, written with
   ``tests/batchfiles.py``) → p50/p95/max latency and errors;
b. **submissions**: every agency uploads small distinct batches (some files uploaded twice by the same
   agency, some by two agencies), then 1,000 concurrent ``POST /submissions`` (each validation
   submitted many times on purpose) → in the database: one row per (agency, sha256), every
   acknowledged (201/200) id present, and all answers for a file carry the same id;
c. **a worker killed mid-upload**: uploads and submissions run while one gunicorn worker is sent
   SIGKILL → every id acknowledged with 200/201 is retrievable afterwards, its stored file exists,
   and the service keeps answering.

d. **renders** (issue 14): one agency asks for the annotated workbook of a 20,000-row validation —
   four requests for one report, then four reports at once — while another agency polls
   ``GET /api/v1/me`` every 0.1 s → its p50/p95/max (must stay under 1 s at p95), the renders'
   times and answers, a stored report read again, the workers' peak memory. ``--before DIR`` runs
   the same against another checkout first (the code before the change) for comparison.

It prints a results table and writes ``bench/LOAD.md`` (unless ``--no-write``; a run of some
phases rewrites only their part). Every request has a
timeout, every phase a fixed number of requests, the server is stopped at the end (also on errors).
Exit status 1 when a durability check fails.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import functools
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from batchfiles import AS_OF, rows_of, write_xlsx

HOST = "127.0.0.1"
WORKERS = 2
REQUEST_TIMEOUT = 180  # s, per request (the worker timeout is 180 s)
UPLOADS = 50  # (a)
UPLOAD_ROWS = 1000
SUBMISSIONS = 1000  # (b)
AGENCIES = 5
FILES_PER_AGENCY = 12  # distinct small batches per agency for (b)
KILL_UPLOADS = 30  # (c): uploads and submissions running while a worker is killed
KILL_SUBMISSIONS = 200
RENDER_ROWS = 20_000  # (d): annotated workbooks of this many rows
RENDERS = 4
POLL_INTERVAL = 0.1  # (d): another agency's GET /me, every 0.1 s
PG_SCRIPT = ROOT / "scripts" / "pg_test_server.sh"
OUT = ROOT / "bench" / "LOAD.md"


# ------------------------------------------------------------------------------------------ files


def batch(path: Path, rows: int, tag: str) -> Path:
    """A clean sky-application batch of ``rows`` records; ``tag`` makes its bytes (sha256) unique."""
    changes = []
    for i in range(rows):
        changes.append(
            dict(
                receipt_no=f"{tag}-{i + 1:05d}",
                name=f"山田 太郎{i}",
                name_kana="ヤマダ タロウ",
                birth_date=f"19{50 + i % 40}-04-{1 + i % 28:02d}",
                account_number=f"{i % 10_000_000:07d}",
            )
        )
    return write_xlsx(path, "sky-application", rows_of("sky-application", changes))


# ------------------------------------------------------------------------------------------ HTTP


def request(
    port: int,
    method: str,
    path: str,
    token: str | None = None,
    body: bytes | None = None,
    content_type: str | None = None,
) -> tuple[int, dict | None, float]:
    """One request on a new connection: (status, JSON body or None, seconds). Status 0: no answer
    (connection refused/reset/timeout)."""
    headers = {"Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if content_type:
        headers["Content-Type"] = content_type
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        try:
            parsed = (
                json.loads(data)
                if data and response.getheader("Content-Type", "").startswith("application/json")
                else None
            )
        except ValueError:
            parsed = None
        return response.status, parsed, time.perf_counter() - started
    except (OSError, http.client.HTTPException):
        return 0, None, time.perf_counter() - started
    finally:
        connection.close()


def multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(port: int, token: str, data: bytes, name: str = "batch.xlsx"):
    body, content_type = multipart(data, name)
    return request(port, "POST", "/api/v1/validations", token, body, content_type)


def submit(port: int, token: str, vid: str):
    return request(
        port, "POST", "/api/v1/submissions", token, json.dumps({"validation_id": vid}).encode(), "application/json"
    )


def run_all(jobs: list, threads: int) -> list:
    """Run callables at once (a barrier releases them together); results in order."""
    first = min(threads, len(jobs))
    barrier = threading.Barrier(first)

    def go(indexed):
        index, job = indexed
        if index < first:  # the first `threads` start together, the rest as threads free up
            with contextlib.suppress(threading.BrokenBarrierError):  # not all came: start anyway
                barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(go, enumerate(jobs)))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# ------------------------------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``kyosai serve`` on a loopback port with its own instance folder (and database)."""

    def __init__(self, db: str, folder: Path, root: Path = ROOT):
        self.db, self.folder, self.root = db, folder, root
        self.instance = folder / "instance"
        self.pg_dir: str | None = None
        self.url: str | None = None
        self.process: subprocess.Popen | None = None
        self.port = free_port()

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYOSAI_") or k == "KYOSAI_PARAMETERS"}
        env.update(
            KYOSAI_INSTANCE_PATH=str(self.instance),
            KYOSAI_AS_OF=AS_OF.isoformat(),
            KYOSAI_LOG_LEVEL="WARNING",
            KYOSAI_UPLOADS_PER_MINUTE="0",
        )  # the load is the point here; the limit has its own tests
        if self.url:
            env["KYOSAI_DATABASE_URL"] = self.url
        if self.root != ROOT:  # another checkout (--root): its own code
            env["PYTHONPATH"] = str(self.root)
        return env

    def start(self) -> None:
        if self.db == "postgres":
            self.pg_dir = tempfile.mkdtemp(prefix="kyosai-pg-")  # short: unix socket path
            result = subprocess.run(
                ["bash", str(PG_SCRIPT), "start", self.pg_dir], capture_output=True, text=True, timeout=180
            )
            if result.returncode != 0:
                raise RuntimeError(f"PostgreSQL did not start: {result.stderr.strip()[-1000:]}")
            self.url = result.stdout.strip().splitlines()[-1]
        self.log = open(self.folder / "server.log", "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "validator.cli",
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--workers",
                str(WORKERS),
            ],
            cwd=self.root,
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("kyosai serve exited: " + (self.folder / "server.log").read_text()[-2000:])
            if request(self.port, "GET", "/healthz")[0] == 200 and len(self.workers()) == WORKERS:
                return
            time.sleep(0.2)
        raise RuntimeError("kyosai serve did not answer within 60 s")

    def workers(self) -> list[int]:
        pid = self.process.pid  # `kyosai serve` execs gunicorn: the same pid is the master
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except FileNotFoundError:
            return []

    def engine(self):
        from validator.service.config import database_url
        from validator.service.db import make_engine

        return make_engine(database_url({"DATABASE_URL": self.url}, self.instance))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.pg_dir:
            subprocess.run(["bash", str(PG_SCRIPT), "stop", self.pg_dir], capture_output=True, timeout=120)


def make_tokens(server: Server) -> dict[str, str]:
    """Agency → token, made the way `kyosai token create` makes them (the same function)."""
    from validator.service.auth import create_token

    engine = server.engine()
    try:
        return {name: create_token(engine, name)[0] for name in [f"代理店{i + 1:02d}" for i in range(AGENCIES)]}
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------ phases


def phase_uploads(server: Server, tokens: dict[str, str], big: bytes) -> dict:
    names = list(tokens)
    jobs = [functools.partial(upload, server.port, tokens[names[i % len(names)]], big) for i in range(UPLOADS)]
    started = time.perf_counter()
    results = run_all(jobs, UPLOADS)
    wall = time.perf_counter() - started
    ok = [s for s, body, _ in results if s == 200 and body and body.get("records") != 0]
    latencies = [sec for s, _, sec in results if s == 200]
    valid = sum(1 for s, body, _ in results if s == 200 and body and body.get("valid"))
    return dict(
        requests=UPLOADS,
        ok=len(ok),
        errors=UPLOADS - len(ok),
        valid=valid,
        wall=wall,
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        max=max(latencies, default=0),
        statuses=dict(collections.Counter(s for s, _, _ in results)),
    )


def prepare_validations(server: Server, tokens: dict[str, str], folder: Path) -> list[tuple[str, str, str]]:
    """(agency, validation id, sha256) of small distinct clean batches per agency; each agency uploads
    two of its files twice (same sha256, two validations) and the first file is shared with the next
    agency (same sha256, another agency: two submissions)."""
    names = list(tokens)
    files: dict[str, list[bytes]] = {}
    for a, name in enumerate(names):
        files[name] = [
            batch(folder / f"s{a}-{k}.xlsx", 10, f"S{a:02d}{k:03d}").read_bytes() for k in range(FILES_PER_AGENCY)
        ]
    jobs = []
    for a, name in enumerate(names):
        mine = files[name] + files[name][:2] + [files[names[(a + 1) % len(names)]][0]]
        jobs += [(name, data) for data in mine]
    results = run_all([(lambda n=n, d=d: (n, upload(server.port, tokens[n], d))) for n, d in jobs], 32)
    out = []
    for name, (status, body, _) in results:
        if status != 200 or not body or not body.get("valid"):
            raise RuntimeError(f"preparing submissions: upload answered {status}: {str(body)[:300]}")
        out.append((name, body["id"], body["sha256"] if "sha256" in body else None))
    return out


def phase_submissions(server: Server, tokens: dict[str, str], validations: list) -> dict:
    rng = random.Random(6)
    picks = [validations[i % len(validations)] for i in range(SUBMISSIONS)]  # every one at least once
    rng.shuffle(picks)
    jobs = [(lambda n=n, v=v: (n, v, submit(server.port, tokens[n], v))) for n, v, _ in picks]
    started = time.perf_counter()
    results = run_all(jobs, SUBMISSIONS)
    wall = time.perf_counter() - started
    statuses = collections.Counter(r[2][0] for r in results)
    acknowledged = [(n, v, body["id"]) for n, v, (s, body, _) in results if s in (200, 201) and body]
    latencies = [sec for _, _, (s, _, sec) in results if s in (200, 201)]
    check = verify_submissions(server, acknowledged)
    return dict(
        requests=SUBMISSIONS,
        created=statuses.get(201, 0),
        repeated=statuses.get(200, 0),
        errors=SUBMISSIONS - len(acknowledged),
        wall=wall,
        p50=percentile(latencies, 0.5),
        p95=percentile(latencies, 0.95),
        statuses=dict(statuses),
        **check,
    )


def verify_submissions(server: Server, acknowledged: list[tuple[str, str, str]]) -> dict:
    """In the database: one row per (agency, sha256), every acknowledged id present, and every answer
    for the same (agency, file) carrying the same id."""
    from sqlalchemy import func, select

    from validator.service.db import Agency, Submission, Validation, read_session

    engine = server.engine()
    try:
        with read_session(engine) as session:
            rows = session.execute(
                select(Submission.id, Agency.name, Submission.sha256).join(Agency, Agency.id == Submission.agency_id)
            ).all()
            sha_of = dict(session.execute(select(Validation.id, Validation.sha256)).all())
            duplicates = session.execute(
                select(Submission.agency_id, Submission.sha256, func.count())
                .group_by(Submission.agency_id, Submission.sha256)
                .having(func.count() > 1)
            ).all()
    finally:
        engine.dispose()
    stored = {sid: (agency, sha) for sid, agency, sha in rows}
    missing = [sid for _, _, sid in acknowledged if sid not in stored]
    ids_per_file = collections.defaultdict(set)
    for agency, vid, sid in acknowledged:
        ids_per_file[(agency, sha_of[vid])].add(sid)
    split = {k: v for k, v in ids_per_file.items() if len(v) > 1}
    wrong = [sid for agency, vid, sid in acknowledged if sid in stored and stored[sid] != (agency, sha_of[vid])]
    return dict(
        acknowledged=len(acknowledged),
        distinct_files=len(ids_per_file),
        rows=len(rows),
        duplicate_rows=len(duplicates),
        missing=len(missing),
        split=len(split),
        wrong=len(wrong),
        exactly_once=not (missing or duplicates or split or wrong),
    )


def phase_kill(server: Server, tokens: dict[str, str], big: bytes, validations: list, folder: Path) -> dict:
    """Uploads (1,000 rows, each unique) and submissions of fresh validations run while one worker is
    killed with SIGKILL; then everything acknowledged must be there."""
    names = list(tokens)
    fresh = [batch(folder / f"k{i}.xlsx", 10, f"K{i:03d}").read_bytes() for i in range(20)]
    # fresh validations to submit during the kill (not yet submitted)
    pre = run_all(
        [
            (lambda i=i: (names[i % len(names)], upload(server.port, tokens[names[i % len(names)]], fresh[i])))
            for i in range(len(fresh))
        ],
        20,
    )
    to_submit = [(n, body["id"]) for n, (s, body, _) in pre if s == 200 and body]
    jobs = []
    for i in range(KILL_UPLOADS):
        jobs.append(
            (
                "upload",
                names[i % len(names)],
                functools.partial(upload, server.port, tokens[names[i % len(names)]], big),
            )
        )
    for i in range(KILL_SUBMISSIONS):
        n, vid = to_submit[i % len(to_submit)]
        jobs.append(("submit", n, lambda t=tokens[n], v=vid: submit(server.port, t, v)))
    random.Random(7).shuffle(jobs)
    before = server.workers()
    killed: list[int] = []

    mid_read: list[bool] = []

    def killer():
        """SIGKILL a worker while it is reading an upload: its forkserver has a reading child then
        (worker → forkserver → reading child). After 10 s without one: any worker."""
        time.sleep(1.0)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            # depth 2: worker → forkserver → reading child (the resource tracker is a direct child)
            busy = [w for w in server.workers() if any(children(c) for c in children(w))]
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])
                mid_read.append(True)
                return
            time.sleep(0.01)
        victim = server.workers()[0]
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        mid_read.append(False)

    k = threading.Thread(target=killer)
    k.start()
    started = time.perf_counter()
    results = run_all([(lambda kind=kind, n=n, f=f: (kind, n, f())) for kind, n, f in jobs], 100)
    wall = time.perf_counter() - started
    k.join()
    # the service keeps answering: a replacement worker, /healthz and a clean upload
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(server.workers()) != WORKERS or set(server.workers()) == set(before)):
        time.sleep(0.2)
    after = server.workers()
    health = [request(server.port, "GET", "/healthz")[0] for _ in range(10)]
    after_upload = upload(server.port, tokens[names[0]], fresh[0])[0]
    # everything acknowledged is retrievable, with its file
    acked_v = [(n, body["id"]) for kind, n, (s, body, _) in results if kind == "upload" and s == 200 and body]
    acked_s = [(n, body["id"]) for kind, n, (s, body, _) in results if kind == "submit" and s in (200, 201) and body]
    lost = []
    for n, vid in acked_v:
        if request(server.port, "GET", f"/api/v1/validations/{vid}", tokens[n])[0] != 200:
            lost.append(("validation", vid))
    for n, sid in set(acked_s):
        if request(server.port, "GET", f"/api/v1/submissions/{sid}", tokens[n])[0] != 200:
            lost.append(("submission", sid))
        elif request(server.port, "GET", f"/api/v1/submissions/{sid}/file", tokens[n])[0] != 200:
            lost.append(("submission file", sid))
    files_missing = stored_files_missing(server, [vid for _, vid in acked_v])
    statuses = collections.Counter((kind, s) for kind, _, (s, _, _) in results)
    orphans = orphan_files(server)
    unanswered = [round(sec, 1) for _, _, (s, _, sec) in results if s == 0]
    return dict(
        killed=killed,
        mid_read=bool(mid_read and mid_read[0]),
        workers_before=before,
        unanswered_after_s=unanswered,
        max_latency=max(sec for _, _, (_, _, sec) in results),
        workers_after=after,
        uploads_ok=len(acked_v),
        uploads_failed=KILL_UPLOADS - len(acked_v),
        submissions_ok=len(acked_s),
        submissions_failed=KILL_SUBMISSIONS - len(acked_s),
        statuses={f"{k}:{s}": c for (k, s), c in sorted(statuses.items())},
        wall=wall,
        lost=lost + [("file", v) for v in files_missing],
        health_ok=health.count(200),
        after_upload=after_upload,
        orphan_files=orphans["files_without_row"],
        incoming_left=orphans["incoming"],
    )


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def stored_files_missing(server: Server, vids: list[str]) -> list[str]:
    from sqlalchemy import select

    from validator.service.db import Validation, read_session
    from validator.service.storage import store_from

    engine = server.engine()
    try:
        with read_session(engine) as session:
            paths = (
                dict(session.execute(select(Validation.id, Validation.file_path).where(Validation.id.in_(vids))).all())
                if vids
                else {}
            )
        store = store_from({}, engine, server.instance)  # the folder (SQLite) or the database (PostgreSQL)
        return [v for v in vids if v not in paths or not store.exists(paths[v])]
    finally:
        engine.dispose()


def orphan_files(server: Server) -> dict:
    """Files without a row (a worker killed between the rename and the commit: harmless, documented)
    and .incoming- files (killed while receiving; swept after a day)."""
    from sqlalchemy import select

    from validator.service.db import Validation, read_session

    engine = server.engine()
    try:
        with read_session(engine) as session:
            known = {Path(p).name for p in session.scalars(select(Validation.file_path))}
    finally:
        engine.dispose()
    names = [p.name for p in (server.instance / "files").iterdir()]  # (the database's store: none but .incoming-)
    return dict(
        files_without_row=sum(1 for n in names if not n.startswith(".incoming-") and n not in known),
        incoming=sum(1 for n in names if n.startswith(".incoming-")),
    )


# ------------------------------------------------------------------------------------------ (d) renders


def get(port: int, path: str, token: str) -> tuple[int, int | None, int, float]:
    """A GET on a new connection: (status, Retry-After or None, body bytes, seconds); status 0: no answer."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}", "Connection": "close"})
        response = connection.getresponse()
        size = len(response.read())
        retry = response.getheader("Retry-After")
        return response.status, int(retry) if retry and retry.isdigit() else None, size, time.perf_counter() - started
    except (OSError, http.client.HTTPException):
        return 0, None, 0, time.perf_counter() - started
    finally:
        connection.close()


def fetch_report(port: int, path: str, token: str) -> dict:
    """A report as the page and a generated client get it: asked again after ``Retry-After`` while
    the service answers 429 or 503 (being made, too many at once), up to the request timeout."""
    started, statuses = time.perf_counter(), []
    while True:
        status, retry, size, _ = get(port, path, token)
        statuses.append(status)
        if status in (429, 503) and retry and time.perf_counter() - started + retry < REQUEST_TIMEOUT:
            time.sleep(retry)
            continue
        return dict(status=status, statuses=statuses, bytes=size, seconds=time.perf_counter() - started)


def poll_me(port: int, token: str, stop: threading.Event) -> list[tuple[int, float]]:
    """Another agency's page asking ``GET /me`` every POLL_INTERVAL until ``stop``: (status, seconds).
    Open loop: each request is sent on time whether or not the ones before have been answered, so
    a stall shows in every request it holds up, not as one slow sample."""
    futures = []
    with ThreadPoolExecutor(max_workers=256) as pool:
        while not stop.is_set():
            futures.append(pool.submit(get, port, "/api/v1/me", token))
            stop.wait(POLL_INTERVAL)
        return [(f.result()[0], f.result()[3]) for f in futures]


def renders_under_polling(server: Server, paths: list[str], renderer: str, poller: str) -> dict:
    """``paths`` fetched at once by one agency while another polls /me; the figures of both."""
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as polling:
        polled = polling.submit(poll_me, server.port, poller, stop)
        time.sleep(1)  # the poller's own baseline first
        started = time.perf_counter()
        results = run_all([(lambda p=p: fetch_report(server.port, p, renderer)) for p in paths], len(paths))
        wall = time.perf_counter() - started
        time.sleep(1)
        stop.set()
        me = polled.result()
    latencies = [sec for status, sec in me if status == 200]
    peaks = worker_peaks(server)
    return dict(
        renders=len(paths),
        ok=sum(r["status"] == 200 for r in results),
        wall=wall,
        render_seconds=[round(r["seconds"], 1) for r in results],
        statuses=dict(collections.Counter(st for r in results for st in r["statuses"])),
        me_requests=len(me),
        me_errors=len(me) - len(latencies),
        me_p50=percentile(latencies, 0.5),
        me_p95=percentile(latencies, 0.95),
        me_max=max(latencies, default=float("nan")),
        worker_peak_mib=round(max(peaks.values(), default=0) / 2**20),
    )


def worker_peaks(server: Server) -> dict[int, int]:
    """The gunicorn workers' peak resident memory (VmHWM, bytes)."""
    out = {}
    for pid in server.workers():
        with contextlib.suppress(OSError, StopIteration):
            status = Path(f"/proc/{pid}/status").read_text()
            out[pid] = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) * 1024
    return out


def phase_renders(server: Server, tokens: dict[str, str], folder: Path) -> dict:
    """(d) One agency asks for annotated workbooks of a 20,000-row validation — four requests for the
    same one, then one request each for four others — while another agency's page polls ``GET
    /me``; then the first workbook once more (stored: a read)."""
    names = list(tokens)
    renderer, poller = tokens[names[0]], tokens[names[1]]
    data = batch(folder / "render.xlsx", RENDER_ROWS, "R").read_bytes()
    vids = []
    for _ in range(1 + RENDERS):  # the same bytes, uploaded as five validations
        status, body, _ = upload(server.port, renderer, data, "render.xlsx")
        if status != 200 or not body:
            raise RuntimeError(f"(d) upload answered {status}: {str(body)[:300]}")
        vids.append(body["id"])
    baseline = worker_peaks(server)
    same = renders_under_polling(server, [f"/api/v1/validations/{vids[0]}.xlsx"] * RENDERS, renderer, poller)
    print(f"[{server.db}] (d) same report ×{RENDERS}: {same}", flush=True)
    distinct = renders_under_polling(server, [f"/api/v1/validations/{v}.xlsx" for v in vids[1:]], renderer, poller)
    print(f"[{server.db}] (d) {RENDERS} reports: {distinct}", flush=True)
    again = [get(server.port, f"/api/v1/validations/{vids[0]}.xlsx", renderer) for _ in range(3)]
    return dict(
        rows=RENDER_ROWS,
        bytes=len(data),
        same=same,
        distinct=distinct,
        again_status=[a[0] for a in again],
        again_seconds=min(a[3] for a in again),
        again_bytes=again[0][2],
        baseline_peak_mib=round(max(baseline.values(), default=0) / 2**20),
    )


def renders_ok(d: dict) -> bool:
    return (
        all(
            part["ok"] == RENDERS and part["me_errors"] == 0 and part["me_p95"] < 1.0
            for part in (d["same"], d["distinct"])
        )
        and d["again_status"] == [200] * 3
    )


def renders_table(results: list[dict]) -> str:
    def row(label, fn):
        return f"| {label} | " + " | ".join(fn(r) for r in results) + " |"

    def part(r, key):
        return r["d"][key]

    head = "| | " + " | ".join(r["label"] for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    for key, label in (("same", f"{RENDERS} requests for one report"), ("distinct", f"{RENDERS} reports at once")):
        lines += [
            row(
                f"{label}: another agency's `GET /me` p50 / p95 / max",
                lambda r, k=key: (
                    f"{part(r, k)['me_p50']:.3f} s / **{part(r, k)['me_p95']:.3f} s** / {part(r, k)['me_max']:.2f} s"
                ),
            ),
            row(
                f"{label}: `/me` answered · errors",
                lambda r, k=key: f"{part(r, k)['me_requests']} · {part(r, k)['me_errors']}",
            ),
            row(
                f"{label}: workbooks delivered · wall time · each client's time",
                lambda r, k=key: (
                    f"{part(r, k)['ok']}/{RENDERS} · {part(r, k)['wall']:.1f} s · "
                    + ", ".join(f"{x:.1f}" for x in part(r, k)["render_seconds"])
                    + " s"
                ),
            ),
            row(
                f"{label}: answers seen (retried after `Retry-After`)",
                lambda r, k=key: ", ".join(f"{st}×{n}" for st, n in sorted(part(r, k)["statuses"].items())),
            ),
        ]
    lines += [
        row(
            "the first workbook again (stored): time · bytes",
            lambda r: f"{r['d']['again_seconds']:.3f} s · {r['d']['again_bytes']:,}",
        ),
        row(
            "workers' peak resident memory: before → after (MiB)",
            lambda r: (
                f"{r['d']['baseline_peak_mib']} → "
                f"{max(r['d']['same']['worker_peak_mib'], r['d']['distinct']['worker_peak_mib'])}"
            ),
        ),
        row("`/me` p95 under 1 s, every workbook delivered", lambda r: "pass" if renders_ok(r["d"]) else "**FAIL**"),
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------ run


def run(db: str, phases: str = "abcd", root: Path = ROOT) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"kyosai-load-{db}-"))
    server = Server(db, folder, root)
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[db] + ("" if root == ROOT else f" ({root.name})")
    result = dict(db=db, label=label, load=os.getloadavg()[0])
    try:
        big = batch(folder / "big.xlsx", UPLOAD_ROWS, "L").read_bytes()
        result["big_bytes"] = len(big)
        server.start()
        tokens = make_tokens(server)
        print(f"[{db}] serving on {HOST}:{server.port}, workers {server.workers()}", flush=True)
        if "a" in phases:
            result["a"] = phase_uploads(server, tokens, big)
            print(f"[{db}] (a) {result['a']}", flush=True)
        if "b" in phases or "c" in phases:
            validations = prepare_validations(server, tokens, folder)
        if "b" in phases:
            result["b"] = phase_submissions(server, tokens, validations)
            print(f"[{db}] (b) {result['b']}", flush=True)
        if "c" in phases:
            result["c"] = phase_kill(server, tokens, big, validations, folder)
            print(f"[{db}] (c) {result['c']}", flush=True)
        if "d" in phases:
            result["d"] = phase_renders(server, tokens, folder)
        return result
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    mem = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem / 2**20:.1f} GiB memory, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def ok(result: dict) -> bool:
    a, b, c, d = (result.get(k) for k in "abcd")
    return (
        (a is None or a["errors"] == 0)
        and (b is None or (b["exactly_once"] and b["errors"] == 0))
        and (
            c is None
            or (
                not c["lost"]
                and c["health_ok"] == 10
                and c["after_upload"] == 200
                and len(c["workers_after"]) == WORKERS
            )
        )
        and (d is None or renders_ok(d))
    )


def table(results: list[dict]) -> str:
    def row(label, fn):
        return f"| {label} | " + " | ".join(fn(r) for r in results) + " |"

    head = "| | " + " | ".join(r["label"] for r in results) + " |"
    lines = [
        head,
        "|---|" + "---|" * len(results),
        row(
            f"(a) {UPLOADS} concurrent uploads of {UPLOAD_ROWS:,} rows: p50 / p95 / max",
            lambda r: f"{r['a']['p50']:.2f} s / {r['a']['p95']:.2f} s / {r['a']['max']:.2f} s",
        ),
        row(
            "(a) errors · wall time · throughput",
            lambda r: (
                f"{r['a']['errors']} of {r['a']['requests']} · {r['a']['wall']:.1f} s · "
                f"{r['a']['ok'] * UPLOAD_ROWS / r['a']['wall']:,.0f} rows/s"
            ),
        ),
        row(
            f"(b) {SUBMISSIONS:,} concurrent submissions: 201 / 200 / errors",
            lambda r: f"{r['b']['created']} / {r['b']['repeated']} / {r['b']['errors']}",
        ),
        row(
            "(b) p50 / p95 · wall time",
            lambda r: f"{r['b']['p50']:.2f} s / {r['b']['p95']:.2f} s · {r['b']['wall']:.1f} s",
        ),
        row(
            "(b) distinct (agency, file) · rows stored · duplicate rows · acknowledged ids missing",
            lambda r: (
                f"{r['b']['distinct_files']} · {r['b']['rows']} · {r['b']['duplicate_rows']} · {r['b']['missing']}"
            ),
        ),
        row(
            "(b) every acknowledged submission stored exactly once",
            lambda r: "yes" if r["b"]["exactly_once"] else "**NO**",
        ),
        row(
            f"(c) worker SIGKILLed mid-load: uploads ok / not answered ({KILL_UPLOADS})",
            lambda r: f"{r['c']['uploads_ok']} / {r['c']['uploads_failed']}",
        ),
        row(
            f"(c) submissions ok / not answered ({KILL_SUBMISSIONS})",
            lambda r: f"{r['c']['submissions_ok']} / {r['c']['submissions_failed']}",
        ),
        row("(c) the worker was killed while reading an upload", lambda r: "yes" if r["c"]["mid_read"] else "no"),
        row("(c) acknowledged but lost (row or file)", lambda r: str(len(r["c"]["lost"]))),
        row(
            "(c) files without a row · .incoming- left (harmless)",
            lambda r: f"{r['c']['orphan_files']} · {r['c']['incoming_left']}",
        ),
        row(
            "(c) worker replaced · /healthz 10/10 · next upload",
            lambda r: (
                f"{'yes' if set(r['c']['workers_after']) != set(r['c']['workers_before']) else 'no'} · "
                f"{r['c']['health_ok']}/10 · {r['c']['after_upload']}"
            ),
        ),
        row("all checks", lambda r: "pass" if ok(r) else "**FAIL**"),
    ]
    return "\n".join(lines)


RENDERS_MARK = "<!-- (d) reports rendered while another agency works: bench/load.py --phases d -->"


def write_md(results: list[dict]) -> None:
    """LOAD.md: the (a)–(c) part and the (d) part, each rewritten when its phases ran (the other kept)."""
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    first, _, second = old.partition(RENDERS_MARK)
    if all(k in r for r in results for k in "abc"):
        first = abc_md(results, table(results)).rstrip() + "\n\n"
    if all("d" in r for r in results):
        second = renders_md(results, renders_table(results))
    OUT.write_text(first + RENDERS_MARK + "\n" + second.lstrip("\n"), encoding="utf-8")


def renders_md(results: list[dict], text: str) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    loads = "; ".join(f"{r['label']}: {r['load']:.1f}" for r in results)
    dbs = "both" if len({r["db"] for r in results}) > 1 else results[0]["db"]
    before = " --before DIR" if any("before" in r["label"] for r in results) else ""
    return f"""## Reports rendered while another agency works (issue 14)

`python bench/load.py --phases d --db {dbs}{before}` — {now}, on {machine()}.

`kyosai serve` as above ({WORKERS} workers: "before" sync ones, "after" threaded, 8 threads each).
One agency uploads a clean {RENDER_ROWS:,}-row `sky-application` batch
(xlsx, {results[-1]["d"]["bytes"] / 2**20:.1f} MB) five times, then asks for annotated workbooks (`.xlsx`):
**four requests for the same one** released together, then **one request each for the four others**
released together — each client asking again after `Retry-After` when told to (429, 503), as the page
does. Meanwhile another agency's page asks `GET /api/v1/me` every {POLL_INTERVAL} s (a new connection each);
its latencies are the figure that matters: under 1 s at p95. Then the
first workbook once more.

The poller sends a request every {POLL_INTERVAL} s whether or not the earlier ones were answered (an open loop):
a worker held by a render shows in every request it holds up, not as one slow sample.

{text}

Load average at the start: {loads}. "Before" is the service as it was (`git archive` of the commit
before this change, served with `--before DIR`): sync workers checking the file again and rendering
in the worker itself, every time; "after" renders the stored report with the file once, in a capped
child (`validator/service/reports.py`), while gunicorn's threaded workers go on answering, stores
it, and bounds what one agency (2 at once: 429 `too-many-renders`) and one host (its CPUs: 503
`server-busy`) render, the same report only once at a time (429 `report-in-progress`). The
workers' memory no longer grows with a render: the child's does, within `RENDER_MEMORY_MB`. The
agency's own four workbooks take about as long as before: two are made at a time, and the others
ask again every `Retry-After` (5 s) — the price of the other agencies' answers; a render's own time
varies with the machine's load (above).
"""


def abc_md(results: list[dict], text: str) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    details = "\n".join(
        f"- {r['db']}: load average {r['load']:.1f} at the start; (a) statuses {r['a']['statuses']}; "
        f"(b) statuses {r['b']['statuses']}; "
        f"(c) statuses {r['c']['statuses']}, killed worker {r['c']['killed']}, workers "
        f"{r['c']['workers_before']} → {r['c']['workers_after']}"
        for r in results
    )
    return f"""# Load and durability of the validation service (issue 6)

`python bench/load.py --db both` — {now}, on {machine()}.

`kyosai serve` (gunicorn, {WORKERS} workers, the isolated reader on) on a free 127.0.0.1 port with a fresh
instance folder; SQLite in it (WAL, `synchronous=FULL`), or a throwaway PostgreSQL cluster from
`scripts/pg_test_server.sh` (unix socket; that script runs the server with `fsync=off`, which matters only
for a crash of the *database server*, not tested here). {AGENCIES} agencies with a token each.

- **(a)** {UPLOADS} uploads of one {UPLOAD_ROWS:,}-row `sky-application` batch (xlsx written with
  `tests/batchfiles.py`, {results[0]["big_bytes"] / 1024:.0f} KB, clean) released together: the latency is
  the client's, queueing behind 2 workers included.
- **(b)** {AGENCIES} × {FILES_PER_AGENCY} distinct small batches, plus 2 uploaded twice by the same agency and
  one shared with another agency; then {SUBMISSIONS:,} `POST /submissions` released together on 1,000 threads, every
  validation many times. Checked in the database: one row per (agency, sha256), every acknowledged id
  stored, every answer for the same (agency, file) the same id.
- **(c)** {KILL_UPLOADS} uploads of the 1,000-row batch and {KILL_SUBMISSIONS} submissions on 100 threads; 1 s in,
  one worker gets SIGKILL *while it is reading an upload* (a reading child is alive under its
  forkserver). Requests that worker held get no answer (not acknowledged); everything
  acknowledged (200/201) must be readable afterwards through the API with its stored file.

{text}

{details}

The client threads, the server and (for PostgreSQL) the database share the {os.cpu_count()} CPUs, and other
work on the machine shows in the load average above: on this 2-CPU machine (a) and (b) vary several-fold from run
to run (on a busy 2026-11-23, runs measured 5.0–25.8 s wall for SQLite's (a), 3.6–11.7 s for
PostgreSQL's and 2.7–12.9 s for (b); on a quiet 2026-12-04, 2.2 s each), so the SQLite/PostgreSQL
difference in one run is noise. Reading the
1,000-row file (in the isolated child) dominates (a), not the database: roughly 0.15–0.5 s of one CPU per
upload, 2 at a time, so the 50 uploads queue and p95 ≈ the wall time. The durability checks do not depend on speed.

Requests "not answered" in (c) are the ones the killed worker was holding or had accepted: the client
saw the connection close and nothing was acknowledged, so nothing is owed. Files without a row are a
worker killed between the file's rename and the commit — harmless, as `validator/service/storage.py`
says; `.incoming-` files are swept after a day.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--phases", default="abcd", help="which of (a) (b) (c) (d) to run, e.g. d")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="also serve this checkout (e.g. `git archive HEAD | tar -x -C DIR`) first, for a before/after comparison",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write bench/LOAD.md")
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        if args.before:
            results.append(run(db, args.phases, args.before.resolve()))
            results[-1]["label"] = results[-1]["label"].split(" (")[0] + ", before"
        results.append(run(db, args.phases))
        if args.before:
            results[-1]["label"] += ", after"
    if all(k in r for r in results for k in "abc"):
        print(table(results))
    if all("d" in r for r in results):
        print(renders_table(results))
    if not args.no_write:
        write_md(results)
        print(f"written: {OUT.relative_to(ROOT)}")
    # the comparison's "before" is there to show the problem: only the code under test must pass
    return 0 if all(ok(r) for r in results if "before" not in r["label"]) else 1


if __name__ == "__main__":
    sys.exit(main())
