"""Stored files (ファイルの保存): uploads and their rendered reports, under generated names, never
under the uploaded name — in a folder of the host, or in the database so that any number of hosts
share them.

A stored file has a **name** relative to the instance folder: ``files/<validation id>.<format>`` for
an upload (the format found in its bytes: xlsx, xlsm or csv; the ``file_path`` of its validation) and
``files/<validation id>.report.<format>`` for a report made from it (:mod:`.reports`). Two stores
keep them, chosen by ``FILE_STORE`` (:func:`store_from`):

- :class:`FileStore` (``disk``; the default with SQLite): the files in ``<instance>/files``. One
  host only: another host cannot read them.
- :class:`DatabaseStore` (``database``; the default with PostgreSQL): the bytes in the
  ``stored_files`` table, each row belonging to its validation and deleted with it (``ON DELETE
  CASCADE``: retention removes a validation and its files in one statement). Every host behind a load
  balancer reads every upload and report; a host keeps nothing but files in passing.

Both receive an upload the same way: it is streamed to ``<instance>/files/.incoming-<id>`` (hashing
and counting as it goes, and stopping at the size limit) and checked there. It is then kept inside
the transaction that writes its validation (:meth:`keep`): the folder's store fsyncs and renames it
(a rename in one folder is atomic, so a file is either whole or absent; if the transaction then fails
the caller deletes it again, :meth:`discard`), the database's adds its bytes to the same transaction.
So nothing is half-written: a row always has its file. A file left without a row in the folder (the
process killed between the rename and the commit) is harmless until ``kyosai purge`` removes it
(:mod:`.retention`). Leftover ``.incoming-*`` and ``.staged-*`` files older than a day are removed
when the service starts.

Files an older version kept in the folder move into the database when the database store is first
used (:meth:`DatabaseStore.move_from_disk`, run by ``kyosai db upgrade`` and ``kyosai serve`` on the
host that holds them); until a file has moved, that host reads it from its folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sqlalchemy import exists, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .db import FileBlob, Validation, read_session, write_session

__all__ = [
    "FileStore",
    "DatabaseStore",
    "Received",
    "StoredFile",
    "TooLarge",
    "store_from",
    "upload_name",
    "report_name",
    "validation_of",
]

log = logging.getLogger("kyosai.service")

_CHUNK = 1024 * 1024
_INCOMING = ".incoming-"
_STAGED = ".staged-"  # a stored file copied out for a render, or a report being written
_FORMATS = ("xlsx", "xlsm", "csv")
_REPORT_FORMATS = ("html", "xlsx", "xlsm", "csv")
# what the service names a file: the validation's id (uuid4 hex), then the upload's or a report's
# suffix; nothing else in the folder is ours
_KEPT_NAME = re.compile(
    r"([0-9a-f]{32})(?:\.(?:" + "|".join(_FORMATS) + r")|\.report\.(?:" + "|".join(_REPORT_FORMATS) + "))?"
)


def upload_name(validation_id: str, fmt: str | None) -> str:
    """The name of an upload: ``files/<id>.<format>`` (the format found in its bytes).

    >>> upload_name("0" * 32, "csv")
    'files/00000000000000000000000000000000.csv'
    """
    if fmt not in (*_FORMATS, None, ""):
        raise ValueError("unexpected format")
    return f"files/{validation_id}" + (f".{fmt}" if fmt else "")


def report_name(validation_id: str, suffix: str) -> str:
    """The name of a report made from an upload: ``files/<id>.report.<html|xlsx|xlsm|csv>``."""
    if suffix.lstrip(".") not in _REPORT_FORMATS:
        raise ValueError("unexpected report format")
    return f"files/{validation_id}.report.{suffix.lstrip('.')}"


def validation_of(name: str) -> str | None:
    """The validation a stored file belongs to, by its name (None: not a name the service gives).

    >>> validation_of("files/" + "a" * 32 + ".report.html") == "a" * 32, validation_of("files/notes.txt")
    (True, None)
    """
    match = _KEPT_NAME.fullmatch(PurePosixPath(name).name)
    return match.group(1) if match else None


class TooLarge(Exception):
    """The upload is bigger than the limit (it was not kept)."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} > {limit}")
        self.size, self.limit = size, limit


@dataclass
class Received:
    """An upload written to its temporary place."""

    id: str
    path: Path
    sha256: str
    size: int
    final: Path | None = None  # where keep() put it


@dataclass(frozen=True)
class StoredFile:
    """A kept file: its name (relative to the instance folder, as the database holds it), size, age."""

    relative: str
    size: int
    age_seconds: float


