"""Quality figures and warnings for a quiz bank: can a guesser pass it without reading the lesson?

The figures (documented in docs/quizzes.md, "Bank quality checks"):

- key positions: where the right option sits in the file order of its options (1 = first). A
  single-choice key always in the same position, or multiple-choice keys always the leading
  options, show in any non-shuffled export and in the file itself.
- correct-is-longest: the share of single-choice items whose right option is uniquely the longest
  text (a classic test-wise cue).
- true/false balance: the share of true_false items whose answer is true.
- scenario share: the share of items tagged ``kind: scenario`` (a judgement in a work situation
  rather than recall of a term).
- absolute straw men: false true/false statements that are false only because of an absolute
  word (必ず, 完全に, 一切, すべて, ...) are flagged one by one.

``bank_warnings`` turns the figures into :class:`Problem` lines of severity ``warning``:
``portal validate`` prints them, and the test suite fails on any for the shipped content.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from math import ceil, floor

from portal.learning.problems import Problem
from portal.learning.quiz import MultipleChoice, Quiz, SingleChoice, TrueFalse

MAX_KEY_POSITION_SHARE = 0.5  # no option position may hold more than half of the single-choice keys
MIN_ITEMS_FOR_KEY_SPREAD = 3
MAX_LEADING_MULTIPLE_SHARE = 0.5  # multiple-choice items whose right options are the first k
MAX_LONGEST_SHARE = 0.35
TRUE_SHARE_RANGE = (0.4, 0.6)
MIN_SCENARIO_SHARE = 0.6
MIN_TYPES = 2
MAX_SAME_RIGHT_COUNT_SHARE = 0.5  # course-wide: multiple-choice items sharing one number of right options
# words that make a statement false by themselves (a straw man), when the statement is false
ABSOLUTE_WORDS = ("必ず", "完全に", "一切", "絶対", "すべて", "常に", "ずっと", "あらゆる", "ことはない", "必要はない",
                  "保証", "でしか")


@dataclass
class BankFigures:
    quiz_id: str
    file: str
    items: int
    types: Counter = field(default_factory=Counter)
    single_key_positions: Counter = field(default_factory=Counter)  # 1-based position -> items
    multiple_leading: int = 0  # multiple-choice items whose right options are exactly the first k
    multiple_right_counts: Counter = field(default_factory=Counter)  # number of right options -> items
    multiple_partial: int = 0
    single_longest: int = 0  # single-choice items whose right option is uniquely the longest
    tf_true: int = 0
    scenario: int = 0
    absolute_false: list[str] = field(default_factory=list)  # ids of false t/f items with an absolute word

    @property
    def singles(self) -> int:
        return self.types["single"]

    @property
    def multiples(self) -> int:
        return self.types["multiple"]

    @property
    def tf(self) -> int:
        return self.types["true_false"]

    @property
    def longest_share(self) -> float | None:
        return self.single_longest / self.singles if self.singles else None

    @property
    def true_share(self) -> float | None:
        return self.tf_true / self.tf if self.tf else None

    @property
    def scenario_share(self) -> float:
        return self.scenario / self.items if self.items else 0.0

    @property
    def top_key_share(self) -> float | None:
        if not self.singles:
            return None
        return max(self.single_key_positions.values()) / self.singles


def _uniquely_longest(question: SingleChoice) -> bool:
    lengths = {o.id: len(o.text) for o in question.options}
    right = lengths[question.answer]
    return all(right > n for oid, n in lengths.items() if oid != question.answer)


def bank_figures(quiz: Quiz) -> BankFigures:
    f = BankFigures(quiz.id, quiz.path.name, len(quiz.questions))
    for q in quiz.questions:
        f.types[q.type] += 1
        if q.kind == "scenario":
            f.scenario += 1
        if isinstance(q, SingleChoice):
            f.single_key_positions[q.option_ids().index(q.answer) + 1] += 1
            f.single_longest += _uniquely_longest(q)
        elif isinstance(q, MultipleChoice):
            positions = sorted(q.option_ids().index(a) for a in q.answer)
            f.multiple_leading += positions == list(range(len(q.answer)))
            f.multiple_right_counts[len(q.answer)] += 1
            f.multiple_partial += q.scoring == "partial"
        elif isinstance(q, TrueFalse):
            f.tf_true += q.answer
            if not q.answer and any(w in q.prompt for w in ABSOLUTE_WORDS):
                f.absolute_false.append(q.id)
    return f


def _true_count_allowed(n: int) -> range:
    """True answers allowed among n true/false items: 40-60 %, rounded outwards (3 items: 1 or 2)."""
    return range(floor(TRUE_SHARE_RANGE[0] * n), ceil(TRUE_SHARE_RANGE[1] * n) + 1)


def bank_warnings(quiz: Quiz) -> list[Problem]:
    f = bank_figures(quiz)
    name = f.file

    def warn(message: str, fld: str = "questions", item: str = "") -> Problem:
        return Problem(name, message, fld, item, severity="warning")

    out: list[Problem] = []
    if len(f.types) < MIN_TYPES:
        out.append(warn(f"only one question type ({next(iter(f.types))}); use at least {MIN_TYPES}"))
    if f.singles >= MIN_ITEMS_FOR_KEY_SPREAD and f.top_key_share > MAX_KEY_POSITION_SHARE:
        pos, n = f.single_key_positions.most_common(1)[0]
        ids = [q.id for q in quiz.questions if isinstance(q, SingleChoice) and q.option_ids().index(q.answer) + 1 == pos]
        out.append(warn(f"the answer is option #{pos} in {n} of {f.singles} single-choice items "
                        f"(at most {MAX_KEY_POSITION_SHARE:.0%}): {', '.join(ids)}", "answer"))
    if f.multiples and f.multiple_leading / f.multiples > MAX_LEADING_MULTIPLE_SHARE:
        for q in quiz.questions:
            if isinstance(q, MultipleChoice) and sorted(q.option_ids().index(a) for a in q.answer) == list(range(len(q.answer))):
                out.append(warn(f"the right options are the first {len(q.answer)} options; mix them in", "answer", q.id))
    if f.singles and f.longest_share > MAX_LONGEST_SHARE:
        ids = [q.id for q in quiz.questions if isinstance(q, SingleChoice) and _uniquely_longest(q)]
        out.append(warn(f"the right option is uniquely the longest in {f.single_longest} of {f.singles} single-choice "
                        f"items ({f.longest_share:.0%}, at most {MAX_LONGEST_SHARE:.0%}): {', '.join(ids)}", "options"))
    if f.tf and f.tf_true not in _true_count_allowed(f.tf):
        out.append(warn(f"{f.tf_true} of {f.tf} true/false items are true "
                        f"(keep {TRUE_SHARE_RANGE[0]:.0%}-{TRUE_SHARE_RANGE[1]:.0%})", "answer"))
    for qid in f.absolute_false:
        out.append(warn("a false statement made false by an absolute word (必ず, 完全に, 一切, すべて, ...) is a straw man; "
                        "state a plausible misconception instead", "prompt", qid))
    if f.scenario_share < MIN_SCENARIO_SHARE:
        out.append(warn(f"{f.scenario} of {f.items} items are tagged kind: scenario "
                        f"({f.scenario_share:.0%}, at least {MIN_SCENARIO_SHARE:.0%})", "kind"))
    return out


def course_warnings(quizzes: dict[str, Quiz]) -> list[Problem]:
    """Checks over all banks together: the number of right options of multiple-choice items varies."""
    counts: Counter = Counter()
    for quiz in quizzes.values():
        counts.update(bank_figures(quiz).multiple_right_counts)
    total = sum(counts.values())
    if total >= 4:
        k, n = counts.most_common(1)[0]
        if n / total > MAX_SAME_RIGHT_COUNT_SHARE:
            return [Problem("quizzes", f"{n} of {total} multiple-choice items have exactly {k} right options "
                            f"(at most {MAX_SAME_RIGHT_COUNT_SHARE:.0%}); vary the number", "answer",
                            severity="warning")]
    return []
