"""The batch kinds that agencies send to headquarters (the batch format), as data.

One definition serves everything that knows a batch's shape: the validator matches headers and
reads cells with it, the pandera schemas check its columns, and the Excel templates in
``workbooks/`` are generated from it (headers, dropdowns, input messages). Change a column here and
all of them follow. The sample records of each kind (the templates' 記入例, the docs' examples, the
tests' valid rows) are data: :mod:`schemas.samples`.

>>> KINDS["sky-application"].sheet
'小規模企業共済_申込'
>>> KINDS["prepayment"].column("前納希望年月").alias
'desired_month'
>>> find_kind_by_sheet("前納申出").name
'prepayment'
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kyosai.labels import (
    AccountType,
    ApplicantType,
    Channel,
    Label,
    MemberType,
    Pattern,
    PrepaymentMethod,
    SafetyIndustry,
    Scheme,
    SkyIndustry,
    TaxArrears,
    normalize_key,
)

__all__ = ["Value", "Column", "BatchKind", "KINDS", "find_kind_by_sheet", "find_kind_by_headers"]


class Value(enum.Enum):
    """What a column holds, which decides how a cell is read and checked."""

    TEXT = "text"  # free text (name, address)
    REFERENCE = "reference"  # an identifier kept as text (受付番号, 事業主受付番号)
    DIGITS = "digits"  # a code of digits kept as text so leading zeros survive
    KATAKANA = "katakana"  # フリガナ, 口座名義カナ (half-width normalised)
    POSTAL_CODE = "postal"  # 7 digits, hyphen optional
    PHONE = "phone"  # 10 or 11 digits, hyphens optional
    CORPORATE_NUMBER = "corporate_number"  # 法人番号: 13 digits with a check digit
    DATE = "date"  # 和暦, ISO, Excel serial …
    MONTH = "month"  # 2024-12, 令和6年12月
    AMOUNT = "amount"  # yen
    COUNT = "count"  # whole number ≥ 0
    LABEL = "label"  # one of a Label enumeration
    CALENDAR_MONTH = "calendar_month"  # 1–12 (指定納付月)


@dataclass(frozen=True)
class Column:
    """One column of a batch: its Japanese header, English alias, content and rules."""

    header: str
    alias: str
    value: Value
    required: bool = False
    label: type[Label] | None = None
    digits: tuple[int, int] | None = None  # (min, max) number of digits for DIGITS
    hint_ja: str = ""  # what to write: input message in the template

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(m.value for m in self.label) if self.label else ()


@dataclass(frozen=True)
class BatchKind:
    """A batch kind: its name, sheet name, title and columns in order."""

    name: str
    sheet: str
    title_ja: str
    columns: tuple[Column, ...]

    def column(self, header_or_alias: str) -> Column:
        key = normalize_key(header_or_alias)
        for column in self.columns:
            if key in (normalize_key(column.header), normalize_key(column.alias)):
                return column
        raise KeyError(header_or_alias)

    def match_header(self, text: str) -> Column | None:
        """The column a header cell names (after NFKC, trimming, ignoring case), or None."""
        try:
            return self.column(text)
        except KeyError:
            return None


_RECEIPT = Column(
    "受付番号",
    "receipt_no",
    Value.REFERENCE,
    required=True,
    hint_ja="委託機関の受付番号。ファイル内で重複しないこと",
)
_POSTAL = Column(
    "郵便番号",
    "postal_code",
    Value.POSTAL_CODE,
    required=True,
    hint_ja="7桁（ハイフン可）例: 105-8453",
)
_ADDRESS = Column("住所", "address", Value.TEXT, required=True, hint_ja="都道府県から")
_PHONE = Column("電話番号", "phone", Value.PHONE, required=True, hint_ja="10桁または11桁（ハイフン可）")
_BANK = (
    Column(
        "金融機関コード",
        "bank_code",
        Value.DIGITS,
        required=True,
        digits=(4, 4),
        hint_ja="4桁（先頭の0も入力）",
    ),
    Column(
        "支店コード",
        "branch_code",
        Value.DIGITS,
        required=True,
        digits=(3, 3),
        hint_ja="3桁（先頭の0も入力）",
    ),
    Column("預金種目", "account_type", Value.LABEL, required=True, label=AccountType, hint_ja="普通 / 当座"),
    Column(
        "口座番号",
        "account_number",
        Value.DIGITS,
        required=True,
        digits=(1, 7),
        hint_ja="7桁以内（7桁未満は左に0を補う）",
    ),
    Column(
        "口座名義カナ",
        "account_holder_kana",
        Value.KATAKANA,
        required=True,
        hint_ja="全角カタカナ（半角ｶﾅも可）",
    ),
)

SKY_APPLICATION = BatchKind(
    "sky-application",
    "小規模企業共済_申込",
    "小規模企業共済 契約申込",
    (
        _RECEIPT,
        Column(
            "申込日",
            "application_date",
            Value.DATE,
            required=True,
            hint_ja="例: 2024/12/2、令和6年12月2日",
        ),
        Column(
            "申込方法",
            "channel",
            Value.LABEL,
            required=True,
            label=Channel,
            hint_ja="現金あり / 現金なし / オンライン。年内控除を希望するなら現金あり",
        ),
        Column(
            "加入者区分",
            "member_type",
            Value.LABEL,
            required=True,
            label=MemberType,
            hint_ja="個人事業主 / 共同経営者 / 会社役員 / 士業法人社員",
        ),
        Column("氏名", "name", Value.TEXT, required=True, hint_ja="契約者の氏名"),
        Column("フリガナ", "name_kana", Value.KATAKANA, required=True, hint_ja="全角カタカナ"),
        Column("生年月日", "birth_date", Value.DATE, required=True, hint_ja="例: 昭和50年4月1日"),
        _POSTAL,
        _ADDRESS,
        _PHONE,
        Column(
            "業種",
            "industry",
            Value.LABEL,
            required=True,
            label=SkyIndustry,
            hint_ja="商業・サービス業（宿泊業・娯楽業を除く）は従業員5人以下、その他は20人以下",
        ),
        Column("常時使用する従業員数", "employees", Value.COUNT, required=True, hint_ja="0以上の整数"),
        Column(
            "事業主受付番号",
            "proprietor_ref",
            Value.REFERENCE,
            hint_ja="共同経営者のみ: 同じファイルの事業主の受付番号、または事業主の共済契約者番号",
        ),
        Column(
            "掛金月額",
            "monthly_amount",
            Value.AMOUNT,
            required=True,
            hint_ja="1,000円〜70,000円の500円単位",
        ),
        Column(
            "払込区分",
            "payment_pattern",
            Value.LABEL,
            required=True,
            label=Pattern,
            hint_ja="月払 / 半年払 / 年払",
        ),
        Column(
            "指定納付月",
            "designated_month",
            Value.CALENDAR_MONTH,
            hint_ja="半年払・年払は1〜12を必ず入力、月払は空欄",
        ),
        Column("前納月数", "prepaid_months", Value.COUNT, hint_ja="0以上の整数（空欄は0）"),
        *_BANK,
    ),
)

SAFETY_APPLICATION = BatchKind(
    "safety-application",
    "経営セーフティ共済_申込",
    "経営セーフティ共済 契約申込",
    (
        _RECEIPT,
        Column(
            "申込日",
            "application_date",
            Value.DATE,
            required=True,
            hint_ja="例: 2024/12/2、令和6年12月2日",
        ),
        Column(
            "申込者区分",
            "applicant_type",
            Value.LABEL,
            required=True,
            label=ApplicantType,
            hint_ja="法人 / 個人",
        ),
        Column(
            "名称",
            "name",
            Value.TEXT,
            required=True,
            hint_ja="法人名（株式会社等も）または事業主の氏名",
        ),
        Column(
            "フリガナ",
            "name_kana",
            Value.KATAKANA,
            required=True,
            hint_ja="全角カタカナ",
        ),
        Column(
            "法人番号",
            "corporate_number",
            Value.CORPORATE_NUMBER,
            hint_ja="法人は13桁（チェックデジット付き）、個人は空欄",
        ),
        _POSTAL,
        _ADDRESS,
        _PHONE,
        Column(
            "業種",
            "industry",
            Value.LABEL,
            required=True,
            label=SafetyIndustry,
            hint_ja="資本金または従業員数のどちらかが業種の上限以下",
        ),
        Column("資本金", "capital", Value.AMOUNT, hint_ja="円。個人は空欄"),
        Column("常時使用する従業員数", "employees", Value.COUNT, required=True, hint_ja="0以上の整数"),
        Column(
            "事業開始日",
            "business_start_date",
            Value.DATE,
            required=True,
            hint_ja="引き続き1年以上事業を行っていること",
        ),
        Column(
            "税の滞納",
            "tax_arrears",
            Value.LABEL,
            required=True,
            label=TaxArrears,
            hint_ja="なし / あり（ありは加入できません）",
        ),
        Column(
            "前回解約日",
            "previous_cancellation_date",
            Value.DATE,
            hint_ja="以前に解約した場合のみ（2024年10月1日以降の解約は2年間損金不算入）",
        ),
        Column(
            "掛金月額",
            "monthly_amount",
            Value.AMOUNT,
            required=True,
            hint_ja="5,000円〜200,000円の5,000円単位",
        ),
        Column("前納月数", "prepaid_months", Value.COUNT, hint_ja="0以上の整数（空欄は0）"),
        Column(
            "前納方法",
            "prepayment_method",
            Value.LABEL,
            label=PrepaymentMethod,
            hint_ja="前納月数が1以上なら必須: 口座振替 / 振込",
        ),
        *_BANK,
    ),
)

PREPAYMENT = BatchKind(
    "prepayment",
    "前納申出",
    "掛金前納・一括納付 申出",
    (
        _RECEIPT,
        Column(
            "制度",
            "scheme",
            Value.LABEL,
            required=True,
            label=Scheme,
            hint_ja="小規模企業共済 / 経営セーフティ共済",
        ),
        Column(
            "共済契約者番号",
            "contract_number",
            Value.DIGITS,
            required=True,
            digits=(1, 20),
            hint_ja="数字のみ",
        ),
        Column(
            "契約者氏名",
            "name",
            Value.TEXT,
            required=True,
            hint_ja="契約者の氏名・名称",
        ),
        Column(
            "掛金月額",
            "monthly_amount",
            Value.AMOUNT,
            required=True,
            hint_ja="制度の範囲内（小規模 1,000〜70,000円、セーフティ 5,000〜200,000円）",
        ),
        Column(
            "既払掛金総額",
            "paid_total",
            Value.AMOUNT,
            hint_ja="経営セーフティ共済は必須: 希望月より前に払い込んだ掛金の総額",
        ),
        Column("前納月数", "prepaid_months", Value.COUNT, required=True, hint_ja="1以上の整数"),
        Column(
            "前納額",
            "prepayment_amount",
            Value.AMOUNT,
            required=True,
            hint_ja="掛金月額×前納月数（積立限度額に達する場合のみ端数可）",
        ),
        Column(
            "前納希望年月",
            "desired_month",
            Value.MONTH,
            required=True,
            hint_ja="例: 2024-12、令和6年12月",
        ),
        Column(
            "書類到着日",
            "received_date",
            Value.DATE,
            required=True,
            hint_ja="中小機構に到着した日（オンラインは手続完了日）",
        ),
    ),
)

KINDS: dict[str, BatchKind] = {k.name: k for k in (SKY_APPLICATION, SAFETY_APPLICATION, PREPAYMENT)}


def find_kind_by_sheet(sheet_name: str) -> BatchKind | None:
    """The kind whose sheet name this is (after NFKC and trimming), or None."""
    key = normalize_key(sheet_name)
    return next((k for k in KINDS.values() if normalize_key(k.sheet) == key or key == k.name), None)


def find_kind_by_headers(headers: list[str]) -> BatchKind | None:
    """The kind whose required headers all appear in ``headers`` (the best match), or None."""
    best, best_score = None, 0
    for kind in KINDS.values():
        matched = {c.header for h in headers if h for c in [kind.match_header(str(h))] if c}
        required = {c.header for c in kind.columns if c.required}
        if required <= matched and len(matched) > best_score:
            best, best_score = kind, len(matched)
    return best
