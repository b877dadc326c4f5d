"""The xlwings Lite edition of the add-in: the ``main.py`` and ``requirements.txt`` a workbook carries.

xlwings Lite is an Office add-in (store id ``WA200008175``) that runs Python — Pyodide, CPython
compiled to WebAssembly — inside Excel on Windows, macOS and the web, with nothing to install on
the PC. A workbook carries its own code: ``main.py`` (whose decorated functions Lite registers as
Excel custom functions) and ``requirements.txt`` (installed from PyPI when Lite starts).

The Lite edition is the classic add-in itself, not a port: :func:`main_py` packs the rules core
(``kyosai/`` with ``parameters.toml``) and the add-in (``addin/excel_values.py``, ``addin/udfs.py``) —
the files the classic add-in imports — into a zip archive embedded in ``main.py``. When Lite runs
``main.py``, it writes the archive into Pyodide's in-memory file system, puts it on ``sys.path``
(Python imports from a zip as from a folder) and imports the functions of :mod:`addin.udfs`, whose
``@xw.func`` decorators Lite's own ``xlwings`` turns into custom functions. Nothing is copied by
hand, so nothing can drift: ``scripts/build_workbooks.py`` writes the result into
``workbooks/kyosai_lite.xlsx`` (and as plain files beside it, for pasting into Lite's editor), and
its ``--check`` keeps the committed files equal to this module's output.

>>> text = main_py()
>>> text.splitlines()[0][3:9], "from addin.udfs import (" in text
('kyosai', True)
>>> sorted(bundle_files())[:2]
['addin/__init__.py', 'addin/excel_values.py']
>>> print(requirements_txt().splitlines()[-1])
holidays<1,>=0.60
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import re
import textwrap
import zipfile
from pathlib import Path

import kyosai

__all__ = [
    "FUNCTIONS",
    "bundle",
    "bundle_files",
    "main_py",
    "requirements_txt",
    "read_main_py",
    "PYODIDE_VERSION",
    "ADDIN_STORE_ID",
]

ADDIN_STORE_ID = "wa200008175"
"""xlwings Lite in the Office add-in store (AppSource): what a workbook's web extension refers to."""

PYODIDE_VERSION = "0.27.5"
"""The Pyodide that xlwings Lite runs (recorded in the workbooks it saves, add-in 1.0.0.0-12 to -35);
the tests run the generated ``main.py`` in the same version (``tests/package.json``)."""

PACKAGES = ("kyosai", "addin")
"""The top-level packages of the bundle; a restarted ``main.py`` drops any other copy of them."""

_ADDIN_MODULES = ("__init__.py", "excel_values.py", "udfs.py")  # not this generator
_ZIP_TIME = (2024, 12, 2, 9, 0, 0)  # fixed: the same sources give the same bytes
_ROOT = Path(kyosai.__file__).resolve().parents[1]


def _function_names() -> tuple[str, ...]:
    """The Excel functions of :mod:`addin.udfs`: its public names written in capitals."""
    from . import udfs

    return tuple(
        sorted(
            name
            for name in dir(udfs)
            if name.isupper()
            and callable(getattr(udfs, name))
            and getattr(getattr(udfs, name), "__module__", None) == udfs.__name__
        )
    )


FUNCTIONS: tuple[str, ...] = _function_names()
"""The 14 Excel functions, as ``main.py`` exports them (Lite registers what ``main`` holds)."""


def bundle_files() -> dict[str, bytes]:
    """The files packed into ``main.py``, by their path inside the archive."""
    files = {}
    core = _ROOT / "kyosai"
    for path in sorted(core.rglob("*")):
        command_line = path.name in ("__main__.py", "cli.py")  # kyosai's command line: nothing Excel calls
        if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts and not command_line:
            files[path.relative_to(_ROOT).as_posix()] = path.read_bytes()
    for name in _ADDIN_MODULES:
        files[f"addin/{name}"] = (_ROOT / "addin" / name).read_bytes()
    return files


