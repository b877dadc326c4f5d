"""A file that cannot be read at all (:class:`ReadFailure`), and the helpers that say why.

Every refusal carries one file-level finding of the catalogue (:mod:`validator.findings`), Japanese
first; :func:`guarded` turns whatever a broken file makes a parser raise into such a refusal. What a
service answers with (the HTTP status) is the service's business: :mod:`validator.service.errors`.
"""

from __future__ import annotations

import contextlib
import gc

from ..findings import Finding, make
from ..report import Source

__all__ = ["ReadFailure", "fail", "fail_detail", "unreadable", "guarded", "megabytes"]


class ReadFailure(Exception):
    """The file cannot be read at all; carries one file-level :class:`Finding` (the CLI exits 2; the
    service answers 4xx by the finding's code, :data:`validator.service.errors.READ_FAILURE_STATUS`).

    ``source`` says what was learnt of the file before it failed (name, size, sha256, format).
    """

    def __init__(self, finding: Finding, source: Source | None = None):
        super().__init__(finding.message_ja)
        self.finding = finding
        self.source = source

    def __reduce__(self):
        return (ReadFailure, (self.finding, self.source))

    def __str__(self) -> str:
        return f"{self.finding.message_ja} {self.finding.hint_ja} ({self.finding.code})"


def fail(code: str, source: Source | None = None, **params) -> ReadFailure:
    return ReadFailure(make(code, **params), source)


def fail_detail(code: str, source: Source | None, ja: str, en: str, **position) -> ReadFailure:
    return fail(code, source, detail_ja=ja, detail_en=en, **position)


def megabytes(n: int) -> str:
    """A size as people read it: 20.0MB, or 980バイト below a megabyte."""
    return f"{n / (1024 * 1024):.1f}MB" if n >= 1024 * 1024 else f"{n:,}バイト"


@contextlib.contextmanager
def guarded(source: Source):
    """Every error of a broken file raised inside becomes a ReadFailure about ``source``."""
    collecting = gc.isenabled()
    gc.disable()  # building ~10⁶ objects: the cyclic collector would rescan them over and over
    try:
        yield
    except ReadFailure as failure:
        if failure.source is None:
            failure.source = source
        raise
    except MemoryError:
        raise fail_detail(
            "file-too-large", source, "読み込みに必要なメモリが足りません", "not enough memory to read it"
        ) from None
    except RecursionError:
        raise fail_detail("file-suspicious", source, "入れ子が深すぎます", "nesting too deep") from None
    except Exception as error:  # noqa: BLE001 - a parser's own error on a broken file
        raise unreadable(error, source) from None
    except BaseException as error:  # a native panic surfaces as a BaseException (pyo3 PanicException)
        if type(error).__name__ != "PanicException":
            raise
        raise unreadable(error, source) from None
    finally:
        if collecting:
            gc.enable()


def unreadable(error: BaseException, source: Source) -> ReadFailure:
    text = str(error)[:300]
    lowered = text.lower()
    if "crc" in lowered or "checksum" in lowered:
        return fail_detail(
            "file-unreadable",
            source,
            "ファイルが壊れています（zipのCRCが一致しません）。元のファイルをもう一度保存して送ってください",
            f"the file is corrupt: bad CRC ({text})",
        )
    if "password" in lowered or "encrypt" in lowered:
        return fail("file-encrypted", source)
    return fail_detail(
        "file-unreadable",
        source,
        f"ファイルが壊れているか形式が正しくありません（{type(error).__name__}）。Excelで開いて保存し直してください",
        f"the file is broken or malformed ({type(error).__name__}: {text})",
    )
