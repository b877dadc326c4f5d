"""The payment schedule engine (払込スケジュール): from a contract to dated payments.

A :class:`Contract` is what the application form says (scheme, monthly premium, application date,
channel, payment pattern, months prepaid at joining …). :func:`payments` lists what is paid when —
cash at the counter, bank transfers and debits — each with the months it covers and its amount.
The first debit, the amount deductible in a year, the 前納減額金 and the deduction certificate all
follow from this list, so the rules of joining live here once.

SKY (docs/rules.md §1.4) [SEED][OFF]
  - The contract's first month is the application month M. Without cash (現金なし) or online, the
    first debit is in M+2 (``SKY_FIRST_DEBIT_MONTHS_AFTER``; one month later per month of late review)
    and collects every month due so far plus the months prepaid at joining: monthly pattern with n
    months prepaid → (3 + n) × monthly. **SKY counts prepaid months after the first debit's month.**
  - With cash (現金あり) the counter payment in M counts as paid in M: the month M (plus n prepaid
    months) on the monthly pattern, or M up to the month before the next designated month on the
    annual / semi-annual pattern. The first debit, in M+2 at the earliest, collects what is then due.
  - Annual / semi-annual: every payment runs up to the month before the next designated month
    (指定納付月; default: the application month), so the seed's December application at 70,000
    without cash is debited 840,000 in February 2025 for 2024-12 … 2025-11, and 12 months again in
    December 2025.
SAFETY (docs/rules.md §2.3) [SEED][OFF]
  - First debit in M+2, collecting M, M+1 and M+2, then monthly. Prepaid months at joining **start
    with the first debit's month** (SAFETY counts them inclusively, unlike SKY): prepaid by debit
    (ア 口座振替) the first debit is 2 + n months; prepaid by transfer (イ 振込) the n months are paid
    in the application month and the first debit collects M and M+1.
  - Debits stop at the 8,000,000-yen limit (積立限度額); the payment that reaches it is a remainder.

>>> c = Contract(Scheme.SKY, 70000, datetime.date(2024, 12, 2), Channel.NO_CASH, Pattern.ANNUAL)
>>> first_debit(c)
Payment(2025-02-18 口座振替 2024-12..2025-11 840,000円)
>>> Contract(Scheme.SAFETY, 100000, datetime.date(2024, 12, 2), prepaid_months=12).first_debit_amount
1400000
"""

from __future__ import annotations

import bisect
import datetime
import enum
import itertools
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from functools import cached_property, lru_cache

from . import debit, premium
from .caches import cached
from .errors import KyosaiError, LimitExceeded, OutOfRange, RuleViolation
from .labels import Channel, Pattern, PrepaymentMethod, Scheme
from .month import Month
from .params import P

__all__ = [
    "PaymentKind",
    "Payment",
    "Contract",
    "Shape",
    "payments",
    "unit_payments",
    "iter_payments",
    "first_debit",
    "first_debit_date",
    "validate_sky_prepaid_months",
]


class PaymentKind(enum.Enum):
    """How a payment is made."""

    CASH = "現金"  # at the agency counter on the application day (SKY 現金あり)
    TRANSFER = "振込"  # SAFETY prepayment transferred to SMRJ's account in the application month
    DEBIT = "口座振替"  # direct debit on the scheme's debit day

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Payment:
    """One payment: when, how, which months it covers and how much (yen)."""

    date: datetime.date
    kind: PaymentKind
    months: tuple[Month, ...]
    amount: int

    @property
    def month(self) -> Month:
        """The month the payment is made in."""
        return Month.of(self.date)

    @property
    def first_month(self) -> Month:
        return self.months[0]

    @property
    def last_month(self) -> Month:
        return self.months[-1]

    def __repr__(self) -> str:
        span = str(self.first_month) if len(self.months) == 1 else f"{self.first_month}..{self.last_month}"
        return f"Payment({self.date.isoformat()} {self.kind} {span} {self.amount:,}円)"


_MAX_MONTHS = 600  # 50 years: a guard against a mistyped count of months, not a rule of either scheme


@lru_cache(maxsize=4096)  # schedules cover the same spans again and again: share the tuples
def _months(first: Month, last: Month) -> tuple[Month, ...]:
    return tuple(first + i for i in range(last - first + 1))


def validate_sky_prepaid_months(pattern: Pattern | str, prepaid_months: int) -> int:
    """Months prepaid at joining on a SKY form (前納月数): only on the monthly pattern; returns them.

    >>> validate_sky_prepaid_months("月払", 6)
    6
    >>> validate_sky_prepaid_months("年払", 3)
    Traceback (most recent call last):
    ...
    kyosai.errors.RuleViolation: 小規模企業共済の加入時の前納は月払のときだけ指定できます。 / ...
    """
    if prepaid_months and Pattern.parse(pattern) is not Pattern.MONTHLY:
        # [DECISION] The SKY form's 前納 applies to monthly payers; an annual or semi-annual
        # payer already pays ahead by pattern. Refuse rather than invent a combination.
        raise RuleViolation(
            "小規模企業共済の加入時の前納は月払のときだけ指定できます。",
            "SKY months prepaid at joining apply to the monthly pattern only.",
            value=prepaid_months,
        )
    return prepaid_months


