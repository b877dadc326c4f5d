"""The errors of the rules core (例外).

Every error carries its human message twice, in Japanese first and in English, plus the
value that was at fault and, once known, the name of the field or argument it came from.
The classes form a small tree so that callers map them in one place: the Excel add-in turns
any :class:`KyosaiError` into a ``#…`` text for the cell, the validator turns it into the finding
whose code is the class's :attr:`KyosaiError.code` (one spelling: the findings catalogue's).

>>> try:
...     raise InvalidNumber("「abc」は金額として読めません", "'abc' is not an amount", value="abc")
... except KyosaiError as e:
...     (e.code, e.message_ja, e.value)
('invalid-number', '「abc」は金額として読めません', 'abc')
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "KyosaiError",
    "InvalidFormat",
    "InvalidDate",
    "WrongWeekday",
    "InvalidNumber",
    "InvalidLabel",
    "MissingValue",
    "RuleViolation",
    "InvalidPremium",
    "LimitExceeded",
    "NotEligible",
    "LateRequest",
    "OutOfRange",
]


class KyosaiError(ValueError):
    """Base of every error the rules core raises on bad input or a broken rule.

    ``code`` is the code of the finding the validator reports (``validator/findings.py``); ``field`` is
    the argument or column the value came from, filled in by whoever knows it
    (see :meth:`for_field`); ``hint_ja`` says what to do where the finding's general hint would not
    (a wrong check digit: look the number up).
    """

    code = "invalid-format"

    def __init__(
        self,
        message_ja: str,
        message_en: str,
        *,
        value: Any = None,
        field: str | None = None,
        hint_ja: str | None = None,
    ):
        super().__init__(f"{message_ja} / {message_en}")
        self.message_ja = message_ja
        self.message_en = message_en
        self.value = value
        self.field = field
        self.hint_ja = hint_ja

    def for_field(self, field: str) -> KyosaiError:
        """Name the field the value came from (kept if one is already named); returns self."""
        if self.field is None:
            self.field = field
        return self

    def __reduce__(self):  # keep the messages when an error crosses a process boundary
        return (_rebuild, (type(self), self.message_ja, self.message_en, self.value, self.field, self.hint_ja))


def _rebuild(cls, message_ja, message_en, value, field, hint_ja=None):
    return cls(message_ja, message_en, value=value, field=field, hint_ja=hint_ja)


class InvalidFormat(KyosaiError):
    """The value cannot be read at all (誤記入): not a date, not a number, not a known label."""

    code = "invalid-format"


class InvalidDate(InvalidFormat):
    """Not a date, or a date that does not exist (平成32年, 2月30日)."""

    code = "invalid-date"


class WrongWeekday(InvalidDate):
    """A date written with a weekday that it does not fall on (令和6年12月2日(火): a Monday)."""

    code = "wrong-weekday"


class InvalidNumber(InvalidFormat):
    """Not a number, or not a whole number of yen / persons / months."""

    code = "invalid-number"


class InvalidLabel(InvalidFormat):
    """Not one of the allowed choices (制度, 申込方法, 払込区分, 業種, …)."""

    code = "invalid-label"


class MissingValue(KyosaiError):
    """A required value is empty (記入漏れ)."""

    code = "missing-value"


class RuleViolation(KyosaiError):
    """The value is readable but breaks one of the schemes' rules."""

    code = "rule-violation"


class InvalidPremium(RuleViolation):
    """A monthly premium outside the scheme's range or step (掛金月額)."""

    code = "invalid-premium"


class LimitExceeded(RuleViolation):
    """A SAFETY amount that would take total premiums over the 8,000,000-yen limit (積立限度額)."""

    code = "limit-exceeded"


class NotEligible(RuleViolation):
    """The business or person may not join the scheme (加入資格なし)."""

    code = "not-eligible"


class LateRequest(RuleViolation):
    """A request that reached headquarters after its deadline (期限後の到着: void)."""

    code = "late-request"


class OutOfRange(RuleViolation):
    """A number or date outside what the rule can be applied to (negative months, year 1800, …)."""

    code = "out-of-range"
