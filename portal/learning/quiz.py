"""Quiz banks (YAML, validated by pydantic), drawing and shuffling, and grading.

Grading rules (documented in docs/quizzes.md):
- single, true_false, numeric: 1 point when right, else 0. Numeric is right when
  |given - answer| <= tolerance.
- multiple: all or nothing by default (exactly the right set). With ``scoring: partial``:
  (right picks - wrong picks) / number of right options, never below 0.
- ordering: all or nothing (every item in the right place).
- matching: partial credit, the share of pairs matched correctly.
A question is "correct" when it earns full credit. The score of an attempt is the sum of
credits divided by the number of questions drawn; unanswered questions earn 0.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from portal.learning.content import SLUG, content_version
from portal.learning.problems import Problem

QuestionId = Annotated[str, Field(pattern=SLUG)]


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=1)


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=SLUG)
    left: str = Field(min_length=1)
    right: str = Field(min_length=1)


class _Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: QuestionId
    prompt: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    section: str | None = Field(default=None, pattern=SLUG)
    # scenario: a judgement in a work situation; recall: a fact or term (see docs/quizzes.md)
    kind: Literal["scenario", "recall"] = "recall"


class FieldError(ValueError):
    """A cross-field check failed; ``field`` names the field to report (e.g. ``answer``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _unique(ids: list[str], what: str, field: str) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise FieldError(field, f"duplicate {what} id(s): {', '.join(dupes)}")


class _WithOptions(_Question):
    options: list[Option] = Field(min_length=2)

    def option_ids(self) -> list[str]:
        return [o.id for o in self.options]

    def option_text(self, option_id: str) -> str:
        return next((o.text for o in self.options if o.id == option_id), option_id)

    def _check_known(self, ids: list[str]) -> None:
        _unique(self.option_ids(), "option", "options")
        unknown = [i for i in ids if i not in self.option_ids()]
        if unknown:
            raise FieldError("answer", f"answer names missing option(s): {', '.join(unknown)}")


class SingleChoice(_WithOptions):
    type: Literal["single"]
    answer: str

    @model_validator(mode="after")
    def _check(self):
        self._check_known([self.answer])
        return self


class MultipleChoice(_WithOptions):
    type: Literal["multiple"]
    answer: list[str] = Field(min_length=1)
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"

    @model_validator(mode="after")
    def _check(self):
        self._check_known(self.answer)
        _unique(self.answer, "answer", "answer")
        return self


class TrueFalse(_Question):
    type: Literal["true_false"]
    answer: bool


class Ordering(_WithOptions):
    type: Literal["ordering"]
    answer: list[str]

    @model_validator(mode="after")
    def _check(self):
        self._check_known(self.answer)
        if sorted(self.answer) != sorted(self.option_ids()):
            raise FieldError("answer", "answer must list every option exactly once, in the right order")
        return self


class Matching(_Question):
    type: Literal["matching"]
    pairs: list[Pair] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self):
        _unique([p.id for p in self.pairs], "pair", "pairs")
        rights = [p.right for p in self.pairs]
        if len(set(rights)) != len(rights):
            raise FieldError("pairs", "two pairs have the same right-hand text")
        return self


class Numeric(_Question):
    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(default=0, ge=0)
    unit: str = ""


Question = Annotated[
    Union[SingleChoice, MultipleChoice, TrueFalse, Ordering, Matching, Numeric], Field(discriminator="type")
]
_question_adapter = TypeAdapter(Question)


class QuizMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=SLUG)
    lesson_id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    draw: int | None = Field(default=None, ge=1)
    shuffle_questions: bool = True
    shuffle_options: bool = True
    pass_mark: float = Field(default=0.8, gt=0, le=1)
    max_attempts: int | None = Field(default=None, ge=1)  # None = unlimited; the best attempt counts


@dataclass(frozen=True)
class Quiz:
    meta: QuizMeta
    questions: tuple[Any, ...]
    version: str
    path: Path

    @property
    def id(self) -> str:
        return self.meta.id

    def question(self, question_id: str):
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def draw_count(self) -> int:
        return min(self.meta.draw or len(self.questions), len(self.questions))


