"""The findings catalogue (指摘の一覧): every code is data, one constructor fills the positions.

A finding type has a stable ``code``, a ``severity`` (``error`` stops the batch from being accepted,
``warning`` is advice the clerk should pass on), message templates in Japanese and English and a
fix hint in Japanese. The templates declare the type's fields (``{count}``, ``{detail_ja}`` …):
:func:`make` builds a :class:`Finding` from a code, its position (sheet, Excel row, column letter,
header, the value as written) and exactly those fields — a missing or an unknown one is a bug and
raises, so that no message ever shows a gap. :func:`from_error` turns an error of the rules core
into the finding its class names (:attr:`kyosai.errors.KyosaiError.code`).

>>> f = make("duplicate-receipt", sheet="小規模企業共済_申込", row=7, column="A", header="受付番号",
...          value="A-0001", first_row=5)
>>> f.code, f.severity, f.message_ja
('duplicate-receipt', 'error', '受付番号「A-0001」が5行目と重複しています。')
>>> f.as_tuple()
(7, 'A', 'duplicate-receipt')
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass, field
from typing import Any

from kyosai import errors

__all__ = ["ERROR", "WARNING", "FindingType", "Finding", "CATALOGUE", "make", "from_error", "display_value"]

ERROR, WARNING = "error", "warning"


POSITION_FIELDS = frozenset({"header", "value", "column"})
"""Template fields :func:`make` fills from the finding's position, for every type."""


@dataclass(frozen=True)
class FindingType:
    code: str
    severity: str
    message_ja: str
    message_en: str
    hint_ja: str
    fields: frozenset[str] = field(init=False)
    """The parameters the type's messages need beyond its position (declared by the templates)."""

    def __post_init__(self):
        ja, en = (
            {name for _, name, _, _ in string.Formatter().parse(text) if name}
            for text in (self.message_ja, self.message_en)
        )
        # the rules core's message comes in both languages: detail_ja in the one, detail_en in the other
        if {n.replace("_ja", "") for n in ja} != {n.replace("_en", "") for n in en}:
            raise ValueError(f"{self.code}: the Japanese and English messages need other fields: {ja} / {en}")
        object.__setattr__(self, "fields", frozenset((ja | en) - POSITION_FIELDS))