class FileStore:
    """The stored files in a folder of this host, ``<instance>/<files_dir>`` (``FILE_STORE`` ``disk``).

    The folder is also where both stores receive uploads and stage files for a render."""

    kind = "disk"

    def __init__(self, instance_path: str | os.PathLike, files_dir: str = "files"):
        self.instance = Path(instance_path).resolve()
        self.root = (self.instance / files_dir).resolve()
        if self.instance not in self.root.parents:
            raise ValueError("FILES_DIR must lie inside the instance folder")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    # ---------------------------------------------------------------- receiving an upload (both stores)

    def receive(self, stream, file_id: str, max_bytes: int) -> Received:
        """Write ``stream`` to a temporary file named by ``file_id``; raises :class:`TooLarge`."""
        if not file_id.isalnum():
            raise ValueError("file ids are generated hex strings")
        path = self.root / f"{_INCOMING}{file_id}"
        digest, size = hashlib.sha256(), 0
        try:
            with open(path, "xb") as out:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(size, max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Received(file_id, path, digest.hexdigest(), size)

    def staging(self, suffix: str = "") -> Path:
        """A fresh path for a file in passing (a report being written, a stored file copied out):
        in the files folder, so that keeping it is a rename; removed at start when left over."""
        return self.root / f"{_STAGED}{uuid.uuid4().hex}{suffix}"

    def keep(self, received: Received, name: str, session=None) -> None:
        """Make a received file permanent under ``name`` (:func:`upload_name`), inside the
        transaction of ``session`` that writes its validation (here: fsync and rename; should the
        transaction fail, the caller deletes it with :meth:`discard`)."""
        final = self.path(name)
        with open(received.path, "rb+") as f:
            os.fsync(f.fileno())
        received.final = final
        os.replace(received.path, final)
        self._sync_folder()

    def discard(self, relative_or_received) -> None:
        """Delete a received file (and where :meth:`keep` put it), or a file in the folder by its
        name; quiet when it is gone already."""
        if isinstance(relative_or_received, Received):
            relative_or_received.path.unlink(missing_ok=True)
            if relative_or_received.final is not None:
                relative_or_received.final.unlink(missing_ok=True)
        else:
            self.path(relative_or_received).unlink(missing_ok=True)

    # ---------------------------------------------------------------- reading and adding

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file in the folder; refuses anything outside it."""
        path = (self.instance / relative).resolve()
        if path.parent != self.root:
            raise ValueError("not a stored file")
        return path

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def open(self, name: str) -> BinaryIO | None:
        """The stored file to read (the caller closes it), or None when it is missing."""
        try:
            return open(self.path(name), "rb")
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def local(self, name: str) -> Iterator[Path]:
        """A path on this host that holds the stored file while the block runs (for the reader);
        raises FileNotFoundError when it is missing."""
        path = self.path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        yield path

    def put(self, name: str, validation_id: str, staged: Path) -> bool:
        """Keep a report written to ``staged`` (:meth:`staging`) under ``name``; False when it could
        not be kept (its validation was removed meanwhile: the folder's file is then an orphan that
        the purge removes)."""
        with open(staged, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(staged, self.path(name))
        return True

    # ---------------------------------------------------------------- removing

    def remove(self, validation_id: str, name: str) -> None:
        """Delete a validation's files — its upload ``name`` and its reports — once its row is gone."""
        self.path(name).unlink(missing_ok=True)
        for path in self.root.glob(f"{validation_id}.report.*"):
            path.unlink(missing_ok=True)

    def stored(self) -> list[StoredFile]:
        """The kept files in the folder, for the retention sweep: only files named as the service
        names them (not the uploads still arriving, nor anything else someone put in the folder)."""
        found, now = [], time.time()
        for path in self.root.iterdir():
            if not _KEPT_NAME.fullmatch(path.name) or not path.is_file():
                continue
            with contextlib.suppress(OSError):  # deleted meanwhile: not there
                stat = path.stat()
                found.append(StoredFile(path.relative_to(self.instance).as_posix(), stat.st_size, now - stat.st_mtime))
        return found

    def sweep(self, older_than_seconds: float = 86400) -> int:
        """Remove temporary files that an interrupted upload or render left behind."""
        removed, limit = 0, time.time() - older_than_seconds
        for pattern in (f"{_INCOMING}*", f"{_STAGED}*"):
            for path in self.root.glob(pattern):
                with contextlib.suppress(OSError):  # another worker got there first
                    if path.stat().st_mtime < limit:
                        path.unlink()
                        removed += 1
        return removed

    def _sync_folder(self) -> None:
        try:
            fd = os.open(self.root, os.O_RDONLY)
        except OSError:  # pragma: no cover - not on every platform
            return
        try:
            with contextlib.suppress(OSError):  # not every file system syncs a folder
                os.fsync(fd)
        finally:
            os.close(fd)


class DatabaseStore(FileStore):
    """The stored files in the database's ``stored_files`` table (``FILE_STORE`` ``database``), so
    that every host reads every file. The folder only receives uploads and stages renders; a file an
    older version kept there is read from it until :meth:`move_from_disk` has moved it."""

    kind = "database"

    def __init__(self, engine: Engine, instance_path: str | os.PathLike, files_dir: str = "files"):
        super().__init__(instance_path, files_dir)
        self.engine = engine

    def keep(self, received: Received, name: str, session=None) -> None:
        """Add the received file's bytes to ``session``'s transaction, after its validation's row
        (flushed first: the row refers to it); the temporary file goes once that has committed."""
        if session is None:
            raise ValueError("the database store keeps a file inside the validation's transaction")
        self.path(name)  # a name of ours
        session.flush()
        session.add(FileBlob(name=name, validation_id=received.id, size=received.size, data=received.path.read_bytes()))
        session.flush()

    def _blob(self, name: str) -> bytes | None:
        with read_session(self.engine) as session:
            return session.scalar(select(FileBlob.data).where(FileBlob.name == name))

    def exists(self, name: str) -> bool:
        with read_session(self.engine) as session:
            if session.scalar(select(FileBlob.name).where(FileBlob.name == name)) is not None:
                return True
        return super().exists(name)  # not moved yet

    def open(self, name: str) -> BinaryIO | None:
        data = self._blob(name)
        return io.BytesIO(data) if data is not None else super().open(name)

    @contextlib.contextmanager
    def local(self, name: str) -> Iterator[Path]:
        data = self._blob(name)
        if data is None:  # not moved yet: this host's folder, if there
            with super().local(name) as path:
                yield path
            return
        staged = self.staging(PurePosixPath(name).suffix)  # the reader tells workbooks by their suffix
        try:
            with open(staged, "xb") as f:
                f.write(data)
            del data
            yield staged
        finally:
            staged.unlink(missing_ok=True)

    def put(self, name: str, validation_id: str, staged: Path) -> bool:
        self.path(name)
        try:
            with write_session(self.engine) as session:
                session.add(
                    FileBlob(
                        name=name, validation_id=validation_id, size=staged.stat().st_size, data=staged.read_bytes()
                    )
                )
        except IntegrityError:  # there already (rendered by another host), or its validation is gone
            return False
        finally:
            staged.unlink(missing_ok=True)
        return True

    def remove(self, validation_id: str, name: str) -> None:
        """The rows went with the validation's (``ON DELETE CASCADE``, and a report stored after
        that finds no validation to belong to); a copy not yet moved out of this host's folder goes too."""
        super().remove(validation_id, name)

    def move_from_disk(self) -> tuple[int, int]:
        """Move the uploads an older version kept in this host's folder into the database: for each
        validation whose file is not in the table, its bytes go in (one short transaction each) and
        then the file is deleted; reports left in the folder are deleted (they are made again when
        asked for). Returns (moved, missing): missing are files of validations found neither in the
        table nor here — another host holds them, or they were lost before (then run this there).
        Safe to run on several hosts and workers at once, and again after an interruption."""
        with read_session(self.engine) as session:
            pending = session.execute(
                select(Validation.id, Validation.file_path).where(
                    ~exists().where(FileBlob.name == Validation.file_path)
                )
            ).all()
        moved = missing = 0
        for vid, name in pending:
            try:
                path = self.path(name)
            except ValueError:
                missing += 1
                continue
            if not path.is_file():
                missing += 1
                continue
            # IntegrityError: another worker or host moved it first
            with contextlib.suppress(IntegrityError), write_session(self.engine) as session:
                if session.get(Validation, vid) is not None:  # not purged meanwhile
                    session.add(
                        FileBlob(name=name, validation_id=vid, size=path.stat().st_size, data=path.read_bytes())
                    )
            path.unlink(missing_ok=True)
            moved += 1
        for path in self.root.iterdir():  # files already in the table (an interrupted move), reports
            name = path.relative_to(self.instance).as_posix()
            if validation_of(name) and ".report." in path.name:
                path.unlink(missing_ok=True)
            elif validation_of(name) and path.is_file():
                with read_session(self.engine) as session:
                    if session.scalar(select(FileBlob.name).where(FileBlob.name == name)) is not None:
                        path.unlink(missing_ok=True)
        if moved or missing:
            log.info("stored files moved into the database moved=%d missing=%d", moved, missing)
        return moved, missing


def store_from(config, engine: Engine, instance_path: str | os.PathLike) -> FileStore:
    """The store ``FILE_STORE`` names: ``disk`` or ``database``; empty: the database with PostgreSQL
    (several hosts may share it), the folder otherwise. A bad value stops the start-up."""
    kind = (config.get("FILE_STORE") or "").strip().lower() or (
        "database" if engine.dialect.name == "postgresql" else "disk"
    )
    files_dir = config.get("FILES_DIR") or "files"
    if kind == "disk":
        return FileStore(instance_path, files_dir)
    if kind == "database":
        return DatabaseStore(engine, instance_path, files_dir)
    raise RuntimeError(f"KYOSAI_FILE_STORE must be 'disk' or 'database', not {config.get('FILE_STORE')!r}")
