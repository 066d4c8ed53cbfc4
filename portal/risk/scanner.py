"""``scan(text, policy)``: normalise, run every detector, resolve overlaps, map offsets back."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import TYPE_CHECKING

from portal.i18n import current_lang, t
from portal.risk import detectors as d
from portal.risk.findings import SEVERITY, Category, Finding, method_of
from portal.risk import international
from portal.risk.latin_names import latin_name_candidates
from portal.risk.name_context import (context_name_candidates, demote_places_in_lists, demote_places_on_routes, demote_public_figures,
                                      demote_samples_and_firms, name_column_candidates, name_field_candidates,
                                      trim_name_edges)
from portal.risk.names import dictionary_name_candidates, name_candidates
from portal.risk.normalize import normalize
from portal.risk.records import record_candidates
from portal.risk.tables import table_candidates

if TYPE_CHECKING:
    from portal.risk.policy import RiskPolicy

# When two findings of different categories overlap, the higher score wins; on a tie the
# category listed first here wins (a validated card beats a phone-shaped fragment of it).
_PRIORITY = [
    Category.SECRET, Category.CREDIT_CARD, Category.MY_NUMBER, Category.RESIDENCE_CARD, Category.PASSPORT,
    Category.DRIVERS_LICENSE, Category.BANK_ACCOUNT, Category.HEALTH_INSURANCE, Category.PENSION_NUMBER,
    Category.EMAIL, Category.IP_ADDRESS, Category.PHONE, Category.DATE_OF_BIRTH, Category.POSTAL_CODE,
    Category.ADDRESS, Category.CORPORATE_NUMBER, Category.PERSON_NAME, Category.CONFIDENTIAL,
]
_RANK = {c: i for i, c in enumerate(_PRIORITY)}


@lru_cache(maxsize=64)
def _compiled_terms(terms: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for term in terms:
        rx = d.compile_org_term(term)
        if rx is not None:
            out.append((term, rx))
    return out


def _candidates(ntext: str, org_terms: tuple[str, ...], enabled: frozenset[Category] | None) -> list[d.Candidate]:
    cands: list[d.Candidate] = []
    has_digit = any(ch in ntext for ch in "0123456789") if len(ntext) < 2048 else True

    def want(*cats: Category) -> bool:
        return enabled is None or any(c in enabled for c in cats)

    if has_digit:
        cands += d.number_candidates(ntext)
        if want(Category.PHONE):
            cands += d.phone_candidates(ntext)
            cands += international.phone_candidates(ntext)
        if want(Category.IP_ADDRESS):
            cands += d.ip_candidates(ntext)
        if want(Category.DATE_OF_BIRTH):
            cands += d.dob_candidates(ntext)
        if want(Category.ADDRESS):
            cands += d.address_candidates(ntext)
            cands += international.address_candidates(ntext)
        if want(Category.PASSPORT, Category.RESIDENCE_CARD, Category.BANK_ACCOUNT):
            cands += d.id_candidates(ntext)
        if want(Category.BANK_ACCOUNT):
            cands += record_candidates(ntext)
    elif want(Category.DATE_OF_BIRTH) and "年" in ntext:
        cands += d.dob_candidates(ntext)  # era dates in kanji numerals only
    if want(Category.EMAIL):
        cands += d.email_candidates(ntext)
    if want(Category.SECRET):
        cands += d.secret_candidates(ntext)
    if want(Category.CONFIDENTIAL):
        cands += d.confidential_candidates(ntext, _compiled_terms(org_terms))
    if want(Category.PERSON_NAME):
        cands += name_candidates(ntext)
        cands += dictionary_name_candidates(ntext)
        cands += latin_name_candidates(ntext)
        cands += name_field_candidates(ntext)
    table_found, id_cells, place_cells = table_candidates(ntext)
    cands += table_found
    if want(Category.PERSON_NAME):
        # Cells of a place column (大字・町名, 地区, Area): a surname-like word there is a place.
        cands = _outside_cells(cands, place_cells, _NAMES)
        cands = demote_places_on_routes(ntext, demote_public_figures(ntext, cands))  # before the layout rules: no list grows from 渋沢栄一
        cands += context_name_candidates(ntext, cands)
        cands = demote_places_in_lists(ntext, demote_public_figures(ntext, cands))
        cands = _outside_cells(cands, place_cells, _NAMES)
        cands += name_column_candidates(ntext, cands)
        cands = demote_samples_and_firms(ntext, trim_name_edges(ntext, cands))
        if want(Category.DATE_OF_BIRTH) and has_digit:
            cands += d.dob_near_people(ntext, cands)
    # Numbers in identifier columns (JAN, 注文番号 ...) are not cards, My Numbers or phones.
    cands = _outside_cells(cands, id_cells, _NUMERIC)
    if enabled is not None:
        cands = [c for c in cands if c.category in enabled]
    return cands


_NAMES = frozenset({Category.PERSON_NAME})
_NUMERIC = frozenset({Category.CREDIT_CARD, Category.MY_NUMBER, Category.PHONE, Category.BANK_ACCOUNT,
                      Category.CORPORATE_NUMBER, Category.DRIVERS_LICENSE, Category.POSTAL_CODE})


def _outside_cells(cands: list[d.Candidate], cells: list[tuple[int, int]], cats: frozenset[Category]) -> list[d.Candidate]:
    """Drop candidates of ``cats`` that lie inside one of ``cells`` (disjoint spans, in text order)."""
    if not cells:
        return cands
    starts = [s for s, _e in cells]
    out = []
    for c in cands:
        if c.category in cats:
            i = bisect_left(starts, c.start + 1) - 1  # the last cell starting at or before c
            if i >= 0 and cells[i][0] <= c.start and c.end <= cells[i][1]:
                continue
        out.append(c)
    return out


def _resolve(cands: list[d.Candidate]) -> list[d.Candidate]:
    """Merge overlapping candidates of one category, then keep the best of overlapping ones."""
    if not cands:
        return []
    merged: list[d.Candidate] = []
    by_cat: dict[Category, list[d.Candidate]] = {}
    for c in cands:
        by_cat.setdefault(c.category, []).append(c)
    for cat, items in by_cat.items():
        items.sort(key=lambda c: (c.start, -c.end))
        cur = items[0]
        for c in items[1:]:
            if c.start < cur.end:  # overlap: union, keep the better evidence
                best = cur if cur.score >= c.score else c
                cur = d.Candidate(cat, cur.start, max(cur.end, c.end), best.score, best.reason_key, best.params)
            else:
                merged.append(cur)
                cur = c
        merged.append(cur)
    merged.sort(key=lambda c: (-c.score, _RANK[c.category], -(c.end - c.start), c.start))
    kept: list[d.Candidate] = []
    starts: list[int] = []  # disjoint kept spans, sorted by start
    ends: list[int] = []
    for c in merged:
        i = bisect_left(starts, c.end)  # spans starting before c ends
        if i > 0 and ends[i - 1] > c.start:
            continue  # the kept span just before overlaps (kept spans are disjoint and sorted)
        starts.insert(i, c.start)
        ends.insert(i, c.end)
        kept.append(c)
    kept.sort(key=lambda c: (c.start, c.end))
    return kept


def reason_text(key: str, params: dict[str, object], lang: str | None = None) -> str:
    """Japanese (default) explanation for a detector's reason key. Params are labels, brands
    and kinds (never the flagged value), so the texts can be cached."""
    return _reason_text(key, tuple(sorted(params.items())), lang or current_lang())


@lru_cache(maxsize=1024)
def _reason_text(key: str, items: tuple[tuple[str, object], ...], lang: str) -> str:
    p = dict(items)
    if "kind" in p:
        kind_key = f"risk.kind.{p['kind']}"
        label = t(kind_key, lang)
        p["kind"] = label if label != kind_key else p["kind"]
    try:
        return t(f"risk.reason.{key}", lang, **p)
    except (KeyError, IndexError):
        return t(f"risk.reason.{key}", lang)


def scan(text: str, policy: "RiskPolicy | None" = None, lang: str | None = None) -> list[Finding]:
    """Findings in ``text``, sorted by position, offsets into ``text`` as given.

    ``policy`` contributes the organisation term list and the categories switched off by an
    admin. Low-confidence ("possible") findings are included; see ``masked_by_default``.
    """
    if not text:
        return []
    norm = normalize(text)
    terms: tuple[str, ...] = tuple(policy.organization_terms) if policy is not None else ()
    enabled = policy.enabled_categories() if policy is not None else None
    cands = _resolve(_candidates(norm.text, terms, enabled))
    lang = lang or current_lang()
    findings: list[Finding] = []
    for c in cands:
        s, e = norm.to_original(c.start, c.end)
        # Trim whitespace that normalisation may have pulled in at the edges.
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        findings.append(
            Finding(
                category=c.category,
                start=s,
                end=e,
                text=text[s:e],
                severity=SEVERITY[c.category],
                score=round(c.score, 3),
                reason=reason_text(c.reason_key, c.params, lang),
                method=method_of(c.reason_key),
            )
        )
    return findings
