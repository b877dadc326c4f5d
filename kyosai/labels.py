"""The enumerated choices of the two schemes, as clerks write them (区分・ラベル).

Each choice is an :class:`enum.Enum` whose value is the Japanese label printed on the forms and
in the batch files (docs/batch-format.md). :meth:`Label.parse` reads what a clerk typed: the Japanese label,
a common variant (``月払い``, ``毎月払``), or an English alias (``monthly``), after full-width /
half-width folding (NFKC), trimming and ignoring case and inner spaces.

>>> Pattern.parse("年払い")
<Pattern.ANNUAL: '年払'>
>>> Scheme.parse(" SKY ")
<Scheme.SKY: '小規模企業共済'>
>>> Channel.parse("debit").value
'現金なし'
>>> Pattern.parse("weekly")
Traceback (most recent call last):
...
kyosai.errors.InvalidLabel: 払込区分「weekly」は選べません（月払 / 半年払 / 年払）。 / ...
"""

from __future__ import annotations

import enum
from typing import Any, Self

from .errors import InvalidLabel, KyosaiError
from .inputs import filled
from .japanese import fold

__all__ = [
    "Label",
    "Scheme",
    "Channel",
    "Pattern",
    "MemberType",
    "SkyIndustry",
    "SafetyIndustry",
    "ApplicantType",
    "PrepaymentMethod",
    "CancellationKind",
    "AccountType",
    "TaxArrears",
    "normalize_key",
]


def normalize_key(text: str) -> str:
    """Fold a label for matching: NFKC, no spaces (also full-width), lower case, no trailing 。.

    The one folding (:func:`~kyosai.japanese.fold`) and the label's own rule, the trailing 。."""
    return fold(text, spaces="drop", lower=True).rstrip("。.")


class Label(enum.Enum):
    """Base of the choice enumerations; the value is the Japanese label."""

    # Set per class by _aliases() below: the Japanese and English name of the choice itself,
    # for messages, and the folded spellings that map to each member.
    title_ja: str
    title_en: str
    _lookup_table: dict[str, Label]  # built by _lookup() on first use

    # Members are singletons compared by identity; Enum's own __hash__ hashes the name in Python,
    # which dominates grouping 100,000 records by their labels.
    __hash__ = object.__hash__

    @classmethod
    def parse(cls, value: Any) -> Self:
        """Read a label as a clerk wrote it; raises InvalidLabel / MissingValue."""
        if isinstance(value, cls):
            return value
        filled(value, cls.title_ja, cls.title_en, cell=True)
        member = cls._lookup().get(normalize_key(str(value)))
        if member is None:
            choices = " / ".join(m.value for m in cls)
            raise InvalidLabel(
                f"{cls.title_ja}「{value}」は選べません（{choices}）。",
                f"{cls.title_en} {value!r} is not one of: {choices}.",
                value=value,
            )
        return member

    @classmethod
    def is_valid(cls, value: Any) -> bool:
        """True when :meth:`parse` would accept the value."""
        try:
            cls.parse(value)
        except KyosaiError:
            return False
        return True

    @classmethod
    def _lookup(cls) -> dict[str, Self]:
        lookup = cls.__dict__.get("_lookup_table")
        if lookup is None:
            lookup = {normalize_key(m.value): m for m in cls}
            lookup.update({normalize_key(m.name): m for m in cls})
            cls._lookup_table = lookup
        return lookup

    def __str__(self) -> str:
        return self.value


def _aliases(cls: type[Label], title_ja: str, title_en: str, table: dict[Label, tuple[str, ...]]):
    """Attach the display titles and the extra spellings of each member."""
    cls.title_ja = title_ja
    cls.title_en = title_en
    lookup = cls._lookup()
    for member, spellings in table.items():
        for spelling in spellings:
            key = normalize_key(spelling)
            if lookup.get(key, member) is not member:
                raise AssertionError(f"alias {spelling!r} is ambiguous in {cls.__name__}")
            lookup[key] = member


class Scheme(Label):
    """制度: 小規模企業共済 (SKY) or 経営セーフティ共済 (SAFETY, 中小企業倒産防止共済)."""

    SKY = "小規模企業共済"
    SAFETY = "経営セーフティ共済"


