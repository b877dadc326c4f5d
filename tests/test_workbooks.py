"""The generated workbooks (scripts/build_workbooks.py → workbooks/).

- the committed files are what the generator produces (run ``python scripts/build_workbooks.py``
  after changing the generator, schemas/batches.py or the add-in's examples);
- every formula (cells, array formulas, data-validation rules) calls only allowed Excel built-ins
  or our UDFs, with an allowed number of arguments;
- the templates' headers, validations and formats follow schemas/batches.py, and their sample rows
  pass the rules;
- the calculator's worked examples are what the add-in computes.
"""

import datetime
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.formula import Tokenizer
from openpyxl.formula.tokenizer import Token
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from addin import udfs
from kyosai import codes, deadlines, eligibility, premium, safety_limit
from kyosai.japanese import parse_month
from kyosai.labels import Scheme
from kyosai.params import P
from kyosai.schedule import Contract
from schemas import samples
from schemas.batches import KINDS, Value, find_kind_by_headers, find_kind_by_sheet
from validator.reading import Limits

ROOT = Path(__file__).resolve().parents[1]


def _load_generator():
    spec = importlib.util.spec_from_file_location("build_workbooks", ROOT / "scripts" / "build_workbooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gen = _load_generator()
WORKBOOKS = sorted(gen.OUT_DIR.glob("*.xls[xm]"))
UDF_NAMES = [
    "KYOSAI_DEDUCTIBLE",
    "FIRST_DEBIT",
    "FIRST_DEBIT_AMOUNT",
    "DEBIT_DATE",
    "PREPAY_DEADLINE",
    "PREPAY_DISCOUNT",
    "CERTIFICATE_DISPATCH",
    "FAILED_DEBIT_PLAN",
    "KYOSAI_TAX_SAVING",
    "SKY_ELIGIBLE",
    "SAFETY_ELIGIBLE",
    "SAFETY_HEADROOM",
    "SAFETY_LOAN_LIMIT",
    "SAFETY_REFUND",
]

# The Excel built-ins the workbooks use, with their (min, max) number of arguments. Keep it small:
# every one must be in Excel 2010 and later without an _xlfn. prefix.
BUILTINS = {
    "AND": (1, 255),
    "DATE": (3, 3),
    "EDATE": (2, 2),
    "IF": (2, 3),
    "IFERROR": (2, 2),
    "INDEX": (2, 4),
    "INT": (1, 1),
    "ISNUMBER": (1, 1),
    "MOD": (2, 2),
}


def _udf_arity(name: str) -> tuple[int, int]:
    params = inspect.signature(getattr(udfs, name)).parameters.values()
    return sum(p.default is inspect.Parameter.empty for p in params), len(params)


# ------------------------------------------------------------------------------------ in sync


def test_the_generator_wrote_every_workbook():
    names = {p.name for p in WORKBOOKS}
    assert names == {
        f"{gen.CALCULATOR}.xlsx",
        f"{gen.CALCULATOR}.xlsm",
        f"{gen.LITE_CALCULATOR}.xlsx",
        *gen.TEMPLATE_FILES.values(),
    }
    assert sorted(p.name for p in (gen.OUT_DIR / gen.LITE_DIR).iterdir()) == ["main.py", "requirements.txt"]


def test_the_committed_workbooks_are_what_the_generator_produces():
    stale = gen.check(gen.OUT_DIR)
    assert not stale, f"out of date: {stale} — run: python scripts/build_workbooks.py"


def test_generation_is_deterministic(tmp_path):
    first = {p.name: p.read_bytes() for p in gen.build(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in gen.build(tmp_path / "b")}
    assert first == second
    props = load_workbook(tmp_path / "a" / "prepayment.xlsx").properties
    assert (props.creator, props.created, props.modified) == (gen.CREATOR, gen.FIXED_TIME, gen.FIXED_TIME)


def test_the_xlsm_is_macro_enabled_without_a_vba_project_and_otherwise_the_xlsx():
    xlsm, xlsx = gen.OUT_DIR / f"{gen.CALCULATOR}.xlsm", gen.OUT_DIR / f"{gen.CALCULATOR}.xlsx"
    with zipfile.ZipFile(xlsm) as archive:
        assert gen.XLSM_TYPE in archive.read("[Content_Types].xml").decode()
        assert not any("vba" in name.lower() for name in archive.namelist())
    with zipfile.ZipFile(xlsx) as archive:
        assert gen.XLSX_TYPE in archive.read("[Content_Types].xml").decode()
    a, b = gen.fingerprint(xlsm), gen.fingerprint(xlsx)
    assert (a.pop("macro_enabled"), b.pop("macro_enabled")) == (True, False)
    assert a == b


# ------------------------------------------------------------------------------------ formulas


def _formulas(path: Path):
    """(where, formula) for every formula: cells, array formulas and data-validation rules."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    yield f"{ws.title}!{cell.coordinate}", value.text
                elif isinstance(value, str) and value.startswith("="):
                    yield f"{ws.title}!{cell.coordinate}", value
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list":
                continue  # a literal list of choices, not a formula
            for text in (dv.formula1, dv.formula2):
                if text:
                    yield f"{ws.title}!{dv.sqref} (validation)", "=" + text


def _calls(formula: str):
    """(FUNCTION, number of arguments) for every function call in the formula."""
    stack = []  # one frame per open FUNC / PAREN / ARRAY: [name or None, separators, has content]
    for token in Tokenizer(formula).items:
        if (
            stack
            and token.type not in (Token.WSPACE,)
            and not (token.type in (Token.FUNC, Token.PAREN) and token.subtype == Token.CLOSE)
        ):
            stack[-1][2] = True
        if token.type == Token.FUNC and token.subtype == Token.OPEN:
            stack.append([token.value[:-1].upper(), 0, False])
        elif token.type in (Token.PAREN, Token.ARRAY) and token.subtype == Token.OPEN:
            stack.append([None, 0, False])
        elif token.type == Token.SEP and token.subtype == Token.ARG and stack and stack[-1][0]:
            stack[-1][1] += 1
        elif token.subtype == Token.CLOSE:
            name, separators, has_content = stack.pop()
            if token.type == Token.FUNC:
                yield name, separators + 1 if (separators or has_content) else 0
    assert not stack, formula


def test_the_argument_counter():
    assert list(_calls("=IF(AND(A1=1,B2>0),TODAY(),(1+2)*3)")) == [("AND", 2), ("TODAY", 0), ("IF", 3)]
    assert list(_calls('=IFERROR(INDEX(FAILED_DEBIT_PLAN($B$4,"sky",),1,1),"")')) == [
        ("FAILED_DEBIT_PLAN", 3),
        ("INDEX", 3),
        ("IFERROR", 2),
    ]


def test_every_formula_calls_allowed_functions_with_allowed_argument_counts():
    used = set()
    count = 0
    for path in WORKBOOKS:
        for where, text in _formulas(path):
            count += 1
            for name, arguments in _calls(text):
                # the Lite workbook stores a call of an add-in function as _xldudf_NAME(…), and only those
                lite_call = name.startswith(gen.LITE_PREFIX.upper())
                assert lite_call == (
                    path.stem == gen.LITE_CALCULATOR and name[len(gen.LITE_PREFIX) :] in UDF_NAMES
                ) or (not lite_call and name in BUILTINS), f"{path.name} {where}: {name}: {text}"
                name = name[len(gen.LITE_PREFIX) :] if lite_call else name
                used.add(name)
                if name in BUILTINS:
                    low, high = BUILTINS[name]
                elif name in UDF_NAMES:
                    low, high = _udf_arity(name)
                else:
                    pytest.fail(f"{path.name} {where}: {name} is neither an allowed built-in nor a UDF: {text}")
                assert low <= arguments <= high, f"{path.name} {where}: {name} with {arguments} arguments: {text}"
    assert count > 100
    assert used >= set(UDF_NAMES), f"UDFs no workbook uses: {set(UDF_NAMES) - used}"
    assert used & set(BUILTINS) == set(BUILTINS), f"unused built-ins in the allow-list: {set(BUILTINS) - used}"


def test_the_udf_names_are_the_add_ins():
    assert all(callable(getattr(udfs, name)) for name in UDF_NAMES)
    assert _udf_arity("FIRST_DEBIT") == (2, 8) and _udf_arity("SAFETY_HEADROOM") == (1, 1)


# ------------------------------------------------------------------------------------ calculator


@pytest.fixture(scope="module")
def calculator():
    return load_workbook(gen.OUT_DIR / f"{gen.CALCULATOR}.xlsm")


def test_the_xlwings_conf_sheet_points_at_the_udf_module(calculator):
    ws = calculator["xlwings.conf"]
    # xlwings reads A1 down to the first empty row, keys upper-cased: "UDF MODULES"
    assert (ws["A1"].value.upper(), ws["B1"].value, ws["A2"].value) == ("UDF MODULES", "addin.udfs", None)
    assert importlib.util.find_spec(ws["B1"].value) is not None


def test_the_xlwings_conf_sheet_is_hidden_from_clerks_and_the_others_are_not(calculator):
    # hidden, not veryHidden: xlwings reads it by name in any state (docs/excel.md)
    assert {ws.title: ws.sheet_state for ws in calculator.worksheets if ws.sheet_state != "visible"} == {
        "xlwings.conf": "hidden"
    }
    assert calculator.active.sheet_state == "visible"


def test_a_sheet_per_question(calculator):
    assert {"初回振替", "掛金控除", "期限一覧", "セーフティ", "節税額", "xlwings.conf"} <= set(calculator.sheetnames)


def test_the_first_debit_examples(calculator):
    ws = calculator["初回振替"]
    for row, ex in enumerate(gen.FIRST_DEBIT_EXAMPLES, start=5):
        args = (
            ex.application_date,
            ex.monthly_amount,
            ex.channel.value,
            ex.pattern.value,
            ex.prepaid_months,
            ex.scheme.value,
        )
        assert udfs.FIRST_DEBIT(*args) == ex.expected_date, ex.note
        assert udfs.FIRST_DEBIT_AMOUNT(*args) == ex.expected_amount, ex.note
        assert ws[f"C{row}"].value.date() == ex.application_date and ws[f"K{row}"].value == ex.expected_amount


def test_the_deduction_examples():
    ex = gen.DEDUCTION_EXAMPLE
    for channel, this_year, next_year, certificate in ex.expected:
        args = (ex.monthly_amount, ex.application_date, channel.value, ex.pattern.value)
        assert udfs.KYOSAI_DEDUCTIBLE(ex.year, *args) == this_year, channel
        assert udfs.KYOSAI_DEDUCTIBLE(ex.year + 1, *args) == next_year, channel
        assert udfs.CERTIFICATE_DISPATCH(ex.year, ex.application_date, channel.value) == certificate, channel


def test_the_deadline_examples():
    for month, sky_debit, sky_deadline, safety_debit, safety_deadline in gen.DEADLINE_EXAMPLES:
        for function, scheme, expected in (
            (udfs.DEBIT_DATE, "sky", sky_debit),
            (udfs.PREPAY_DEADLINE, "sky", sky_deadline),
            (udfs.DEBIT_DATE, "safety", safety_debit),
            (udfs.PREPAY_DEADLINE, "safety", safety_deadline),
        ):
            if expected is not None:
                assert function(month, scheme) == expected


def test_the_other_examples():
    for monthly, months, expected, _ in gen.DISCOUNT_EXAMPLES:
        assert udfs.PREPAY_DISCOUNT(monthly, months) == expected
    for month, scheme, monthly, amounts in gen.FAILED_DEBIT_EXAMPLES:
        table = udfs.FAILED_DEBIT_PLAN(month, scheme.value, monthly)
        assert [row[2] for row in table[1:]] == list(amounts)
        assert len(table) <= gen.FAILED_DEBIT_ROWS and len(table[0]) == gen.FAILED_DEBIT_COLUMNS
    for industry, employees, member_type, expected, note in gen.SKY_ELIGIBILITY_EXAMPLES:
        assert udfs.SKY_ELIGIBLE(industry.value, employees, member_type.value) is expected, note
    for industry, capital, employees, start, as_of, arrears, expected, note in gen.SAFETY_ELIGIBILITY_EXAMPLES:
        assert udfs.SAFETY_ELIGIBLE(industry.value, capital, employees, start, as_of, arrears.value) is expected, note
    for paid, expected, _ in gen.HEADROOM_EXAMPLES:
        assert udfs.SAFETY_HEADROOM(paid) == expected
    for paid, receivables, outstanding, expected, _ in gen.LOAN_EXAMPLES:
        assert udfs.SAFETY_LOAN_LIMIT(paid, receivables, outstanding) == expected
    for paid, months, kind, loans, expected, _ in gen.REFUND_EXAMPLES:
        assert udfs.SAFETY_REFUND(paid, months, kind.value, loans) == expected
    income, monthly, expected = gen.TAX_EXAMPLE
    assert udfs.KYOSAI_TAX_SAVING(income, monthly) == expected


def test_the_array_sheet_has_one_bad_row_only(calculator):
    ws = calculator["一括計算"]
    formula = ws["F6"].value
    assert isinstance(formula, ArrayFormula) and formula.ref == "F6:F10"
    dates, amounts, channels, patterns = zip(*gen.ARRAY_CUSTOMERS, strict=True)

    def column(values):
        return [[v.value if hasattr(v, "value") else v] for v in values]

    result = udfs.FIRST_DEBIT_AMOUNT(column(dates), column(amounts), column(channels), column(patterns))
    bad = [i for i, (value,) in enumerate(result) if isinstance(value, str) and value.startswith("#")]
    assert bad == [3]


# ------------------------------------------------------------------------------------ templates


@pytest.fixture(scope="module", params=sorted(gen.TEMPLATE_FILES))
def template(request):
    kind = KINDS[request.param]
    return kind, load_workbook(gen.OUT_DIR / gen.TEMPLATE_FILES[kind.name])


def _validations(ws):
    """{column letter: data validation} (each validation covers one column's data rows: every row
    the validator accepts, the header row plus its row limit)."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            assert rng.min_col == rng.max_col and rng.min_row == gen.HEADER_ROW + 1
            assert rng.max_row == gen.HEADER_ROW + Limits().max_rows
            found[get_column_letter(rng.min_col)] = dv
    return found


def _column_format(ws, letter: str) -> str:
    for dimension in ws.column_dimensions.values():
        if dimension.min <= ws[f"{letter}1"].column <= dimension.max:
            return dimension.number_format
    return "General"


def test_the_headers_are_the_batch_kinds_columns(template):
    kind, wb = template
    assert wb.sheetnames == [kind.sheet, gen.SAMPLE_SHEET]
    assert find_kind_by_sheet(wb.sheetnames[0]) is kind
    for ws in wb.worksheets:
        header_row = next(r for r in range(1, 11) if ws.cell(r, 1).value == kind.columns[0].header)
        assert header_row == gen.HEADER_ROW <= 10
        headers = [c.value for c in ws[header_row]][: len(kind.columns)]
        assert headers == [c.header for c in kind.columns]
        assert ws.max_column == len(kind.columns)
        assert find_kind_by_headers(headers) is kind
        assert ws["A1"].value.startswith(kind.title_ja) and ws["A2"].value  # title and instruction rows


def test_the_templates_print_landscape_one_page_wide_with_the_header_on_every_page(template):
    kind, wb = template
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", int(ws.PAPERSIZE_A4))
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # 0: as many pages tall as needed
        assert ws.print_title_rows.replace("$", "") == f"{gen.HEADER_ROW}:{gen.HEADER_ROW}"
        assert ws.cell(gen.HEADER_ROW, 1).value == kind.columns[0].header


def test_the_validations_and_formats_follow_the_columns(template):
    kind, wb = template
    for ws in wb.worksheets:
        found = _validations(ws)
        for index, column in enumerate(kind.columns, start=1):
            letter = get_column_letter(index)
            dv = found[letter]
            assert dv.prompt == (column.hint_ja or None) and dv.showInputMessage, column.header
            assert dv.allow_blank, column.header
            if column.value is Value.LABEL:
                assert dv.type == "list" and dv.formula1 == '"' + ",".join(column.choices) + '"'
            elif column.alias == "monthly_amount":
                assert dv.type == "custom"
                for scheme in (Scheme.SKY, Scheme.SAFETY):
                    low, high, step = premium.bounds(scheme, P.newest_change())
                    if kind.name in gen.KIND_SCHEME and gen.KIND_SCHEME[kind.name] is not scheme:
                        continue
                    assert f">={low}," in dv.formula1 and f"<={high}," in dv.formula1
                    assert f",{step})=0" in dv.formula1
            elif column.value is Value.DATE:
                assert dv.type == "date"
            elif column.value is Value.CALENDAR_MONTH:
                assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", "12")
            elif column.value is Value.DIGITS:
                assert (dv.type, dv.formula1, dv.formula2) == ("textLength", *map(str, column.digits))
            if column.value in gen.CODE_VALUES:
                assert _column_format(ws, letter) == "@", column.header


def test_code_cells_in_the_sample_keep_their_leading_zeros(template):
    kind, wb = template
    ws = wb[gen.SAMPLE_SHEET]
    for index, column in enumerate(kind.columns, start=1):
        if column.value not in gen.CODE_VALUES:
            continue
        for row in range(gen.HEADER_ROW + 1, ws.max_row + 1):
            cell = ws.cell(row, index)
            if cell.value is not None:
                assert isinstance(cell.value, str) and cell.number_format == "@", (column.header, row)
    assert any(isinstance(v, str) and v.startswith("0") for row in ws.iter_rows(values_only=True) for v in row)


def _sample_records(kind, wb):
    ws = wb[gen.SAMPLE_SHEET]
    rows = list(ws.iter_rows(min_row=gen.HEADER_ROW + 1, values_only=True))
    assert len(rows) >= 5
    return [{c.alias: v for c, v in zip(kind.columns, row, strict=True)} for row in rows]


def _date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def test_the_sample_sheet_holds_the_sample_records(template):
    """The 記入例 sheet is the kind's records of schemas/data/samples.toml (dates come back as datetimes)."""
    kind, wb = template
    shown = [{alias: _date(value) for alias, value in record.items()} for record in _sample_records(kind, wb)]
    assert shown == samples.records(kind.name)


def test_the_sample_rows_are_valid(template):
    kind, wb = template
    records = _sample_records(kind, wb)
    receipts = [r["receipt_no"] for r in records]
    assert len(set(receipts)) == len(receipts)
    cells = pytest.importorskip("schemas.cells")
    for record in records:
        for column in kind.columns:
            value = cells.read(column, record[column.alias])  # raises the core's error when unreadable
            assert value is not None or not column.required, (record["receipt_no"], column.header)
        CHECKS[kind.name](record, records)


def _check_sky(r, records):
    applied = _date(r["application_date"])
    premium.validate(r["monthly_amount"], Scheme.SKY, applied)
    eligibility.validate_sky(r["industry"], r["employees"], r["member_type"], on=applied)
    Contract(
        Scheme.SKY,
        r["monthly_amount"],
        applied,
        r["channel"],
        r["payment_pattern"],
        r["prepaid_months"] or 0,
        r["designated_month"],
    )
    assert (r["designated_month"] is None) == (r["payment_pattern"] == "月払")
    if r["member_type"] == "共同経営者":
        assert any(o["receipt_no"] == r["proprietor_ref"] and o["member_type"] == "個人事業主" for o in records)
    else:
        assert r["proprietor_ref"] is None


def _check_safety(r, records):
    applied = _date(r["application_date"])
    premium.validate(r["monthly_amount"], Scheme.SAFETY, applied)
    company = r["applicant_type"] == "法人"
    eligibility.validate_safety(
        r["industry"],
        r["capital"] if company else None,
        r["employees"],
        _date(r["business_start_date"]),
        applied,
        r["tax_arrears"],
    )
    if company:
        codes.validate_corporate_number(r["corporate_number"])
    else:
        assert r["corporate_number"] is None and r["capital"] is None
    prepaid = r["prepaid_months"] or 0
    assert (r["prepayment_method"] is not None) == (prepaid > 0)
    Contract(
        Scheme.SAFETY,
        r["monthly_amount"],
        applied,
        prepaid_months=prepaid,
        prepayment_method=r["prepayment_method"] or "口座振替",
    )


def _check_prepayment(r, records):
    scheme = Scheme.parse(r["scheme"])
    desired = parse_month(r["desired_month"])
    premium.validate(r["monthly_amount"], scheme, desired.first_day)
    deadlines.validate_arrival(_date(r["received_date"]), desired, scheme)
    assert r["prepaid_months"] >= 1
    if scheme is Scheme.SAFETY:
        safety_limit.validate_prepayment(
            r["paid_total"], r["monthly_amount"], r["prepaid_months"], r["prepayment_amount"], on=desired.first_day
        )
    else:
        assert r["prepayment_amount"] == r["monthly_amount"] * r["prepaid_months"]


CHECKS = {"sky-application": _check_sky, "safety-application": _check_safety, "prepayment": _check_prepayment}


def test_the_sample_rows_pass_the_validator(template, tmp_path):
    """When the validator is there: the 記入例 rows, put on the kind's own sheet, give no error."""
    check = pytest.importorskip("validator.check")
    kind, _ = template
    wb = load_workbook(gen.OUT_DIR / gen.TEMPLATE_FILES[kind.name])
    sample = wb[gen.SAMPLE_SHEET]
    del wb[kind.sheet]
    sample.title = kind.sheet
    path = tmp_path / f"{kind.name}.xlsx"
    wb.save(path)
    checked = check.validate_file(path, kind.name, as_of=datetime.date(2025, 3, 31))
    report = getattr(checked, "report", checked)
    errors = [f for f in report.findings if f.severity == "error"]
    assert not errors, errors
    assert report.records == len(samples.records(kind.name))


# ------------------------------------------------------------------------------------ xlwings Lite


def test_the_lite_calculator_is_the_classic_one_with_its_own_first_steps_and_no_xlwings_conf():
    lite, classic = (
        gen.fingerprint(gen.OUT_DIR / f"{gen.LITE_CALCULATOR}.xlsx"),
        gen.fingerprint(gen.OUT_DIR / f"{gen.CALCULATOR}.xlsx"),
    )
    assert lite["order"] == [name for name in classic["order"] if name != "xlwings.conf"]
    for name in lite["order"][1:]:  # every calculator sheet: the same cells, the calls prefixed
        lite_cells = lite["sheets"][name]["cells"]
        classic_cells = classic["sheets"][name]["cells"]
        assert lite_cells.keys() == classic_cells.keys(), name
        for coordinate, cell in classic_cells.items():
            expected = (gen.lite_formula(cell[0][1:-1]).join("''"),) if cell[0].startswith("'=") else (cell[0],)
            if cell[0].startswith("('array'"):
                continue  # array formulas: compared below
            assert lite_cells[coordinate][:1] == expected, (name, coordinate)
    array = lite["sheets"]["一括計算"]["cells"]["F6"][0]
    assert "_xldudf_FIRST_DEBIT(B6:B10" in array
    usage = " ".join(eval(v[0]) or "" for v in lite["sheets"]["使い方"]["cells"].values())
    assert "xlwings Lite" in usage and "Import Functions" not in usage and "xlwings.conf" not in usage


def test_the_lite_workbook_carries_its_code_where_xlwings_lite_keeps_it():
    path = gen.OUT_DIR / f"{gen.LITE_CALCULATOR}.xlsx"
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("_rels/.rels").decode()
        web = archive.read(gen.WEBEXTENSION).decode()
        panes = archive.read(gen.TASKPANES).decode()
    assert {gen.WEBEXTENSION, gen.TASKPANES, "xl/webextensions/_rels/taskpanes.xml.rels"} <= names
    assert gen.WEBEXTENSION_TYPE in types and gen.TASKPANES_TYPE in types and gen.TASKPANES_REL in rels
    assert 'id="wa200008175"' in web and 'storeType="OMEX"' in web and 'visibility="1"' in panes
    code = gen.lite_code(path)
    assert code["main.py"].startswith('"""kyosai') and "holidays" in code["requirements.txt"]
    import xml.etree.ElementTree as ElementTree

    properties = {p.get("name"): p.get("value") for p in ElementTree.fromstring(web).iter(f"{{{gen.WE_NS}}}property")}
    assert properties["pyodideVersion"] == '"0.27.5"'  # every value a JSON text, as Lite writes them
    assert properties["main.py"].startswith('"\\"\\"\\"kyosai') and "\n" not in properties["main.py"]


def test_the_classic_workbooks_carry_no_web_extension():
    for path in WORKBOOKS:
        if path.stem != gen.LITE_CALCULATOR:
            assert gen.lite_code(path) == {} and not gen.fingerprint(path)["web_extension"], path.name


def test_the_lite_workbook_opens_in_libreoffice(tmp_path):
    """LibreOffice reads the package as it is (no repair): every sheet, every formula."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice is not installed (make test installs libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed (make test installs libreoffice-calc-nogui)")
    source = gen.OUT_DIR / f"{gen.LITE_CALCULATOR}.xlsx"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--norestore",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / f"{gen.LITE_CALCULATOR}.ods"
    assert done.returncode == 0 and converted.exists(), done.stdout + done.stderr
    with zipfile.ZipFile(converted) as archive:
        content = archive.read("content.xml").decode("utf-8")
    sheets = re.findall(r'<table:table table:name="([^"]+)"', content)
    assert sheets == load_workbook(source).sheetnames
    calls = sum(len(re.findall(r"_xldudf_\w+\(", text)) for _, text in _formulas(source))
    assert len(re.findall(r"_xldudf_\w+\(", content, re.I)) == calls > 40
