"""Sending policy (a pydantic model the lead stores in settings/DB and admins edit) and
``decide(findings, policy)``: blocked / needs acknowledgement / clear."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from portal.i18n import t
from portal.risk.findings import Category, Confidence, Finding

DEFAULT_BLOCK: frozenset[Category] = frozenset(
    {
        Category.MY_NUMBER,
        Category.CREDIT_CARD,
        Category.SECRET,
        Category.PASSPORT,
        Category.DRIVERS_LICENSE,
        Category.BANK_ACCOUNT,
    }
)
DEFAULT_INFO: frozenset[Category] = frozenset({Category.CORPORATE_NUMBER})

Level = Literal["block", "warn", "info", "off"]


class MaskOperator(str, Enum):
    LABEL = "label"  # 〈電話番号〉
    PARTIAL = "partial"  # 090-****-5678
    PSEUDONYM = "pseudonym"  # 人物A, 人物B (consistent within one prompt)
    REDACT = "redact"  # ■■■

    def __str__(self) -> str:
        return self.value


class RiskPolicy(BaseModel):
    """What the checklist does with each category.

    - ``block_categories``: sending is impossible until these findings are masked or edited away.
    - every other enabled category except ``info_categories`` warns: the learner may mask, edit,
      or (if ``allow_send_anyway``) send with an explicit acknowledgement.
    - ``info_categories`` are shown but never block, warn or get masked by default
      (corporate numbers are public information).
    - ``disabled_categories`` are not checked at all.
    - ``organization_terms``: customer names, project code names ... flagged as CONFIDENTIAL.
    - ``mask_min_confidence``: findings below this confidence ("possible") are shown only.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    block_categories: set[Category] = Field(default_factory=lambda: set(DEFAULT_BLOCK))
    info_categories: set[Category] = Field(default_factory=lambda: set(DEFAULT_INFO))
    disabled_categories: set[Category] = Field(default_factory=set)
    allow_send_anyway: bool = True
    organization_terms: list[str] = Field(default_factory=list, max_length=2000)
    mask_min_confidence: Confidence = Confidence.MEDIUM
    default_operator: MaskOperator = MaskOperator.LABEL

    @field_validator("organization_terms")
    @classmethod
    def _clean_terms(cls, terms: list[str]) -> list[str]:
        seen: set[str] = set()
        out: list[str] = []
        for term in terms:
            term = term.strip()
            if not term:
                continue
            if len(term) > 200:
                raise ValueError(t("risk.error.term_too_long", max=200))
            key = term.casefold()
            if key not in seen:
                seen.add(key)
                out.append(term)
        return out

    @model_validator(mode="after")
    def _block_wins(self) -> "RiskPolicy":
        overlap = self.block_categories & self.info_categories
        if overlap:
            object.__setattr__(self, "info_categories", self.info_categories - overlap)
        return self

    def level(self, category: Category) -> Level:
        if category in self.disabled_categories:
            return "off"
        if category in self.block_categories:
            return "block"
        if category in self.info_categories:
            return "info"
        return "warn"

    def enabled_categories(self) -> frozenset[Category] | None:
        """None means all; used by the scanner to skip switched-off detectors."""
        if not self.disabled_categories:
            return None
        return frozenset(c for c in Category if c not in self.disabled_categories)


class Outcome(str, Enum):
    BLOCKED = "blocked"
    NEEDS_ACKNOWLEDGEMENT = "needs_acknowledgement"
    CLEAR = "clear"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    blocking: tuple[Finding, ...]  # must be masked/edited before sending
    needs_acknowledgement: tuple[Finding, ...]  # may be sent with an explicit acknowledgement
    masked_by_default: tuple[Finding, ...]  # pre-selected for the one-click mask
    possible: tuple[Finding, ...]  # low confidence or info: shown, not masked, not blocking
    send_anyway_allowed: bool

    @property
    def can_send(self) -> bool:
        return self.outcome is Outcome.CLEAR

    def __repr__(self) -> str:
        return (
            f"Decision(outcome={self.outcome.value}, blocking={len(self.blocking)}, "
            f"needs_acknowledgement={len(self.needs_acknowledgement)}, "
            f"masked_by_default={len(self.masked_by_default)}, possible={len(self.possible)})"
        )


def is_default_masked(finding: Finding, policy: RiskPolicy) -> bool:
    level = policy.level(finding.category)
    if level in ("off", "info"):
        return False
    return finding.confidence.rank >= policy.mask_min_confidence.rank


def masked_by_default(findings: Iterable[Finding], policy: RiskPolicy | None = None) -> list[Finding]:
    policy = policy or RiskPolicy()
    return [f for f in findings if is_default_masked(f, policy)]


def decide(findings: Iterable[Finding], policy: RiskPolicy | None = None) -> Decision:
    """The sending decision for the current text's findings.

    Only findings at or above ``mask_min_confidence`` count; "possible" ones never block.
    With ``allow_send_anyway`` off, warn-level findings block as well.
    """
    policy = policy or RiskPolicy()
    blocking: list[Finding] = []
    ack: list[Finding] = []
    default: list[Finding] = []
    possible: list[Finding] = []
    for f in findings:
        if not is_default_masked(f, policy):
            if policy.level(f.category) != "off":
                possible.append(f)
            continue
        default.append(f)
        if policy.level(f.category) == "block" or not policy.allow_send_anyway:
            blocking.append(f)
        else:
            ack.append(f)
    if blocking:
        outcome = Outcome.BLOCKED
    elif ack:
        outcome = Outcome.NEEDS_ACKNOWLEDGEMENT
    else:
        outcome = Outcome.CLEAR
    return Decision(
        outcome=outcome,
        blocking=tuple(blocking),
        needs_acknowledgement=tuple(ack),
        masked_by_default=tuple(default),
        possible=tuple(possible),
        send_anyway_allowed=policy.allow_send_anyway and not blocking,
    )
