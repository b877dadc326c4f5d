"""kyosai — the rules of SMRJ's 小規模企業共済 (SKY) and 経営セーフティ共済 (SAFETY).

The rules core: pure Python (standard library and ``holidays``). One module per rule family;
every module raises the errors of :mod:`kyosai.errors`, which carry a Japanese and an English message.
Parameters that may change live, dated and sourced, in ``kyosai/data/parameters.toml``
(:mod:`kyosai.params`).
"""

__version__ = "0.1.0"
