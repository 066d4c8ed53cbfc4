"""The risk checklist: find personal and confidential data in a prompt before it is sent.

No Streamlit here. Public API::

    scan(text, policy=None, lang=None) -> list[Finding]
    mask(text, findings, operator=MaskOperator.LABEL, lang=None) -> str
    decide(findings, policy=None) -> Decision
    masked_by_default(findings, policy=None) -> list[Finding]
    summarize(findings, min_confidence=None) -> dict[str, int]
    self_check_items(findings=(), lang=None) -> list[SelfCheckItem]
    RiskPolicy, MaskOperator, Outcome, Category, Severity, Confidence, Finding
"""

from portal.risk.checklist import SelfCheckItem, self_check_items
from portal.risk.masking import category_label, mask
from portal.risk.findings import Category, Confidence, Finding, Severity
from portal.risk.morph import warm_up
from portal.risk.policy import Decision, MaskOperator, Outcome, RiskPolicy, decide, masked_by_default
from portal.risk.scanner import scan
from portal.risk.counts import summarize

__all__ = [
    "Category",
    "Confidence",
    "Decision",
    "Finding",
    "MaskOperator",
    "Outcome",
    "RiskPolicy",
    "SelfCheckItem",
    "Severity",
    "category_label",
    "decide",
    "mask",
    "masked_by_default",
    "scan",
    "self_check_items",
    "summarize",
    "warm_up",
]