def bundle() -> bytes:
    """The zip archive of :func:`bundle_files`, byte for byte the same for the same sources."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in bundle_files().items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def requirements_txt() -> str:
    """Lite's ``requirements.txt``: xlwings (the decorators) and the rules core's dependencies, with
    the version ranges ``pyproject.toml`` gives them (one source for both editions)."""
    wanted = []
    for requirement in importlib.metadata.requires("kyosai") or ():
        spec, _, marker = requirement.partition(";")
        name = re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0]
        if not marker.strip() or (name == "xlwings" and 'extra == "full"' in marker):
            wanted.append(spec.strip())
    header = (
        "# kyosai（xlwings Lite 版）が使うパッケージ。scripts/build_workbooks.py が pyproject.toml から生成します。\n"
        "# Packages of the kyosai Lite edition, generated from pyproject.toml: do not edit.\n"
    )
    wanted.sort(key=lambda spec: not spec.startswith("xlwings"))  # the decorators first, then pyproject's order
    return header + "\n".join(wanted) + "\n"


_MAIN = '''\
"""kyosai — 小規模企業共済・経営セーフティ共済の Excel 関数（xlwings Lite 版 {version}）

このファイルは scripts/build_workbooks.py が kyosai のソース（kyosai/ と addin/udfs.py）から生成したものです。
編集しないでください。新しい版は、新しい kyosai_lite.xlsx（または同じ版の main.py）で置き換えます。
{functions}
使い方・更新方法: docs/excel.md

This file is generated from the kyosai sources (the rules core kyosai/ and the add-in's addin/udfs.py):
do not edit it. _BUNDLE below is a zip archive of those modules ({count} files, sha256
{digest});
at start-up it is written to Pyodide's in-memory file system and imported from there, and the Excel
functions are the classic add-in's own (addin.udfs), which xlwings Lite registers from this module.
"""

import base64
import hashlib
import sys
import tempfile
from pathlib import Path

_BUNDLE_SHA256 = "{digest}"
_BUNDLE = """
{blob}"""


def _is_bundle(entry: str) -> bool:
    name = Path(entry).name
    return name.startswith("kyosai-") and name.endswith(".zip")


def _install_bundle() -> str:
    """Put the bundled modules on the import path (once per bundle; a restart or a new version
    of this file drops the modules of any other bundle, so that no stale code stays loaded)."""
    data = base64.b64decode(_BUNDLE)
    if hashlib.sha256(data).hexdigest() != _BUNDLE_SHA256:
        raise ImportError(
            "main.py の kyosai のコードが壊れています。kyosai_lite.xlsx の main.py を入れ直してください。"
            " / The code bundled in main.py is damaged: replace main.py with the published one."
        )
    path = Path(tempfile.gettempdir()) / f"kyosai-{{_BUNDLE_SHA256[:16]}}.zip"
    if not path.exists():
        path.write_bytes(data)
    here = str(path)
    for name in [name for name in sys.modules if name.split(".")[0] in {packages}]:
        if not (getattr(sys.modules[name], "__file__", None) or "").startswith(here):
            del sys.modules[name]
    sys.path[:] = [entry for entry in sys.path if entry == here or not _is_bundle(entry)]
    if here not in sys.path:
        sys.path.insert(0, here)
    return here


_install_bundle()

from addin.udfs import (  # noqa: E402 - after the bundle; xlwings Lite registers the functions imported here
{imports}
)

__all__ = [
{names}
]
'''


def main_py() -> str:
    """The ``main.py`` of the Lite workbook (see the module docstring)."""
    data = bundle()
    digest = hashlib.sha256(data).hexdigest()
    blob = base64.encodebytes(data).decode("ascii")
    return _MAIN.format(
        version=kyosai.__version__,
        functions=textwrap.fill(", ".join(FUNCTIONS), 100, initial_indent="関数: ", subsequent_indent="      "),
        count=len(bundle_files()),
        digest=digest,
        blob=blob,
        # the code as ruff formats it (the file itself is generated, so not checked by the gate)
        packages="(" + ", ".join(f'"{name}"' for name in PACKAGES) + ")",
        imports="\n".join(f"    {name}," for name in FUNCTIONS),
        names="\n".join(f'    "{name}",' for name in FUNCTIONS),
    )


def read_main_py(text: str) -> dict[str, bytes]:
    """The files bundled in a generated ``main.py`` (to check what a workbook carries).

    >>> read_main_py(main_py()) == bundle_files()
    True
    """
    match = re.search(r'^_BUNDLE = """\n(.*?)"""$', text, re.S | re.M)
    if not match:
        raise ValueError("not a kyosai Lite main.py: no _BUNDLE")
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(match[1]))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
