"""The report of one checked file (検査結果): what the renderers (JSON, HTML, xlsx, CSV) show.

A report says whether the file is ``valid`` (no errors), sums the findings up by code and severity,
says whether the list was ``truncated`` at the limit, where the file came from (name, sha256, kind,
sheet, encoding, the registries its codes were looked up in), lists the findings, each at its Excel
position, and — for the kinds with bank accounts — which banks and branches the file names, with
their names in the registry (:class:`BankUse`), for headquarters to see at a glance.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from .findings import CATALOGUE, ERROR, WARNING, Finding, make

__all__ = ["Source", "Report", "BankUse", "MAX_FINDINGS"]

# A file with more problems than this is not worth listing further; the summary still counts all.
MAX_FINDINGS = 1000


@dataclass
class Source:
    """Where a report's data came from."""

    filename: str
    sha256: str
    size: int = 0
    kind: str | None = None  # batch kind name, once known
    sheet: str | None = None
    encoding: str | None = None  # CSV: utf-8 / utf-8-sig / cp932
    format: str | None = None  # xlsx / xlsm / csv
    registries: dict[str, str] | None = None  # the public registries looked up: package → version

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class BankUse:
    """A bank and branch the file names, their names in the 全銀 list (None: not listed) and on how
    many rows."""

    bank_code: str
    branch_code: str
    bank_name: str | None
    branch_name: str | None
    rows: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Report:
    """The outcome of checking one file."""

    source: Source
    records: int = 0
    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # (severity, code) → number, all findings
    truncated: bool = False
    limit: int = MAX_FINDINGS
    banks: list[BankUse] = field(default_factory=list)  # most rows first

    def add(self, finding: Finding) -> None:
        """Record a finding; the summary counts all, the list keeps the first ``limit`` by position."""
        self.counts[(finding.severity, finding.code)] += 1
        self.findings.append(finding)
        if len(self.findings) >= 2 * self.limit:  # trim now and then: memory stays bounded
            self.sort()

    def extend(self, findings) -> None:
        for finding in findings:
            self.add(finding)

    @property
    def errors(self) -> int:
        return sum(n for (severity, _), n in self.counts.items() if severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for (severity, _), n in self.counts.items() if severity == WARNING)

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def sort(self) -> None:
        """File-level findings first, then by row and column; cut to the limit (and say so)."""
        self.findings.sort(key=lambda f: (f.row or 0, len(f.column or ""), f.column or "", f.code))
        if len(self.findings) > self.limit:
            self.truncated = True
            del self.findings[self.limit :]

    def summary(self) -> dict:
        by_code: dict[str, int] = {}
        for (_, code), n in sorted(self.counts.items(), key=lambda kv: kv[0][1]):
            by_code[code] = by_code.get(code, 0) + n
        return {"records": self.records, "errors": self.errors, "warnings": self.warnings, "by_code": by_code}

    def to_dict(self) -> dict:
        findings = list(self.findings)
        if self.truncated:
            findings.append(make("truncated", limit=self.limit))
        return {
            "valid": self.valid,
            "summary": self.summary(),
            "truncated": self.truncated,
            "source": self.source.to_dict(),
            "findings": [f.to_dict() for f in findings],
            "banks": [b.to_dict() for b in self.banks],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        """The report a :meth:`to_dict` gave (as the service stores it), whose :meth:`to_dict` is that
        dict again: the renderers show a stored report as it was made. Each code's severity is the
        catalogue's; keys a report of another version may lack take their defaults."""

        def known(kind, values: dict) -> dict:
            names = {f.name for f in fields(kind)}
            return {k: v for k, v in values.items() if k in names}

        listed = [Finding(**known(Finding, f)) for f in data.get("findings", []) if f.get("code") != "truncated"]
        truncated = bool(data.get("truncated"))
        summary = data.get("summary", {})
        counts = Counter({(CATALOGUE[code].severity, code): n for code, n in summary.get("by_code", {}).items()})
        return cls(
            source=Source(**known(Source, data.get("source") or {"filename": "", "sha256": ""})),
            records=summary.get("records", 0),
            findings=listed,
            counts=counts,
            truncated=truncated,
            limit=len(listed) if truncated else MAX_FINDINGS,
            banks=[BankUse(**known(BankUse, b)) for b in data.get("banks", [])],
        )
