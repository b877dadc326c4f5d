"""Test helpers: write batch files (xlsx or csv) the way clerks fill the templates.

Rows are given by column alias; the files carry a title row and an instruction row above the
header (row 3), so the first record sits on Excel row 4 unless told otherwise.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import openpyxl

from schemas.batches import KINDS

VALID_SKY = dict(
    receipt_no="A-0001",
    application_date="2024-12-02",
    channel="現金あり",
    member_type="個人事業主",
    name="山田 太郎",
    name_kana="ヤマダ タロウ",
    birth_date="1975-04-01",
    postal_code="105-8453",
    address="東京都港区虎ノ門3-5-1",
    phone="03-1234-5678",
    industry="小売業",
    employees="3",
    proprietor_ref=None,
    monthly_amount="70000",
    payment_pattern="年払",
    designated_month="12",
    prepaid_months=None,
    bank_code="0009",
    branch_code="001",
    account_type="普通",
    account_number="0123456",
    account_holder_kana="ヤマダ タロウ",
)

VALID_SAFETY = dict(
    receipt_no="B-0001",
    application_date="2024-12-02",
    applicant_type="法人",
    name="株式会社サンプル製作所",
    name_kana="カブシキガイシャサンプルセイサクショ",
    corporate_number="4010001008830",
    postal_code="105-8453",
    address="東京都港区虎ノ門3-5-1",
    phone="03-1234-5678",
    industry="製造業",
    capital="10000000",
    employees="25",
    business_start_date="2015-04-01",
    tax_arrears="なし",
    previous_cancellation_date=None,
    monthly_amount="100000",
    prepaid_months="12",
    prepayment_method="口座振替",
    bank_code="0009",
    branch_code="001",
    account_type="普通",
    account_number="1234567",
    account_holder_kana="カ)サンプルセイサクショ",
)

VALID_PREPAYMENT = dict(
    receipt_no="C-0001",
    scheme="経営セーフティ共済",
    contract_number="1234567890",
    name="株式会社サンプル製作所",
    monthly_amount="100000",
    paid_total="2400000",
    prepaid_months="12",
    prepayment_amount="1200000",
    desired_month="2024-12",
    received_date="2024-12-02",
)

VALID = {"sky-application": VALID_SKY, "safety-application": VALID_SAFETY, "prepayment": VALID_PREPAYMENT}
AS_OF = datetime.date(2024, 12, 10)


def rows_of(kind: str, changes: list[dict]) -> list[dict]:
    """Valid rows of a kind, each changed as given (receipt numbers made unique)."""
    base = VALID[kind]
    prefix = base["receipt_no"][:2]
    return [{**base, "receipt_no": f"{prefix}{i + 1:04d}", **change} for i, change in enumerate(changes)]


def write_xlsx(
    path: Path,
    kind: str,
    rows: list[dict],
    *,
    header_row: int = 3,
    sheet: str | None = None,
    blank_rows_after: tuple[int, ...] = (),
) -> Path:
    spec = KINDS[kind]
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet or spec.sheet
    ws.cell(1, 1, spec.title_ja)
    if header_row > 2:
        ws.cell(2, 1, "記入例を参考に入力してください")
    for col, column in enumerate(spec.columns, start=1):
        ws.cell(header_row, col, column.header)
    excel_row = header_row
    for i, row in enumerate(rows):
        excel_row += 1
        for col, column in enumerate(spec.columns, start=1):
            value = row.get(column.alias)
            if value is not None:
                ws.cell(excel_row, col).value = value
                ws.cell(excel_row, col).number_format = "@"
        if i in blank_rows_after:
            excel_row += 1
    book.save(path)
    return path


def write_csv(path: Path, kind: str, rows: list[dict], *, encoding: str = "utf-8-sig") -> Path:
    spec = KINDS[kind]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in spec.columns])
        for row in rows:
            writer.writerow(["" if row.get(c.alias) is None else row[c.alias] for c in spec.columns])
    return path


def flat(report) -> list[tuple]:
    """(row, column, code) of every finding, as frictionless' tests compare them."""
    return [f.as_tuple() for f in report.findings]