@dataclass(frozen=True)
class Contract:
    """A new contract as the application form states it (契約申込).

    ``prepaid_months`` is the 前納月数 written on the form, counted the scheme's way (see the
    module docstring). ``designated_month`` is the 指定納付月 (1–12) of an annual / semi-annual SKY
    payer; when omitted, the application month. ``review_delay_months`` models headquarters'
    review slipping (the first debit moves one month later per month and collects one month more).
    Labels may be given as text (``"現金なし"``, ``"annual"``).
    """

    scheme: Scheme
    monthly_amount: int
    application_date: datetime.date
    channel: Channel = Channel.NO_CASH
    pattern: Pattern = Pattern.MONTHLY
    prepaid_months: int = 0
    designated_month: int | None = None
    prepayment_method: PrepaymentMethod = PrepaymentMethod.DEBIT
    review_delay_months: int = 0

    def __post_init__(self):
        # A frozen dataclass: normalise the labels given as text once, here.
        object.__setattr__(self, "scheme", Scheme.parse(self.scheme))
        object.__setattr__(self, "channel", Channel.parse(self.channel))
        object.__setattr__(self, "pattern", Pattern.parse(self.pattern))
        object.__setattr__(self, "prepayment_method", PrepaymentMethod.parse(self.prepayment_method))
        if isinstance(self.application_date, datetime.datetime):
            object.__setattr__(self, "application_date", self.application_date.date())
        premium.validate(self.monthly_amount, self.scheme, self.application_date)
        for name, value in (("前納月数", self.prepaid_months), ("審査遅れの月数", self.review_delay_months)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_MONTHS:
                raise OutOfRange(
                    f"{name}は0以上の整数です（{value!r}）。",
                    f"{name} must be a whole number ≥ 0, not {value!r}.",
                    value=value,
                )
        if self.designated_month is not None and not (
            isinstance(self.designated_month, int) and 1 <= self.designated_month <= 12
        ):
            raise OutOfRange(
                f"指定納付月は1〜12です（{self.designated_month!r}）。",
                f"The designated month is 1–12, not {self.designated_month!r}.",
                value=self.designated_month,
            )
        if self.scheme is Scheme.SAFETY:
            self._check_safety()
        else:
            validate_sky_prepaid_months(self.pattern, self.prepaid_months)

    def _check_safety(self):
        if self.channel is Channel.CASH:
            raise RuleViolation(
                "経営セーフティ共済に「現金あり」の申込はありません。前納を申込月に払う場合は前納方法「振込」です。",
                "SAFETY has no cash application; to prepay in the application month use the transfer method.",
                value=self.channel.value,
            )
        if self.pattern is not Pattern.MONTHLY:
            raise RuleViolation(
                "経営セーフティ共済の払込は月払だけです（前納は前納月数で指定します）。",
                "SAFETY premiums are monthly; prepay with the prepaid months instead.",
                value=self.pattern.value,
            )
        months_before_first_debit = P.SAFETY_FIRST_DEBIT_MONTHS_AFTER.at(self.application_date)
        at_joining = (
            months_before_first_debit + self.review_delay_months + max(self.prepaid_months, 1)
        ) * self.monthly_amount
        limit = P.SAFETY_TOTAL_LIMIT.at(self.application_date)
        if at_joining > limit:
            raise LimitExceeded(
                f"加入時の前納で掛金総額が積立限度額{limit:,}円を超えます（{at_joining:,}円）。",
                f"The premiums at joining ({at_joining:,} yen) exceed the {limit:,}-yen limit.",
                value=self.prepaid_months,
            )

    # ------------------------------------------------------------------ derived facts
    @property
    def application_month(self) -> Month:
        return Month.of(self.application_date)

    @property
    def first_debit_month(self) -> Month:
        """The month of the first debit after joining: M+2, later if the review slipped."""
        after = (P.SKY_FIRST_DEBIT_MONTHS_AFTER if self.scheme is Scheme.SKY else P.SAFETY_FIRST_DEBIT_MONTHS_AFTER).at(
            self.application_date
        )
        return self.application_month + after + self.review_delay_months

    @cached_property  # asked once per payment; depends on the contract's fields only
    def designated_months(self) -> frozenset[int]:
        """The calendar months an annual / semi-annual SKY payer is debited in."""
        if self.pattern is Pattern.MONTHLY:
            return frozenset(range(1, 13))
        first = self.designated_month or self.application_month.month
        step = self.pattern.months_per_payment
        return frozenset((first - 1 + k) % 12 + 1 for k in range(0, 12, step))

    def coverage_end(self, payment_month: Month) -> Month:
        """The last month a regular payment in ``payment_month`` covers (the pattern's own span)."""
        if self.pattern is Pattern.MONTHLY:
            return payment_month
        # Up to the month before the next designated month, counted in calendar months (speed).
        designated = self.designated_months
        ahead = next(k for k in range(1, 13) if (payment_month.month - 1 + k) % 12 + 1 in designated)
        return payment_month + ahead - 1

    @property
    def first_debit(self) -> Payment:
        return first_debit(self)

    @property
    def first_debit_date(self) -> datetime.date:
        return first_debit(self).date

    @property
    def first_debit_amount(self) -> int:
        return first_debit(self).amount


def iter_payments(contract: Contract) -> Iterator[Payment]:
    """Every payment of the contract in date order, without end (SAFETY: until the limit)."""
    return _capped(contract, _priced(_slots(contract), contract.monthly_amount))


def payments(contract: Contract, until: Month) -> list[Payment]:
    """The payments made up to and including the month ``until``.

    >>> c = Contract("sky", 70000, datetime.date(2024, 12, 2), "現金あり", "annual")
    >>> payments(c, Month(2025, 12))
    [Payment(2024-12-02 現金 2024-12..2025-11 840,000円), Payment(2025-12-18 口座振替 2025-12..2026-11 840,000円)]
    """
    return list(_capped(contract, _priced(_timeline(Shape.of(contract), until), contract.monthly_amount)))


def unit_payments(shape: Shape, until: Month) -> list[Payment]:
    """The SKY payments of a shape up to the month ``until`` at 1 yen a month: each amount is the
    number of months the payment covers.

    Everything that scales with the premium (the deduction, the 前納減額金 accrued) can be worked out
    on these once per shape (:mod:`kyosai.deduction`). SAFETY's limit does not scale: refused.

    >>> c = Contract("sky", 70000, datetime.date(2024, 12, 2), "現金あり", "annual")
    >>> unit_payments(Shape.of(c), Month(2025, 12))
    [Payment(2024-12-02 現金 2024-12..2025-11 12円), Payment(2025-12-18 口座振替 2025-12..2026-11 12円)]
    """
    if shape.contract.scheme is not Scheme.SKY:
        raise ValueError("SAFETY payments stop at the limit: they do not scale with the premium")
    return list(_priced(_timeline(shape, until), 1))


def first_debit_date(
    scheme: Scheme,
    application_date: datetime.date,
    channel: Channel,
    pattern: Pattern,
    prepaid_months: int = 0,
    designated_month: int | None = None,
) -> datetime.date:
    """The date of the first debit of a contract with these choices, whatever its premium: the dates
    of the payments do not depend on it (see :class:`Shape`), so the scheme's smallest premium
    stands in. The premium itself is the caller's to check (:func:`kyosai.premium.validate`).

    >>> first_debit_date(Scheme.SKY, datetime.date(2024, 11, 20), Channel.NO_CASH, Pattern.MONTHLY)
    datetime.date(2025, 1, 20)

    Without cash the application date counts only by its month and the parameters in force on it
    (the first debit is in month M+n, the payments' months follow from M): every day of a month in
    one :meth:`~kyosai.params.P.epoch` has the same answer, worked out once (a batch's 100,000
    applications have a few hundred). ``tests/test_schedule.py`` proves it day by day.
    """
    if isinstance(application_date, datetime.date) and _without_cash(channel):
        application_date = _same_payments_from(application_date)
    return _first_debit_date(scheme, application_date, channel, pattern, prepaid_months, designated_month)


def _without_cash(channel: Channel | str) -> bool:
    """Whether ``channel`` is one without cash (a label the rules refuse: False, and refused as before)."""
    try:
        return Channel.parse(channel) is not Channel.CASH
    except KyosaiError:
        return False


def _same_payments_from(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month with the same parameters in force as ``day``."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    changes = P.change_dates()
    since = bisect.bisect_right(changes, day)
    return max(day.replace(day=1), changes[since - 1]) if since else day.replace(day=1)


@cached  # a batch asks for the same few application months and choices again and again
def _first_debit_date(
    scheme: Scheme,
    application_date: datetime.date,
    channel: Channel,
    pattern: Pattern,
    prepaid_months: int,
    designated_month: int | None,
) -> datetime.date:
    smallest = premium.bounds(scheme, application_date)[0]
    contract = Contract(scheme, smallest, application_date, channel, pattern, prepaid_months, designated_month)
    return first_debit(contract).date


def first_debit(contract: Contract) -> Payment:
    """The first direct debit of the contract (初回振替): its date, months and amount."""
    stream = _capped(contract, _priced(_to_first_debit(Shape.of(contract)), contract.monthly_amount))
    return next(p for p in stream if p.kind is PaymentKind.DEBIT)


# ---------------------------------------------------------------------- slots: payments without amounts
# When a contract pays and which months each payment covers do not depend on the premium; only the
# amounts do. The engine lists these slots (date, kind, months covered); :func:`_priced` makes them
# payments. Contracts that differ in their premium only (customers share application dates and
# choices) share their slots through :func:`_timeline`.

Slot = tuple[datetime.date, PaymentKind, tuple[Month, ...]]


@dataclass(frozen=True)
class Shape:
    """A contract but for its premium: what the dates and months of its payments depend on.

    Compares and hashes by every field of the contract except ``monthly_amount``, so that results
    which do not depend on the premium, or scale with it, are cached once per shape.
    """

    key: tuple
    contract: Contract = field(compare=False)  # one contract of the shape, to work the slots out from

    @classmethod
    def of(cls, contract: Contract) -> Shape:
        return cls(_shape_key(contract), contract)


_shape_key = operator.attrgetter(*(f.name for f in fields(Contract) if f.name != "monthly_amount"))


@cached  # once per shape and month (see above)
def _timeline(shape: Shape, until: Month) -> tuple[Slot, ...]:
    """The slots paid up to and including the month ``until``."""
    return tuple(itertools.takewhile(lambda slot: Month.of(slot[0]) <= until, _slots(shape.contract)))


@cached  # once per shape (see above)
def _to_first_debit(shape: Shape) -> tuple[Slot, ...]:
    """The slots up to and including the first debit."""
    slots = []
    for slot in _slots(shape.contract):  # without end: a debit always comes
        slots.append(slot)
        if slot[1] is PaymentKind.DEBIT:
            break
    return tuple(slots)


def _priced(slots: Iterable[Slot], monthly_amount: int) -> Iterator[Payment]:
    """The payments of the slots: every month covered at the monthly premium."""
    return (Payment(date, kind, months, len(months) * monthly_amount) for date, kind, months in slots)


def _slots(contract: Contract) -> Iterator[Slot]:
    """The slots of the contract in date order, without end."""
    return _sky_slots(contract) if contract.scheme is Scheme.SKY else _safety_slots(contract)


def _debit(contract: Contract, month: Month, first: Month, last: Month) -> Slot:
    return debit.compute(month, contract.scheme), PaymentKind.DEBIT, _months(first, last)


def _sky_slots(c: Contract) -> Iterator[Slot]:
    start, first_debit_month = c.application_month, c.first_debit_month
    if c.channel is Channel.CASH:
        last = c.coverage_end(start) + c.prepaid_months
        yield c.application_date, PaymentKind.CASH, _months(start, last)
    else:
        last = c.coverage_end(first_debit_month) + c.prepaid_months
        yield _debit(c, first_debit_month, start, last)
    # From here on every debit collects what is due: the months after the last one covered, up to
    # the end of the pattern's span; never before the first debit month after joining.
    while True:
        month = max(first_debit_month, last + 1)
        first, last = last + 1, c.coverage_end(month)
        yield _debit(c, month, first, last)


def _safety_slots(c: Contract) -> Iterator[Slot]:
    start, first_debit_month, n = c.application_month, c.first_debit_month, c.prepaid_months
    if n and c.prepayment_method is PrepaymentMethod.TRANSFER:
        # (イ) transferred in the application month; counts as paid then (seed: 申込月に振込).
        yield c.application_date, PaymentKind.TRANSFER, _months(first_debit_month, first_debit_month + n - 1)
        yield _debit(c, first_debit_month, start, first_debit_month - 1)
    else:
        last = first_debit_month + max(n, 1) - 1
        yield _debit(c, first_debit_month, start, last)
    month = first_debit_month + max(n, 1)
    while True:
        yield _debit(c, month, month, month)
        month += 1


def _capped(c: Contract, stream: Iterator[Payment]) -> Iterator[Payment]:
    """Stop SAFETY payments at the total limit; the payment that reaches it pays the remainder.
    SKY has no limit: its stream is returned as it is."""
    if c.scheme is Scheme.SKY:
        return stream
    return _capped_safety(c, stream)


def _capped_safety(c: Contract, stream: Iterator[Payment]) -> Iterator[Payment]:
    paid = 0
    for payment in stream:
        limit = P.SAFETY_TOTAL_LIMIT.at(payment.date)
        room = limit - paid
        if room <= 0:
            return
        if payment.amount > room:
            months = payment.months[: -(-room // c.monthly_amount)]
            payment = Payment(payment.date, payment.kind, months, room)
        paid += payment.amount
        yield payment
