"""The editor's forms as plain data: front matter fields <-> the Markdown file, and one question
from a per-type form <-> the bank's YAML. The result is always checked by the same validation
as the files (``service.check``); these helpers only assemble text."""

from __future__ import annotations

import re
from typing import Any

import yaml

from portal.learning.content import split_front_matter

# front matter fields the editor shows as form fields (the rest is edited as YAML beside them)
TEXT_FIELDS = ("title", "summary", "as_of", "reflection", "quiz_id")
NUMBER_FIELDS = ("order", "reading_minutes")
LINE_FIELDS = ("objectives", "takeaways", "sources")  # one item a line
FLAG_FIELDS = ("required", "beyond_source")  # shown when the lesson model has them


def split_markdown(markdown: str) -> tuple[dict[str, Any], str, str | None]:
    """Front matter as a mapping, the body, and why the front matter could not be read (or None)."""
    try:
        front, body = split_front_matter(markdown)
        raw = yaml.safe_load(front) or {}
    except (ValueError, yaml.YAMLError) as exc:
        return {}, markdown, str(exc).replace("\n", " ")
    if not isinstance(raw, dict):
        return {}, body, "front matter must be a mapping of fields"
    return raw, body.lstrip("\n"), None


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)


def compose_markdown(front: dict[str, Any], body: str) -> str:
    """The lesson file: ``---``, the front matter (empty fields left out), ``---``, the body."""
    clean = {k: v for k, v in front.items() if v not in (None, "", [], {})}
    return "---\n" + _dump(clean) + "---\n\n" + body.strip("\n") + "\n"


def lines(text: str) -> list[str]:
    return [x.strip() for x in (text or "").splitlines() if x.strip()]


def extra_yaml(front: dict[str, Any], shown: set[str]) -> str:
    rest = {k: v for k, v in front.items() if k not in shown}
    return _dump(rest) if rest else ""


def parse_extra(text: str) -> tuple[dict[str, Any], str | None]:
    try:
        data = yaml.safe_load(text or "") or {}
    except yaml.YAMLError as exc:
        return {}, str(exc).replace("\n", " ")
    if not isinstance(data, dict):
        return {}, "must be a mapping of fields"
    return data, None


# ---------------------------------------------------------------- questions

QUESTION_TYPES = ("single", "multiple", "true_false", "ordering", "matching", "numeric")


def _slug(text: str, fallback: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or fallback


def _options(text: str) -> list[dict[str, str]]:
    """One option a line; ``id: text`` keeps an id, else ids are a, b, c, ..."""
    out = []
    for i, line in enumerate(lines(text)):
        m = re.match(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\s*:\s+(.+)$", line)
        oid, body = (m.group(1), m.group(2)) if m else (chr(ord("a") + i) if i < 26 else f"o{i + 1}", line)
        out.append({"id": oid, "text": body})
    return out


def _numbers(text: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", text or "")]


def question_from_form(kind: str, form: dict[str, Any]) -> dict[str, Any]:
    """A question mapping from the per-type form (``form``: id, prompt, explanation, section,
    kind, options (lines), answer (option numbers, true/false or a number), pairs (``left = right``
    lines), tolerance, unit, scoring). Invalid values are kept as given for the bank check to name."""
    q: dict[str, Any] = {"id": form.get("id", "").strip(), "type": kind, "kind": form.get("kind") or "recall"}
    if form.get("section"):
        q["section"] = form["section"]
    q["prompt"] = (form.get("prompt") or "").strip()
    if kind in ("single", "multiple", "ordering"):
        options = _options(form.get("options", ""))
        q["options"] = options
        ids = [o["id"] for o in options]
        picked = [ids[n - 1] if 0 < n <= len(ids) else str(n) for n in _numbers(form.get("answer", ""))]
        if kind == "single":
            q["answer"] = picked[0] if picked else ""
        elif kind == "multiple":
            q["answer"] = picked
            if form.get("scoring") == "partial":
                q["scoring"] = "partial"
        else:
            q["answer"] = ids  # the options are written in the right order; learners see them shuffled
    elif kind == "true_false":
        q["answer"] = bool(form.get("answer"))
    elif kind == "matching":
        pairs = []
        for i, line in enumerate(lines(form.get("pairs", ""))):
            left, _, right = line.partition("=")
            pairs.append({"id": _slug(left, f"p{i + 1}")[:40] or f"p{i + 1}", "left": left.strip(), "right": right.strip()})
        q["pairs"] = pairs
    elif kind == "numeric":
        q["answer"] = form.get("answer")
        if form.get("tolerance"):
            q["tolerance"] = form["tolerance"]
        if form.get("unit"):
            q["unit"] = form["unit"]
    q["explanation"] = (form.get("explanation") or "").strip()
    return q


def _bank(text: str | None, lesson_id: str, title: str) -> dict[str, Any]:
    data = None
    if text and text.strip():
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            data = None
    if not isinstance(data, dict):
        data = {"id": f"{lesson_id}-quiz", "lesson_id": lesson_id, "title": title, "pass_mark": 0.8, "questions": []}
    if not isinstance(data.get("questions"), list):
        data["questions"] = []
    return data


def add_question(text: str | None, question: dict[str, Any], lesson_id: str, title: str) -> str:
    """The bank with one more question (a new bank for this lesson when there is none)."""
    data = _bank(text, lesson_id, title)
    data["questions"].append(question)
    return _dump(data)


def remove_question(text: str, question_id: str) -> str:
    data = _bank(text, "", "")
    data["questions"] = [q for q in data["questions"] if not (isinstance(q, dict) and q.get("id") == question_id)]
    return _dump(data)


def question_ids(text: str | None) -> list[str]:
    data = _bank(text, "", "")
    return [str(q.get("id")) for q in data["questions"] if isinstance(q, dict)]