def load_quiz(path: Path) -> tuple[Quiz | None, list[Problem]]:
    """Parse one quiz file. Each broken question is reported with its id and field; the quiz
    is served only when every question is valid (a half-quiz would grade unfairly)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(path.name, f"cannot read the file: {exc}")]
    return parse_quiz(data, path)


def parse_quiz(data: bytes, path: Path) -> tuple[Quiz | None, list[Problem]]:
    """One quiz bank from the bytes of its file (a file in quizzes/, or a custom lesson's bank
    stored in the database, named ``path``): the same checks either way."""
    name = path.name
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [Problem(name, f"cannot read the file: {str(exc).replace(chr(10), ' ')}")]
    if not isinstance(raw, dict):
        return None, [Problem(name, "the file must be a mapping with id, lesson_id, title and questions")]
    raw_questions = raw.pop("questions", None)
    problems: list[Problem] = []
    meta = None
    try:
        meta = QuizMeta.model_validate(raw)
    except ValidationError as exc:
        problems += [Problem(name, e["msg"], ".".join(map(str, e["loc"]))) for e in exc.errors()]
    if not isinstance(raw_questions, list) or not raw_questions:
        return None, problems + [Problem(name, "a non-empty list of questions is required", "questions")]
    questions = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw_questions):
        qid = str(item.get("id", f"#{index + 1}")) if isinstance(item, dict) else f"#{index + 1}"
        # duplicates are checked on the raw ids, so a broken first copy still flags the second
        duplicate_of = seen.get(qid) if isinstance(item, dict) and "id" in item else None
        if duplicate_of is None and isinstance(item, dict) and "id" in item:
            seen[qid] = index
        try:
            question = _question_adapter.validate_python(item)
        except ValidationError as exc:
            for e in exc.errors():
                loc = [str(p) for p in e["loc"]]
                if loc and loc[0] in ("single", "multiple", "true_false", "ordering", "matching", "numeric"):
                    loc = loc[1:]  # drop the discriminator tag pydantic puts first
                field = getattr((e.get("ctx") or {}).get("error"), "field", None)
                if field:
                    loc.append(field)
                elif e["type"] in ("union_tag_invalid", "union_tag_not_found"):
                    loc = ["type"]
                problems.append(Problem(name, e["msg"].removeprefix("Value error, "), ".".join(loc) or "question", qid))
            question = None
        if duplicate_of is not None:
            problems.append(Problem(name, f"duplicate question id (also question #{duplicate_of + 1})", "id", qid))
            continue
        if question is not None:
            questions.append(question)
    if meta is not None and meta.draw and meta.draw > len(raw_questions):
        problems.append(Problem(name, f"draw is {meta.draw} but the bank has {len(raw_questions)} questions", "draw"))
    if problems or meta is None:
        return None, problems
    return Quiz(meta, tuple(questions), content_version(data), path), []


def load_quizzes(quiz_dir: Path) -> tuple[dict[str, Quiz], list[Problem]]:
    quizzes: dict[str, Quiz] = {}
    problems: list[Problem] = []
    if not quiz_dir.is_dir():
        return {}, [Problem(str(quiz_dir), "quiz folder not found")]
    for path in sorted(list(quiz_dir.glob("*.yaml")) + list(quiz_dir.glob("*.yml"))):
        quiz, found = load_quiz(path)
        problems.extend(found)
        if quiz is None:
            continue
        if quiz.id in quizzes:
            problems.append(Problem(path.name, f"quiz id '{quiz.id}' is used by another file too", "id"))
            continue
        quizzes[quiz.id] = quiz
    return quizzes, problems


# ---------------------------------------------------------------- drawing and shuffling


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw_questions(quiz: Quiz, seed: int) -> list[str]:
    """The question ids of one attempt, in display order; the same seed gives the same draw."""
    ids = [q.id for q in quiz.questions]
    rng = _rng(quiz.id, seed, "draw")
    if quiz.meta.shuffle_questions or quiz.draw_count < len(ids):
        chosen = rng.sample(ids, quiz.draw_count)
        if not quiz.meta.shuffle_questions:
            chosen.sort(key=ids.index)
        return chosen
    return ids


def option_order(quiz: Quiz, question, seed: int) -> list[str]:
    """Display order of a question's options (or matching right-hand sides) for an attempt."""
    if isinstance(question, Matching):
        ids = [p.id for p in question.pairs]
        shuffle = True  # the right-hand sides are always shuffled, or matching is trivial
    elif isinstance(question, (SingleChoice, MultipleChoice, Ordering)):
        ids = question.option_ids()
        shuffle = quiz.meta.shuffle_options or isinstance(question, Ordering)
    else:
        return []
    if not shuffle:
        return ids
    order = ids[:]
    rng = _rng(quiz.id, seed, question.id)
    rng.shuffle(order)
    if isinstance(question, Ordering) and order == question.answer and len(order) > 1:
        order = order[1:] + order[:1]  # never show an ordering question already solved
    return order


# ---------------------------------------------------------------- grading


@dataclass(frozen=True)
class Grade:
    credit: float
    correct: bool
    answered: bool


def is_answered(question, response: Any) -> bool:
    if response is None:
        return False
    if isinstance(question, (MultipleChoice,)):
        return bool(response)
    if isinstance(question, Ordering):
        # every position filled: a half-ordered list is not an answer yet (the page asks to confirm)
        return isinstance(response, list) and len(response) == len(question.options) and all(response)
    if isinstance(question, Matching):
        return isinstance(response, dict) and any(response.get(p.id) for p in question.pairs)
    if isinstance(question, (SingleChoice,)):
        return bool(response)
    return True


def grade(question, response: Any) -> Grade:
    """Credit in [0, 1] for one response; see the module docstring for the rules."""
    if not is_answered(question, response):
        return Grade(0.0, False, False)
    credit = 0.0
    if isinstance(question, SingleChoice):
        credit = 1.0 if response == question.answer else 0.0
    elif isinstance(question, TrueFalse):
        credit = 1.0 if bool(response) is question.answer and isinstance(response, bool) else 0.0
    elif isinstance(question, Numeric):
        try:
            credit = 1.0 if abs(float(response) - question.answer) <= question.tolerance + 1e-9 else 0.0
        except (TypeError, ValueError):
            credit = 0.0
    elif isinstance(question, MultipleChoice):
        chosen, right = set(response), set(question.answer)
        if question.scoring == "partial":
            credit = max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))
        else:
            credit = 1.0 if chosen == right else 0.0
    elif isinstance(question, Ordering):
        credit = 1.0 if list(response) == question.answer else 0.0
    elif isinstance(question, Matching):
        hits = sum(1 for p in question.pairs if response.get(p.id) == p.id)
        credit = hits / len(question.pairs)
    return Grade(credit, credit >= 1.0 - 1e-9, True)


def correct_response(question) -> Any:
    """The right answer in the same shape as a response (for review pages)."""
    if isinstance(question, Matching):
        return {p.id: p.id for p in question.pairs}
    return question.answer
