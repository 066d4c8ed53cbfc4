"""Prompt templates from the prompt-engineering part of the course (lesson 02): for each task a
vague prompt and an improved one (role, audience, purpose, conditions, output format), to send
one after the other or side by side. The texts live in the message catalog (sandbox.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import t

TEMPLATE_IDS: tuple[str, ...] = ("quote_mail", "meeting_summary", "daily_report", "customer_reply", "translation")


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    title: str
    vague: str
    improved: str
    point: str  # what the improved version adds


def templates(lang: str | None = None) -> list[PromptTemplate]:
    return [
        PromptTemplate(
            id=i,
            title=t(f"sandbox.template.{i}.title", lang),
            vague=t(f"sandbox.template.{i}.vague", lang),
            improved=t(f"sandbox.template.{i}.improved", lang),
            point=t(f"sandbox.template.{i}.point", lang),
        )
        for i in TEMPLATE_IDS
    ]


def get_template(template_id: str, lang: str | None = None) -> PromptTemplate | None:
    return next((x for x in templates(lang) if x.id == template_id), None)
