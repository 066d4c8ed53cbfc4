"""Lessons: Markdown files with YAML front matter, validated by pydantic.

A lesson body is split into blocks for rendering: Markdown text, Graphviz diagrams (```dot) and
interactive widgets (```portal <name>). Level-2 headings carry a stable id: ``## Title {#id}``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from portal.learning.problems import Problem, problems_from_validation

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
WIDGETS = ("memory-calculator", "sandbox-link", "sandbox-link-rag", "model-table")
YEAR_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
HEADING_RE = re.compile(r"^##\s+(?P<title>.+?)\s*\{#(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$")
BAD_HEADING_RE = re.compile(r"^##\s+(?!#)")
FENCE_RE = re.compile(r"^(```+|~~~+)\s*([\w-]*)\s*$")
HTML_RE = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?|!--)>")
# a link or image whose target runs a script or embeds data: [x](javascript:...), <javascript:...>, [x]: data:...
SCRIPT_LINK_RE = re.compile(r"(?i)(?:\]\(\s*<?|^\s*\[[^\]]+\]:\s*<?|<)\s*(?:javascript|vbscript|data|file)\s*:")
# an uploaded image (portal.authoring.images) on a line of its own: ![alt text](image:name.png)
IMAGE_LINE_RE = re.compile(r"^\s*!\[(?P<alt>[^\]]*)\]\(\s*image:(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,99})\s*\)\s*$")
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(")


class KeyTerm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    term: str = Field(min_length=1)
    reading: str | None = None
    definition: str = Field(min_length=1)


class Practice(BaseModel):
    """やってみよう: a short exercise (3-5 minutes), often in the sandbox with a prefilled prompt."""

    model_config = ConfigDict(extra="forbid")
    minutes: int = Field(ge=3, le=5)
    task: str = Field(min_length=1)  # Markdown: what to do and what to look at
    prompt: str | None = Field(default=None, min_length=1, max_length=2000)  # prefilled, never sent by itself
    mode: Literal["chat", "grounded"] = "chat"


class LessonMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    order: int = Field(ge=1)
    reading_minutes: int = Field(ge=1, le=120)
    summary: str = Field(min_length=1)
    objectives: list[str] = Field(min_length=1)
    key_terms: list[KeyTerm] = Field(default_factory=list)
    takeaways: list[str] = Field(default_factory=list)
    quiz_id: str | None = Field(default=None, pattern=SLUG)
    as_of: str | None = Field(default=None, pattern=YEAR_MONTH)  # 情報の時点 (YYYY-MM)
    sources: list[str] = Field(default_factory=list)  # 出典, shown at the end of the lesson
    practice: Practice | None = None
    reflection: str | None = Field(default=None, min_length=1)  # ふりかえり: a question on the learner's own work
    required: bool = True  # counts for course completion (portal.learning.content.counts_for_completion); else 任意
    beyond_source: bool = False  # goes beyond the course's source article (shown with a caption)


def counts_for_completion(meta: LessonMeta) -> bool:
    """The course completion rule: only required lessons count (optional ones are 任意). Every
    "course completed" decision (course page, certificates, statistics, due dates, reminders)
    goes through this function."""
    return meta.required


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class Block:
    kind: Literal["markdown", "heading", "dot", "widget", "image"]
    text: str  # for an image: the uploaded image's name
    section_id: str = ""
    alt: str = ""  # an image's alternative text


@dataclass(frozen=True)
class Lesson:
    meta: LessonMeta
    body: str
    version: str
    path: Path
    sections: tuple[Section, ...]
    blocks: tuple[Block, ...] = field(repr=False)
    # the current versions of every language edition of this lesson (see portal/learning/editions.py)
    editions: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def versions(self) -> frozenset[str]:
        """Versions that count as this lesson's current text: this file's, and its translations'."""
        return self.editions or frozenset({self.version})

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def plain_text(self) -> str:
        """The prose of the lesson (for search, retrieval and the practice model)."""
        return "\n".join(b.text for b in self.blocks if b.kind in ("markdown", "heading"))


def content_version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def split_front_matter(text: str) -> tuple[str, str]:
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise ValueError("front matter missing: the file must start with a line '---'")
    lines = text.splitlines(keepends=True)
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise ValueError("front matter is not closed by a line '---'")