_TYPES = [
    # ------------------------------------------------------------------ the file as a whole
    FindingType(
        "file-unreadable",
        ERROR,
        "ファイルを読み込めません: {detail_ja}",
        "The file cannot be read: {detail_en}",
        "Excel（.xlsx）またはCSVで保存し直してください。",
    ),
    FindingType(
        "file-encrypted",
        ERROR,
        "パスワード付きのファイルは読み込めません。",
        "Password-protected files cannot be read.",
        "パスワードを解除して保存し直してください。",
    ),
    FindingType(
        "file-old-format",
        ERROR,
        "古い形式（.xls）のファイルは読み込めません。",
        "Old .xls workbooks cannot be read.",
        "Excelで「名前を付けて保存」から .xlsx 形式で保存し直してください。",
    ),
    FindingType(
        "file-unsupported",
        ERROR,
        "対応していない形式です（{detail_ja}）。",
        "Unsupported file type ({detail_en}).",
        ".xlsx、.xlsm または .csv を使ってください。",
    ),
    FindingType(
        "file-too-large",
        ERROR,
        "ファイルが大きすぎます（{detail_ja}）。",
        "The file is too large ({detail_en}).",
        "ファイルを分割してください。",
    ),
    FindingType(
        "file-suspicious",
        ERROR,
        "ファイルの構造が不正です（{detail_ja}）。",
        "The file's structure is unsafe ({detail_en}).",
        "Excelで開いて保存し直してください。",
    ),
    FindingType(
        "file-empty",
        ERROR,
        "ファイルにデータがありません。",
        "The file holds no data.",
        "テンプレートにデータを入力して保存してください。",
    ),
    FindingType(
        "unknown-kind",
        ERROR,
        "申込の種類が判別できません（シート名・見出しが一致しません）。",
        "The batch kind cannot be told from the sheet name or headers.",
        "テンプレートのシート名と見出しのまま使うか、種類を指定してください。",
    ),
    FindingType(
        "no-header-row",
        ERROR,
        "先頭10行以内に見出し行が見つかりません。",
        "No header row within the first 10 rows.",
        "テンプレートの見出し行を消さないでください。",
    ),
    FindingType(
        "too-many-rows",
        ERROR,
        "行数が上限（{limit}行）を超えています。",
        "More rows than the limit of {limit}.",
        "ファイルを分割してください。",
    ),
    FindingType(
        "truncated",
        WARNING,
        "指摘が多いため最初の{limit}件だけを表示しています。",
        "Only the first {limit} findings are listed.",
        "表示された指摘を直してから再度確認してください。",
    ),
    # ------------------------------------------------------------------ headers
    FindingType(
        "missing-column",
        ERROR,
        "必要な列「{header}」がありません。",
        "The required column '{header}' is missing.",
        "テンプレートの見出しをそのまま使ってください。",
    ),
    FindingType(
        "duplicate-column",
        ERROR,
        "列「{header}」が2回あります（{first_column}列と{column}列）。",
        "The column '{header}' appears twice ({first_column} and {column}).",
        "どちらかの列を削除してください。",
    ),
    FindingType(
        "unknown-column",
        WARNING,
        "列「{header}」は使われません（無視します）。",
        "The column '{header}' is not used and is ignored.",
        "不要な列は削除して構いません。",
    ),
    # ------------------------------------------------------------------ cells (記入漏れ・誤記入)
    FindingType(
        "missing-value",
        ERROR,
        "「{header}」が未記入です（記入漏れ）。",
        "'{header}' is empty.",
        "必須項目です。記入してください。",
    ),
    FindingType(
        "invalid-date", ERROR, "{detail_ja}", "{detail_en}", "2024/12/1 や 令和6年12月1日 の形で記入してください。"
    ),
    FindingType(
        "wrong-weekday",
        ERROR,
        "{detail_ja}",
        "{detail_en}",
        "日付と曜日のどちらが正しいか申込書で確かめて直してください（曜日は書かなくても構いません）。",
    ),
    FindingType(
        "invalid-number",
        ERROR,
        "{detail_ja}",
        "{detail_en}",
        "半角または全角の数字で記入してください（例: 70000、7万円）。",
    ),
    FindingType("invalid-label", ERROR, "{detail_ja}", "{detail_en}", "ドロップダウンの選択肢から選んでください。"),
    FindingType("invalid-format", ERROR, "{detail_ja}", "{detail_en}", "記入例の形式に合わせてください。"),
    FindingType(
        "error-cell",
        ERROR,
        "「{header}」がExcelのエラー値（{value}）です。",
        "'{header}' holds the Excel error {value}.",
        "数式を値に直すか、正しい値を入力してください。",
    ),
    FindingType(
        "formula-cell",
        WARNING,
        "「{header}」が数式です（計算結果の値を使います）。",
        "'{header}' holds a formula; its cached value is used.",
        "値として貼り付けてください。",
    ),
    # ------------------------------------------------------------------ rules of the schemes
    FindingType(
        "invalid-premium", ERROR, "{detail_ja}", "{detail_en}", "掛金月額を制度の範囲と単位に合わせてください。"
    ),
    FindingType("not-eligible", ERROR, "{detail_ja}", "{detail_en}", "加入資格を確認してください。"),
    FindingType(
        "limit-exceeded",
        ERROR,
        "{detail_ja}",
        "{detail_en}",
        "積立限度額800万円を超えないよう月数・金額を見直してください。",
    ),
    FindingType("late-request", ERROR, "{detail_ja}", "{detail_en}", "期限に間に合う月を前納希望年月にしてください。"),
    FindingType("out-of-range", ERROR, "{detail_ja}", "{detail_en}", "値の範囲を確認してください。"),
    FindingType("rule-violation", ERROR, "{detail_ja}", "{detail_en}", "制度のルールを確認してください。"),
    FindingType(
        "prepayment-amount",
        ERROR,
        "{detail_ja}",
        "{detail_en}",
        "前納額は掛金月額×前納月数です（限度額に達する場合のみ端数）。",
    ),
    FindingType(
        "date-in-future",
        ERROR,
        "「{header}」（{value}）が未来の日付です。",
        "'{header}' ({value}) is in the future.",
        "日付を確認してください。",
    ),
    FindingType(
        "duplicate-receipt",
        ERROR,
        "受付番号「{value}」が{first_row}行目と重複しています。",
        "Receipt number '{value}' repeats row {first_row}.",
        "受付番号はファイル内で重複しないようにしてください。",
    ),
    FindingType(
        "duplicate-person",
        ERROR,
        "同じ申込者（{value}）が{first_row}行目にもあります。",
        "The same applicant ({value}) is also on row {first_row}.",
        "二重申込でないか確認してください（1人1契約）。",
    ),
    FindingType(
        "co-manager-limit",
        ERROR,
        "事業主「{value}」の共同経営者が{count}人です（上限{limit}人）。",
        "Proprietor '{value}' has {count} co-managers (at most {limit}).",
        "共同経営者は個人事業主1人につき2人までです。",
    ),
    FindingType(
        "proprietor-not-found",
        ERROR,
        "事業主受付番号「{value}」の事業主がこのファイルにありません。",
        "No proprietor with receipt number '{value}' in this file.",
        "同じファイルの事業主の受付番号か、事業主の共済契約者番号（数字）を記入してください。",
    ),
    FindingType(
        "proprietor-ref-missing",
        ERROR,
        "共同経営者は事業主受付番号が必要です。",
        "A co-manager needs the proprietor's reference.",
        "事業主の受付番号または共済契約者番号を記入してください。",
    ),
    FindingType(
        "proprietor-ref-not-allowed",
        WARNING,
        "事業主受付番号は共同経営者のときだけ記入します（無視します）。",
        "The proprietor reference is only for co-managers; it is ignored.",
        "共同経営者以外は空欄にしてください。",
    ),
    FindingType(
        "account-holder-mismatch",
        ERROR,
        "口座名義「{value}」が申込者のフリガナ「{name_kana}」と一致しません。",
        "Account holder '{value}' does not match the applicant '{name_kana}'.",
        "小規模企業共済の掛金は申込者本人名義の口座から払い込みます。",
    ),
    FindingType("not-allowed-here", ERROR, "{detail_ja}", "{detail_en}", "この項目は空欄にしてください。"),
    FindingType("required-here", ERROR, "{detail_ja}", "{detail_en}", "この項目を記入してください。"),
    # ------------------------------------------------------------------ public registries (warnings: they age)
    FindingType(
        "unknown-bank",
        WARNING,
        "金融機関コード「{value}」は全銀協の金融機関コード一覧（{registry}）にありません。",
        "Bank code '{value}' is not in the list of bank codes ({registry}).",
        "通帳やキャッシュカードで金融機関コード（4桁）を確かめてください。合併したばかりの金融機関は一覧が追いついていないことがあります。",
    ),
    FindingType(
        "unknown-branch",
        WARNING,
        "金融機関「{bank_code} {bank_name}」に支店コード「{value}」はありません（{registry}）。",
        "Bank {bank_code} ({bank_name}) has no branch '{value}' ({registry}).",
        "通帳やキャッシュカードで支店コード（3桁）を確かめてください。統廃合された支店は移管先の支店コードで記入します。",
    ),
    FindingType(
        "unknown-postal-code",
        WARNING,
        "郵便番号「{value}」は日本郵便の郵便番号データ（{registry}）にありません。",
        "Postal code '{value}' is not in Japan Post's list of postal codes ({registry}).",
        "住所から郵便番号を確かめてください（事業所の個別番号も一覧にあります）。",
    ),
    # ------------------------------------------------------------------ advice (warnings)
    FindingType(
        "not-deductible-this-year",
        WARNING,
        "{channel}の申込は初回振替が{first_debit_year}年のため、{year}年の所得控除の対象になりません（{first_debit_year}年から控除）。",
        "A {channel} application is first debited in {first_debit_year}: nothing is deductible in {year}.",
        "年内の控除を希望する場合は「現金あり」で申し込むよう案内してください。",
    ),
    FindingType(
        "safety-rejoin-non-deductible",
        WARNING,
        "前回解約日が{cancelled}のため、{until}までに払う掛金は損金・必要経費に算入できません。",
        "Cancelled on {cancelled}: premiums paid until {until} are not deductible.",
        "再加入はできますが、2年間は掛金が損金算入できないことを案内してください。",
    ),
    FindingType(
        "designated-month-missing",
        WARNING,
        "{pattern}ですが指定納付月がありません（申込月の{month}月とみなします）。",
        "{pattern} without a designated month: the application month ({month}) is assumed.",
        "半年払・年払は指定納付月（1〜12）を記入してください。",
    ),
    FindingType(
        "designated-month-ignored",
        WARNING,
        "月払では指定納付月は使いません（無視します）。",
        "The designated month is not used for monthly payers.",
        "月払なら指定納付月は空欄にしてください。",
    ),
]

