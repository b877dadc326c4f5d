"""Uploaded files on disk (ファイルの保存): under generated ids, never under the uploaded name.

An upload is streamed to ``<instance>/files/.incoming-<id>`` (hashing and counting as it goes, and
stopping at the size limit), checked there, then fsynced and renamed to ``files/<id>.<format>`` (the
format found in its bytes: xlsx, xlsm or csv) — a rename
in one folder is atomic, so a file is either whole or absent. The caller deletes it again when its
database transaction fails (:meth:`FileStore.discard`), so nothing is half-written: a row always has
its file, and a file left without a row (the process killed between the rename and the commit) is
harmless until ``kyosai purge`` removes it (:mod:`.retention`). Leftover ``.incoming-*`` files older
than a day are removed when the service starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileStore", "Received", "StoredFile", "TooLarge"]

_CHUNK = 1024 * 1024
_INCOMING = ".incoming-"
_SUFFIXES = ("", ".xlsx", ".xlsm", ".csv")
# what keep() names a file: the service's id (uuid4 hex) and a suffix; nothing else in the folder is ours
_KEPT_NAME = re.compile(r"[0-9a-f]{32}(?:" + "|".join(re.escape(s) for s in _SUFFIXES if s) + ")?")


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
    final: Path | None = None        # where keep() put it


@dataclass(frozen=True)
class StoredFile:
    """A kept file: its path relative to the instance folder (as the database holds it), size, age."""

    relative: str
    size: int
    age_seconds: float


class FileStore:
    """The folder of stored files, ``<instance>/<files_dir>``."""

    def __init__(self, instance_path: str | os.PathLike, files_dir: str = "files"):
        self.instance = Path(instance_path).resolve()
        self.root = (self.instance / files_dir).resolve()
        if self.instance not in self.root.parents:
            raise ValueError("FILES_DIR must lie inside the instance folder")
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

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

    def keep(self, received: Received, suffix: str = "") -> str:
        """Make a received file permanent as ``<id><suffix>``; returns its path relative to the
        instance folder. The suffix is the format found in the bytes (``.xlsx``, ``.xlsm``, ``.csv``:
        the workbook library wants one), never anything from the uploaded name."""
        if suffix not in _SUFFIXES:
            raise ValueError("unexpected suffix")
        final = self.root / f"{received.id}{suffix}"
        with open(received.path, "rb+") as f:
            os.fsync(f.fileno())
        received.final = final
        os.replace(received.path, final)
        self._sync_folder()
        return final.relative_to(self.instance).as_posix()

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file; refuses anything outside the files folder."""
        path = (self.instance / relative).resolve()
        if path.parent != self.root:
            raise ValueError("not a stored file")
        return path

    def discard(self, relative_or_received) -> None:
        """Delete a stored (relative path) or received file; quiet when it is gone already."""
        if isinstance(relative_or_received, Received):
            relative_or_received.path.unlink(missing_ok=True)
            if relative_or_received.final is not None:
                relative_or_received.final.unlink(missing_ok=True)
        else:
            self.path(relative_or_received).unlink(missing_ok=True)

    def stored(self) -> list[StoredFile]:
        """The kept files, for the retention sweep: only files named as :meth:`keep` names them (not the
        uploads still arriving, nor anything else someone put in the folder)."""
        found, now = [], time.time()
        for path in self.root.iterdir():
            if not _KEPT_NAME.fullmatch(path.name) or not path.is_file():
                continue
            with contextlib.suppress(OSError):        # deleted meanwhile: not there
                stat = path.stat()
                found.append(StoredFile(path.relative_to(self.instance).as_posix(), stat.st_size,
                                        now - stat.st_mtime))
        return found

    def sweep(self, older_than_seconds: float = 86400) -> int:
        """Remove temporary files that an interrupted upload left behind."""
        removed, limit = 0, time.time() - older_than_seconds
        for path in self.root.glob(f"{_INCOMING}*"):
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
            with contextlib.suppress(OSError):   # not every file system syncs a folder
                os.fsync(fd)
        finally:
            os.close(fd)