def parse_body(body: str, file: str, first_line: int = 1) -> tuple[tuple[Block, ...], tuple[Section, ...], list[Problem]]:
    """Blocks and sections of a lesson body; problems name the line of the file (``first_line``: the
    file line the body starts on)."""
    blocks: list[Block] = []
    sections: list[Section] = []
    problems: list[Problem] = []
    buf: list[str] = []
    section_id = ""
    lines = body.splitlines()
    i = 0

    def flush() -> None:
        text = "\n".join(buf).strip("\n")
        if text.strip():
            blocks.append(Block("markdown", text, section_id))
        buf.clear()

    while i < len(lines):
        line = lines[i]
        fence = FENCE_RE.match(line)
        if fence:
            marker, lang = fence.group(1), fence.group(2)
            j = i + 1
            while j < len(lines) and not lines[j].startswith(marker):
                j += 1
            if j >= len(lines):
                problems.append(Problem(file, f"code block opened on line {i + first_line} is never closed", "body"))
            inner = "\n".join(lines[i + 1 : j])
            if lang == "dot":
                flush()
                blocks.append(Block("dot", inner, section_id))
            elif lang == "portal":
                flush()
                name = inner.strip()
                if name not in WIDGETS:
                    problems.append(Problem(file, f"unknown widget '{name}' on line {i + first_line} (known: {', '.join(WIDGETS)})", "body"))
                else:
                    blocks.append(Block("widget", name, section_id))
            else:
                buf.extend(lines[i : j + 1])
            i = j + 1
            continue
        heading = HEADING_RE.match(line)
        if heading:
            flush()
            section_id = heading.group("id")
            if any(s.id == section_id for s in sections):
                problems.append(Problem(file, f"section id '{section_id}' is used twice (line {i + first_line})", "body"))
            sections.append(Section(section_id, heading.group("title")))
            blocks.append(Block("heading", heading.group("title"), section_id))
        else:
            if BAD_HEADING_RE.match(line):
                problems.append(Problem(file, f"level-2 heading without an id on line {i + first_line}: add {{#section-id}}", "body"))
            elif line.startswith("# "):
                problems.append(Problem(file, f"level-1 heading on line {i + first_line}: the title comes from the front matter", "body"))
            prose = re.sub(r"`[^`]*`", "", line)
            if HTML_RE.search(prose):
                problems.append(Problem(file, f"raw HTML on line {i + first_line} is not allowed (it is not rendered)", "body"))
            if SCRIPT_LINK_RE.search(prose):
                problems.append(Problem(file, f"a javascript:, vbscript:, data: or file: link on line {i + first_line} is not "
                                              "allowed", "body"))
            image = IMAGE_LINE_RE.match(line)
            if image:
                flush()
                blocks.append(Block("image", image.group("name"), section_id, alt=image.group("alt").strip()))
                i += 1
                continue
            if IMAGE_RE.search(prose):
                problems.append(Problem(file, f"image on line {i + first_line}: only uploaded images are shown, each on a line "
                                              "of its own: ![alt text](image:name.png)", "body"))
            buf.append(line)
        i += 1
    flush()
    return tuple(blocks), tuple(sections), problems


def load_lesson(path: Path) -> tuple[Lesson | None, list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(path.name, f"cannot read the file: {exc}")]
    return parse_lesson(data, path)


def parse_lesson(data: bytes, path: Path) -> tuple[Lesson | None, list[Problem]]:
    """One lesson from the bytes of its file (a file in content/, or a custom lesson stored in the
    database, named ``path``): the same checks either way."""
    name = path.name
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(name, f"cannot read the file: {exc}")]
    try:
        front, body = split_front_matter(text)
        raw = yaml.safe_load(front)
    except (ValueError, yaml.YAMLError) as exc:
        return None, [Problem(name, str(exc).replace("\n", " "), "front matter")]
    if not isinstance(raw, dict):
        return None, [Problem(name, "front matter must be a mapping of fields", "front matter")]
    try:
        meta = LessonMeta.model_validate(raw)
    except ValidationError as exc:
        return None, problems_from_validation(name, exc)
    blocks, sections, problems = parse_body(body, name, first_line=front.count("\n") + 3)
    if not sections:
        problems.append(Problem(name, "the lesson has no '## Title {#id}' section", "body"))
    lesson = Lesson(meta, body, content_version(data), path, sections, blocks)
    return lesson, problems


@dataclass
class Course:
    lessons: list[Lesson]
    problems: list[Problem]

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    @property
    def required_lessons(self) -> list[Lesson]:
        """The lessons that count for completing the course, in order (the one place of the rule)."""
        return [lesson for lesson in self.lessons if counts_for_completion(lesson.meta)]

    def neighbours(self, lesson_id: str) -> tuple[Lesson | None, Lesson | None]:
        ids = [lesson.id for lesson in self.lessons]
        if lesson_id not in ids:
            return None, None
        i = ids.index(lesson_id)
        return (self.lessons[i - 1] if i > 0 else None, self.lessons[i + 1] if i + 1 < len(ids) else None)


def load_course(content_dir: Path) -> Course:
    """Every lesson that validates, in order; problems for the rest (which are left out)."""
    lessons: list[Lesson] = []
    problems: list[Problem] = []
    if not content_dir.is_dir():
        return Course([], [Problem(str(content_dir), "content folder not found")])
    for path in sorted(content_dir.glob("*.md")):
        lesson, found = load_lesson(path)
        problems.extend(found)
        if lesson is None:
            continue
        if any(other.id == lesson.id for other in lessons):
            problems.append(Problem(path.name, f"lesson id '{lesson.id}' is used by another file too", "id"))
            continue
        lessons.append(lesson)
    lessons.sort(key=lambda lesson: (lesson.meta.order, lesson.id))
    return Course(lessons, problems)
