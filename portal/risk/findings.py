"""Value types of the risk checklist: categories, severities, confidence and findings.

A :class:`Finding` is a frozen dataclass (cheap to build thousands of times in a scan);
the policy and decision live in :mod:`portal.risk.policy` as pydantic models.

Raw flagged values are personal data: ``repr(finding)`` never shows them, so a finding
that ends up in a log line or an exception message does not leak its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Category(str, Enum):
    PERSON_NAME = "PERSON_NAME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    MY_NUMBER = "MY_NUMBER"
    CREDIT_CARD = "CREDIT_CARD"
    POSTAL_CODE = "POSTAL_CODE"
    ADDRESS = "ADDRESS"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    PASSPORT = "PASSPORT"
    DRIVERS_LICENSE = "DRIVERS_LICENSE"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    IP_ADDRESS = "IP_ADDRESS"
    SECRET = "SECRET"
    CONFIDENTIAL = "CONFIDENTIAL"
    # Extra Japan-specific identifiers.
    HEALTH_INSURANCE = "HEALTH_INSURANCE"
    RESIDENCE_CARD = "RESIDENCE_CARD"
    PENSION_NUMBER = "PENSION_NUMBER"
    CORPORATE_NUMBER = "CORPORATE_NUMBER"

    def __str__(self) -> str:  # json.dumps and f-strings show the plain id
        return self.value


class Severity(str, Enum):
    """How bad a leak of this category is (independent of how sure the check is)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


class Confidence(str, Enum):
    """How sure the check is, as a label derived from the float score.

    high   score >= 0.80  validated value (checksum, calendar, numbering plan) or strong label
    medium score >= 0.50  plausible value with weaker evidence; still masked by default
    low    score <  0.50  "possible": shown to the learner, never masked or blocking by default
    """

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def from_score(cls, score: float) -> "Confidence":
        if score >= 0.8:
            return cls.HIGH
        if score >= 0.5:
            return cls.MEDIUM
        return cls.LOW

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


SEVERITY: dict[Category, Severity] = {
    Category.MY_NUMBER: Severity.HIGH,
    Category.CREDIT_CARD: Severity.HIGH,
    Category.SECRET: Severity.HIGH,
    Category.PASSPORT: Severity.HIGH,
    Category.DRIVERS_LICENSE: Severity.HIGH,
    Category.BANK_ACCOUNT: Severity.HIGH,
    Category.HEALTH_INSURANCE: Severity.HIGH,
    Category.RESIDENCE_CARD: Severity.HIGH,
    Category.PENSION_NUMBER: Severity.HIGH,
    Category.CONFIDENTIAL: Severity.HIGH,
    Category.PERSON_NAME: Severity.MEDIUM,
    Category.EMAIL: Severity.MEDIUM,
    Category.PHONE: Severity.MEDIUM,
    Category.ADDRESS: Severity.MEDIUM,
    Category.DATE_OF_BIRTH: Severity.MEDIUM,
    Category.POSTAL_CODE: Severity.LOW,
    Category.IP_ADDRESS: Severity.LOW,
    Category.CORPORATE_NUMBER: Severity.INFO,
}


# The kinds of evidence a finding can rest on, shown next to its reason ("検出方法").
METHODS = ("checksum", "numbering_plan", "dictionary", "name_list", "table", "layout", "label", "policy", "pattern")


def method_of(reason_key: str) -> str:
    """The ``METHODS`` id for a detector's reason key."""
    if reason_key in _METHOD_BY_KEY:
        return _METHOD_BY_KEY[reason_key]
    if reason_key.startswith("phone_"):
        return "numbering_plan"
    if reason_key.startswith("name_dictionary") or reason_key in ("name_honorific", "name_unknown_honorific",
                                                                   "name_full", "name_self_intro", "name_reading"):
        return "dictionary"
    if reason_key.startswith(("name_en", "name_latin")):
        return "name_list"
    if reason_key.endswith("_label") or reason_key in ("postal_mark", "my_number_label_only", "card_label_invalid"):
        return "label"
    return "pattern"


_METHOD_BY_KEY = {
    "my_number_label_checksum": "checksum", "my_number_possible": "checksum", "card_valid": "checksum",
    "card_test": "checksum", "corporate_number": "checksum", "iban": "checksum",
    "table_column": "table", "table_name_column": "table", "name_speaker": "layout", "name_list": "layout", "name_repeated": "layout",
    "name_place_list": "layout", "name_relation": "layout", "name_email": "layout", "bank_zengin": "layout", "name_context": "name_list", "name_public_figure": "name_list", "org_term": "policy",
    "passport_mrz": "checksum", "name_sample": "name_list", "name_field": "table", "passport_mrz_layout": "layout", "name_mrz": "layout",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One flagged span. ``start``/``end`` are offsets in the ORIGINAL text (end exclusive)."""

    category: Category
    start: int
    end: int
    text: str
    severity: Severity
    score: float
    reason: str
    # Which kind of rule or model found it (a ``METHODS`` id; its label is ``risk.method.<id>``).
    method: str = "pattern"

    @property
    def confidence(self) -> Confidence:
        return Confidence.from_score(self.score)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape used by ``portal scan`` and the UI."""
        return {
            "category": self.category.value,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "severity": self.severity.value,
            "confidence": self.confidence.value,
            "reason": self.reason,
            "method": self.method,
        }

    def __repr__(self) -> str:  # never show the raw value
        return (
            f"Finding(category={self.category.value}, start={self.start}, end={self.end}, "
            f"text=<{self.end - self.start} chars>, severity={self.severity.value}, "
            f"confidence={self.confidence.value}, score={self.score:.2f})"
        )

    __str__ = __repr__