CATALOGUE: dict[str, FindingType] = {t.code: t for t in _TYPES}


_MAX_VALUE_CHARS = 200


def display_value(value: Any) -> str | None:
    """The value as written, as text for reports (long values shortened)."""
    if value is None:
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + "…"


@dataclass(frozen=True)
class Finding:
    """One finding at a position of the clerk's file."""

    code: str
    severity: str
    sheet: str | None
    row: int | None  # the Excel row number as the clerk sees it (CSV: the line number)
    column: str | None  # the column letter
    header: str | None
    value: str | None  # the value as written
    message_ja: str
    message_en: str
    hint_ja: str

    def as_tuple(self) -> tuple:
        """(row, column, code): what tests compare."""
        return (self.row, self.column, self.code)

    def to_dict(self) -> dict:
        return asdict(self)


def make(
    code: str, *, sheet=None, row=None, column=None, header=None, value=None, hint_ja: str | None = None, **params
) -> Finding:
    """Build a finding of a catalogue type; ``params`` are exactly the type's :attr:`~FindingType.fields`;
    ``hint_ja`` replaces the type's hint where the case has a more precise one.

    >>> make("co-manager-limit", value="A-0001", count=3)
    Traceback (most recent call last):
    ...
    TypeError: co-manager-limit needs the field(s) limit
    """
    kind = CATALOGUE[code]
    if params.keys() != kind.fields:
        missing, unknown = sorted(kind.fields - params.keys()), sorted(params.keys() - kind.fields)
        raise TypeError(
            f"{code} needs the field(s) {', '.join(missing)}"
            if missing
            else f"{code} has no field(s) {', '.join(unknown)}"
        )
    shown = display_value(value)
    fill = dict(params, header=header or "", value=shown or "", column=column or "")
    return Finding(
        code,
        kind.severity,
        sheet,
        row,
        column,
        header,
        shown,
        kind.message_ja.format_map(fill),
        kind.message_en.format_map(fill),
        hint_ja or kind.hint_ja,
    )


def code_for(error: errors.KyosaiError) -> str:
    """The finding code of a rules-core error: its class's own."""
    return type(error).code


def from_error(error: errors.KyosaiError, *, code: str | None = None, value=None, **position) -> Finding:
    """The finding for an error the rules core raised on a cell or row: the error's message is the
    finding's where the type shows it (``{detail_ja}``), else the type's own words say it."""
    code = code or code_for(error)
    details = {"detail_ja": error.message_ja, "detail_en": error.message_en}
    return make(
        code,
        value=error.value if value is None else value,
        hint_ja=error.hint_ja,
        **position,
        **{name: text for name, text in details.items() if name in CATALOGUE[code].fields},
    )
