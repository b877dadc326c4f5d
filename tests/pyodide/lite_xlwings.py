"""A stand-in for ``xlwings`` inside Pyodide, doing what xlwings Lite does with our functions.

Lite's own ``xlwings`` is not on PyPI in the form Lite runs it, so the Pyodide test installs this
module under the name ``xlwings``. It keeps the parts of the Office.js layer of xlwings
(``xlwings/pro/udfs_officejs.py``: ``xlfunc``, ``xlarg``, ``xlret``, ``custom_functions_call``,
``custom_functions_meta``; ``xlwings/pro/_xlofficejs.py``: ``Engine``) that decide what our
functions receive and what Excel is sent back, with the same names, checks and conversions:

- ``@func`` reads ``volatile``, ``name``, ``namespace``, ``help_url``; every other option
  (``category``) is ignored. A keyword-only parameter is refused, as Lite refuses it.
- ``@arg`` must name a parameter; ``doc`` becomes the parameter's help, other options
  (``ndim``, ``err_to_str``) are converter options.
- :func:`custom_functions_call`: a 1×1 argument becomes a scalar; ``None`` (an omitted argument
  or an empty cell) takes the parameter's Python default; otherwise the value is read with
  ``ndim`` (``[[v]]``), ``""`` as ``None`` and an error cell as its text (``err_to_str``).
- The result goes back as a matrix: dates as ``FormattedNumber`` serials, ``None`` as ``""``, the
  seven Excel error texts as real errors, any other text (our ``#…`` messages) as text.
"""

from __future__ import annotations

import datetime as dt
import inspect

__version__ = "lite-stand-in"

ERROR_TYPES = {
    "#DIV/0!": "Div0",
    "#N/A": "NotAvailable",
    "#NAME?": "Name",
    "#NULL!": "Null",
    "#NUM!": "Num",
    "#REF!": "Ref",
    "#VALUE!": "Value",
}
READ_FUNC_OPTIONS = {"volatile": "volatile", "name": "excel_name", "namespace": "namespace", "help_url": "help_url"}


class XlwingsError(Exception):
    """What xlwings raises for a function it cannot register."""


def func(f=None, **options):
    def inner(f):
        if not hasattr(f, "__xlfunc__"):
            args = []
            for pos, param in enumerate(inspect.signature(f).parameters.values()):
                if param.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
                    raise XlwingsError("xlwings does not support UDFs with keyword arguments")
                info = {"name": param.name, "pos": pos, "doc": f"Positional argument {pos + 1}", "options": {}}
                if param.default is not inspect.Parameter.empty:
                    info["optional"] = param.default
                args.append(info)
            f.__xlfunc__ = {
                "name": f.__name__,
                "args": args,
                "argmap": {a["name"]: a for a in args},
                "ret": {"doc": f.__doc__ or f"Python function '{f.__name__}'", "options": {}},
            }
        f.__xlfunc__.update({key: options.get(option) for option, key in READ_FUNC_OPTIONS.items()})
        return f

    return inner if f is None else inner(f)


def arg(name, convert=None, **options):
    def inner(f):
        xlf = func(f).__xlfunc__
        if name.lstrip("*") not in xlf["argmap"]:
            raise XlwingsError(f"Invalid argument name '{name}'.")
        info = xlf["argmap"][name.lstrip("*")]
        if "doc" in options:
            info["doc"] = options.pop("doc")
        info["options"].update(options, **({"convert": convert} if convert else {}))
        return f

    return inner


def ret(convert=None, **options):
    def inner(f):
        func(f).__xlfunc__["ret"]["options"].update(options)
        return f

    return inner


def script(f=None, **options):  # Lite's task-pane scripts: not used by the functions
    return f if f is not None else (lambda g: g)


# ------------------------------------------------------------------------------ the call


def _is_null(value):
    if value is None:
        return True
    try:  # Pyodide >= 0.28 hands JS null over as JsNull (xlwings' js_to_none)
        from pyodide.ffi import JsNull
    except ImportError:
        return False
    return isinstance(value, JsNull)


def _to_scalar(value):
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0][0] if isinstance(value[0], (list, tuple)) and len(value[0]) == 1 else value[0]
    return None if _is_null(value) else value


def _clean(value, err_to_str):
    if _is_null(value) or value == "":
        return None
    if isinstance(value, dict):
        if value.get("type") == "Error":
            return value["basicValue"] if err_to_str else None
        return value.get("basicValue")
    return value


def _read(value, options):
    rows = value if isinstance(value, list) else [[value]]
    if rows and not isinstance(rows[0], list):
        rows = [rows]
    data = [[_clean(v, options.get("err_to_str", False)) for v in row] for row in rows]
    if options.get("ndim") == 2:
        return data
    if len(data) == 1 and len(data[0]) == 1:
        return data[0][0]
    return data


def _serial(value):
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=dt.UTC).timestamp() / 86400 + 25569


def to_excel(value, date_format="yyyy/m/d"):
    """One value as Lite sends it to Excel (``_xlofficejs.Engine.prepare_xl_data_element``)."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return {"type": "FormattedNumber", "basicValue": _serial(value), "numberFormat": date_format}
    if isinstance(value, str) and value in ERROR_TYPES:
        return {"type": "Error", "errorType": ERROR_TYPES[value]}
    return value


def custom_functions_call(module, name, args, date_format="yyyy/m/d"):
    """Call ``module.name`` as Lite does; returns (what the function returned, the matrix Excel gets)."""
    function = getattr(module, name)
    infos = function.__xlfunc__["args"]
    values = []
    for info, value in zip(infos, args, strict=False):
        value = _to_scalar(value)
        values.append(info.get("optional") if value is None else _read(value, info["options"]))
    result = function(*values)
    matrix = result if isinstance(result, list) else [[result]]
    matrix = [row if isinstance(row, list) else [row] for row in matrix]
    return result, [[to_excel(v, date_format) for v in row] for row in matrix]


def custom_functions_meta(module):
    """What Lite registers with Excel (``custom_functions_meta``): one entry per decorated function."""
    functions = []
    for _name, obj in inspect.getmembers(module):
        if hasattr(obj, "__xlfunc__"):
            xlf = obj.__xlfunc__
            display = xlf.get("excel_name") or xlf["name"].upper()
            excel_name = f"{xlf['namespace'].upper()}.{display}" if xlf.get("namespace") else display
            functions.append(
                {
                    "id": xlf["name"].upper(),
                    "name": excel_name,
                    "description": xlf["ret"]["doc"],
                    "parameters": [
                        {"name": a["name"], "description": a["doc"], "optional": "optional" in a} for a in xlf["args"]
                    ],
                }
            )
    return functions