_aliases(
    Scheme,
    "制度",
    "scheme",
    {
        Scheme.SKY: ("小規模", "小規模共済", "小規模企業共済制度", "small business mutual aid"),
        Scheme.SAFETY: (
            "セーフティ",
            "セーフティ共済",
            "経営セーフティ",
            "倒産防止共済",
            "中小企業倒産防止共済",
            "経営セーフティ共済(中小企業倒産防止共済)",
            "business safety mutual aid",
        ),
    },
)


class Channel(Label):
    """申込方法: 現金あり (cash at the counter), 現金なし (no cash), オンライン (online, since 2023-09)."""

    CASH = "現金あり"
    NO_CASH = "現金なし"
    ONLINE = "オンライン"


_aliases(
    Channel,
    "申込方法",
    "channel",
    {
        Channel.CASH: ("①現金あり", "1現金あり", "現金", "with cash", "counter"),
        Channel.NO_CASH: (
            "②現金なし",
            "2現金なし",
            "口座振替",
            "debit",
            "direct debit",
            "no cash",
            "no_cash",
            "nocash",
            "without cash",
        ),
        Channel.ONLINE: ("オンライン申込", "web", "internet"),
    },
)


class Pattern(Label):
    """払込区分 (SKY): 月払 (monthly), 半年払 (semi-annual), 年払 (annual)."""

    MONTHLY = "月払"
    SEMI_ANNUAL = "半年払"
    ANNUAL = "年払"

    @property
    def months_per_payment(self) -> int:
        """How many months one regular debit collects: 1, 6 or 12."""
        return {Pattern.MONTHLY: 1, Pattern.SEMI_ANNUAL: 6, Pattern.ANNUAL: 12}[self]


_aliases(
    Pattern,
    "払込区分",
    "payment pattern",
    {
        Pattern.MONTHLY: ("月払い", "毎月払", "毎月払い", "月額払", "monthly", "month"),
        Pattern.SEMI_ANNUAL: (
            "半年払い",
            "半年",
            "semiannual",
            "semi-annual",
            "semi_annual",
            "half-yearly",
            "halfyearly",
        ),
        Pattern.ANNUAL: ("年払い", "年一括", "annual", "annually", "yearly", "year"),
    },
)


class MemberType(Label):
    """加入者区分 (SKY): who joins."""

    PROPRIETOR = "個人事業主"
    CO_MANAGER = "共同経営者"
    OFFICER = "会社役員"
    PROFESSIONAL_PARTNER = "士業法人社員"


_aliases(
    MemberType,
    "加入者区分",
    "member type",
    {
        MemberType.PROPRIETOR: ("事業主", "個人", "sole proprietor", "proprietor"),
        MemberType.CO_MANAGER: ("co-manager", "comanager", "co_manager"),
        MemberType.OFFICER: ("役員", "会社等の役員", "company officer", "officer"),
        MemberType.PROFESSIONAL_PARTNER: ("士業法人の社員", "professional partner", "partner"),
    },
)


class SkyIndustry(Label):
    """業種 on the SKY application; decides the 5- or 20-employee band (docs/rules.md §1.2)."""

    MANUFACTURING = "製造業"
    CONSTRUCTION = "建設業"
    TRANSPORT = "運輸業"
    WHOLESALE = "卸売業"
    RETAIL = "小売業"
    SERVICES = "サービス業"
    LODGING = "宿泊業"
    ENTERTAINMENT = "娯楽業"
    REAL_ESTATE = "不動産業"
    AGRICULTURE = "農業"
    OTHER = "その他"


_aliases(
    SkyIndustry,
    "業種",
    "industry",
    {
        SkyIndustry.MANUFACTURING: ("manufacturing",),
        SkyIndustry.CONSTRUCTION: ("construction",),
        SkyIndustry.TRANSPORT: ("運送業", "transport"),
        SkyIndustry.WHOLESALE: ("卸売", "wholesale"),
        SkyIndustry.RETAIL: ("小売", "retail"),
        SkyIndustry.SERVICES: ("サービス", "services", "service"),
        SkyIndustry.LODGING: ("宿泊", "旅館業", "lodging", "hotel", "hotels"),
        SkyIndustry.ENTERTAINMENT: ("娯楽", "entertainment"),
        SkyIndustry.REAL_ESTATE: ("不動産", "real estate", "realestate"),
        SkyIndustry.AGRICULTURE: ("農林業", "agriculture"),
        SkyIndustry.OTHER: ("その他の業種", "other", "others"),
    },
)


