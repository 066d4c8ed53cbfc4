"""Self-check items from the course's countermeasures, shown next to the findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from portal.i18n import t
from portal.risk.findings import Category, Finding

# (item id, categories that make the item especially relevant)
_ITEMS: list[tuple[str, frozenset[Category]]] = [
    ("minimal_personal_data", frozenset({Category.PERSON_NAME, Category.EMAIL, Category.PHONE, Category.ADDRESS,
                                         Category.POSTAL_CODE, Category.DATE_OF_BIRTH, Category.MY_NUMBER,
                                         Category.PASSPORT, Category.DRIVERS_LICENSE, Category.HEALTH_INSURANCE,
                                         Category.RESIDENCE_CARD, Category.PENSION_NUMBER})),
    ("no_confidential_documents", frozenset({Category.CONFIDENTIAL})),
    ("no_credentials", frozenset({Category.SECRET, Category.IP_ADDRESS})),
    ("no_payment_or_id_numbers", frozenset({Category.CREDIT_CARD, Category.BANK_ACCOUNT, Category.MY_NUMBER})),
    ("verify_facts", frozenset()),
    ("review_before_reuse", frozenset()),
    ("follow_company_rules", frozenset()),
]


@dataclass(frozen=True)
class SelfCheckItem:
    id: str
    text: str
    relevant: bool  # a finding in this prompt makes the item especially relevant


def self_check_items(findings: Iterable[Finding] = (), lang: str | None = None) -> list[SelfCheckItem]:
    """All self-check items (Japanese by default), relevant ones first."""
    found = {f.category for f in findings}
    items = [SelfCheckItem(i, t(f"risk.selfcheck.{i}", lang), bool(cats & found)) for i, cats in _ITEMS]
    return sorted(items, key=lambda it: not it.relevant)
