"""The risk checklist as the sandbox shows it: findings with their level, the highlighted text,
a findings table (no raw values in it), self-check items, and masking.

Built only on the public API of :mod:`portal.risk`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from portal.i18n import t
from portal.risk import (
    Decision,
    Finding,
    MaskOperator,
    Outcome,
    RiskPolicy,
    SelfCheckItem,
    decide,
    mask,
    scan,
    self_check_items,
    summarize,
)
from portal.sandbox.markdown import highlight_markdown, number_mark

Level = Literal["block", "warn", "info", "possible"]


@dataclass(frozen=True)
class FindingRow:
    """One line of the findings table: never the flagged value itself."""

    number: int
    mark: str
    category: str  # category id, e.g. "EMAIL"
    category_label: str
    level: Level
    level_label: str
    reason: str
    confidence: str  # high | medium | low
    confidence_label: str
    masked_by_default: bool
    method: str = "pattern"  # which kind of rule found it (portal.risk.findings.METHODS)
    method_label: str = ""


@dataclass(frozen=True)
class RiskCheck:
    """Findings in one text under one policy. ``repr`` never shows the text."""

    text: str = field(repr=False)
    findings: tuple[Finding, ...]
    decision: Decision
    policy: RiskPolicy = field(repr=False)

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome

    @property
    def clear(self) -> bool:
        return self.decision.outcome is Outcome.CLEAR

    @property
    def blocked(self) -> bool:
        return self.decision.outcome is Outcome.BLOCKED

    @property
    def categories(self) -> dict[str, int]:
        """{category: count} of every finding shown (storage-safe)."""
        return summarize(self.findings)

    @property
    def flagged_categories(self) -> dict[str, int]:
        """{category: count} of the findings that hold the text back (block or warn)."""
        return summarize(self.decision.masked_by_default)

    def level(self, finding: Finding) -> Level:
        if finding in self.decision.blocking:
            return "block"
        if finding in self.decision.needs_acknowledgement:
            return "warn"
        if self.policy.level(finding.category) == "info":
            return "info"
        return "possible"

    def rows(self, lang: str | None = None) -> list[FindingRow]:
        default = set(self.decision.masked_by_default)
        rows = []
        for number, f in enumerate(self.findings, start=1):
            level = self.level(f)
            rows.append(
                FindingRow(
                    number=number,
                    mark=number_mark(number),
                    category=f.category.value,
                    category_label=t(f"risk.category.{f.category.value}", lang),
                    level=level,
                    level_label=t(f"sandbox.review.level.{level}", lang),
                    reason=f.reason,
                    confidence=f.confidence.value,
                    confidence_label=t(f"risk.confidence.{f.confidence.value}", lang),
                    masked_by_default=f in default,
                    method=f.method,
                    method_label=t(f"risk.method.{f.method}", lang),
                )
            )
        return rows

    def markdown(self, lang: str | None = None) -> str:
        """The text, escaped, with each finding highlighted (red: blocks, orange: warns) and
        followed by its number, category and judgement in text (「①メールアドレス・要確認」)."""
        return highlight_markdown(self.text, [(f.start, f.end, self.level(f), self.marker(f, lang))
                                              for f in self.findings])

    def marker(self, finding: Finding, lang: str | None = None) -> str:
        """What follows a finding's number in the text: its category and judgement."""
        return t("sandbox.review.marker", lang, category=t(f"risk.category.{finding.category.value}", lang),
                 level=t(f"sandbox.review.level.{self.level(finding)}", lang))

    def self_check(self, limit: int = 4, lang: str | None = None) -> list[SelfCheckItem]:
        """The relevant self-check items first, then general ones, at most ``limit`` (and never
        fewer than the relevant ones)."""
        items = self_check_items(self.findings, lang)
        relevant = [i for i in items if i.relevant]
        return items[: max(limit, len(relevant))]

    def to_mask(self, include_possible: bool = False) -> list[Finding]:
        chosen = list(self.decision.masked_by_default)
        if include_possible:
            chosen += [f for f in self.decision.possible if f not in chosen]
        return chosen

    def masked_text(self, operator: MaskOperator | str | None = None, include_possible: bool = False) -> str:
        """The text with every blocking and warning finding replaced (plus the possible ones
        when asked): what a one-click mask sends."""
        op = MaskOperator(operator) if operator else self.policy.default_operator
        return mask(self.text, self.to_mask(include_possible), op)


def check_text(text: str, policy: RiskPolicy) -> RiskCheck:
    findings = tuple(scan(text, policy))
    return RiskCheck(text, findings, decide(findings, policy), policy)