class SafetyIndustry(Label):
    """業種 on the SAFETY application; decides the capital / employee limits (docs/rules.md §2.2)."""

    MANUFACTURING = "製造業"
    CONSTRUCTION = "建設業"
    TRANSPORT = "運輸業"
    WHOLESALE = "卸売業"
    SERVICES = "サービス業"
    RETAIL = "小売業"
    RUBBER = "ゴム製品製造業"
    SOFTWARE = "ソフトウェア業・情報処理サービス業"
    HOTELS = "旅館業"
    OTHER = "その他"


_aliases(
    SafetyIndustry,
    "業種",
    "industry",
    {
        SafetyIndustry.MANUFACTURING: ("manufacturing",),
        SafetyIndustry.CONSTRUCTION: ("construction",),
        SafetyIndustry.TRANSPORT: ("運送業", "transport"),
        SafetyIndustry.WHOLESALE: ("卸売", "wholesale"),
        SafetyIndustry.SERVICES: ("サービス", "services", "service"),
        SafetyIndustry.RETAIL: ("小売", "retail"),
        SafetyIndustry.RUBBER: ("ゴム製品", "ゴム製品製造", "rubber", "rubber products"),
        SafetyIndustry.SOFTWARE: (
            "ソフトウェア業",
            "情報処理サービス業",
            "ソフトウェア",
            "software",
            "information processing",
        ),
        SafetyIndustry.HOTELS: ("旅館", "ホテル・旅館業", "hotels", "hotel", "inns"),
        SafetyIndustry.OTHER: ("その他の業種", "other", "others"),
    },
)


class ApplicantType(Label):
    """申込者区分 (SAFETY): 法人 (company) or 個人 (sole proprietor)."""

    COMPANY = "法人"
    SOLE_PROPRIETOR = "個人"


_aliases(
    ApplicantType,
    "申込者区分",
    "applicant type",
    {
        ApplicantType.COMPANY: ("会社", "corporation", "company"),
        ApplicantType.SOLE_PROPRIETOR: ("個人事業主", "個人事業者", "sole proprietor", "individual"),
    },
)


class PrepaymentMethod(Label):
    """前納方法 (SAFETY, at joining): (ア) 口座振替 with the first debit, or (イ) 振込 in the application month."""

    DEBIT = "口座振替"
    TRANSFER = "振込"


_aliases(
    PrepaymentMethod,
    "前納方法",
    "prepayment method",
    {
        PrepaymentMethod.DEBIT: ("ア", "振替", "預金口座振替", "direct debit"),
        PrepaymentMethod.TRANSFER: ("イ", "振込み", "銀行振込", "bank transfer"),
    },
)


class CancellationKind(Label):
    """解約の種類 (SAFETY refund): 任意解約, みなし解約 (death, dissolution), 機構解約 (by SMRJ)."""

    VOLUNTARY = "任意解約"
    DEEMED = "みなし解約"
    BY_SMRJ = "機構解約"


_aliases(
    CancellationKind,
    "解約の種類",
    "cancellation kind",
    {
        CancellationKind.VOLUNTARY: ("任意", "voluntary"),
        CancellationKind.DEEMED: ("みなし", "deemed"),
        CancellationKind.BY_SMRJ: ("機構", "smrj"),
    },
)


class AccountType(Label):
    """預金種目: 普通 (ordinary) or 当座 (current)."""

    ORDINARY = "普通"
    CURRENT = "当座"


_aliases(
    AccountType,
    "預金種目",
    "account type",
    {
        AccountType.ORDINARY: ("普通預金", "ordinary", "savings"),
        AccountType.CURRENT: ("当座預金", "current", "checking"),
    },
)


class TaxArrears(Label):
    """税の滞納 (SAFETY eligibility): なし or あり."""

    NONE = "なし"
    SOME = "あり"


_aliases(
    TaxArrears,
    "税の滞納",
    "tax arrears",
    {
        TaxArrears.NONE: ("無", "無し", "no", "false", "0"),
        TaxArrears.SOME: ("有", "有り", "滞納あり", "yes", "true", "1"),
    },
)
