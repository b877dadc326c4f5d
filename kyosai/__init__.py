"""kyosai — the rules of SMRJ's 小規模企業共済 (SKY) and 経営セーフティ共済 (SAFETY).

The rules core: pure Python (standard library and ``holidays``). One module per rule family;
every module raises the errors of :mod:`kyosai.errors`, which carry a Japanese and an English message.
Every rule value that may change (days, months, counts, rates, limits, the dates rules change on)
lives, dated and sourced, in ``kyosai/data/parameters.toml`` (:mod:`kyosai.params`); a rule reads it
on the date it applies to, which it is always given (never today by default).

One contract per verb, as in python-stdnum, in every module (``tests/test_verbs.py`` checks it by
calling each public function so named with hostile arguments):

- ``validate…(value, …)`` returns the clean value (normalised: digits of a code, a label's member,
  a date without its time) or raises a :class:`~kyosai.errors.KyosaiError` — for a broken rule and
  for any input it cannot read, of whatever type; never a TypeError or AttributeError from deeper down.
- ``is_…(…)`` answers True or False and **never raises**: False for anything ``validate…`` refuses
  and for unreadable input (None, ``""``, a wrong type). Most are ``validate…`` wrapped in
  :func:`kyosai.inputs.accepts`, which turns a KyosaiError into False and lets any other
  exception — a bug — through.
- ``compute(…)`` works a derived value out of valid input (a debit date, a discount, a refund) and
  raises a KyosaiError on bad input.
- ``format…(value)`` writes a value for display (``70,000円``, ``105-8453``) and raises a KyosaiError
  on a value it cannot write.
"""

__version__ = "0.1.0"
