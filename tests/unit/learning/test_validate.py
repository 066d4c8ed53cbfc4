"""Bad content: `portal validate` names the file, the question and the field, and whatever else
is valid stays available. Each test breaks one thing in a copy of the shipped content."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal.config import REPO_ROOT
from portal.learning.content import load_course
from portal.learning.quiz import load_quizzes
from portal.learning.validate import validate_dirs

PORTAL_CLI = Path(sys.executable).parent / "portal"
N_LESSONS = len(list((REPO_ROOT / "content" / "ja").glob("*.md")))
N_QUIZZES = len(list((REPO_ROOT / "quizzes" / "ja").glob("*.yaml")))


@pytest.fixture
def dirs(tmp_path):
    content = tmp_path / "content"
    quizzes = tmp_path / "quizzes"
    shutil.copytree(REPO_ROOT / "content" / "ja", content)
    shutil.copytree(REPO_ROOT / "quizzes" / "ja", quizzes)
    return content, quizzes


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_validate(content: Path, quizzes: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_CONTENT_DIR=str(content), PORTAL_QUIZ_DIR=str(quizzes),
               PORTAL_DATA_DIR=str(content.parent / "data"))
    return subprocess.run([str(PORTAL_CLI), "validate"], capture_output=True, text=True, env=env,
                          cwd=content.parent, timeout=120)


def lines_about(problems, file: str) -> list:
    """The errors about one file (quality warnings are tested on their own below)."""
    return [p for p in problems if p.file == file and p.severity == "error"]


# ---------------------------------------------------------------- lessons


def test_broken_front_matter_is_reported_by_the_cli_and_other_lessons_load(dirs):
    content, quizzes = dirs
    edit(content / "05-how-generation-works.md", "title: ", "title: [unclosed ")
    proc = run_validate(content, quizzes)
    assert proc.returncode == 1
    assert "05-how-generation-works.md front matter:" in proc.stderr
    course = load_course(content)
    assert len(course.lessons) == N_LESSONS - 1
    assert course.get("how-generation-works") is None and course.get("ambiguity") is not None


def test_missing_required_field_names_the_field(dirs):
    content, quizzes = dirs
    edit(content / "02-research-areas.md", "reading_minutes:", "minutes:")
    problems = validate_dirs(content, quizzes)
    fields = {p.field for p in lines_about(problems, "02-research-areas.md")}
    assert {"reading_minutes", "minutes"} <= fields  # missing, and not allowed
    assert len(load_course(content).lessons) == N_LESSONS - 1


def test_missing_quiz_reference_is_reported_with_file_and_field(dirs):
    content, quizzes = dirs
    edit(content / "03-vs-conventional.md", "quiz_id: vs-conventional", "quiz_id: no-such-quiz")
    proc = run_validate(content, quizzes)
    assert proc.returncode == 1
    assert "03-vs-conventional.md quiz_id: quiz 'no-such-quiz' does not exist" in proc.stderr
    # the lesson itself is still served; only the link to its quiz is missing
    assert load_course(content).get("vs-conventional") is not None


def test_front_matter_without_closing_line(dirs):
    content, quizzes = dirs
    path = content / "06-ambiguity.md"
    path.write_text(path.read_text(encoding="utf-8").replace("\n---\n", "\n", 1), encoding="utf-8")
    problems = lines_about(validate_dirs(content, quizzes), "06-ambiguity.md")
    assert any(p.field == "front matter" and "not closed" in p.message for p in problems)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("## なぜLLMを学ぶのか {#why-learn}", "## なぜLLMを学ぶのか", "heading without an id"),
        ("## なぜLLMを学ぶのか {#why-learn}", "## なぜLLMを学ぶのか {#why-learn}\n\n<b>太字</b>", "raw HTML"),
        ("## なぜLLMを学ぶのか {#why-learn}", "## なぜLLMを学ぶのか {#why-learn}\n\n```portal\nno-such-widget\n```",
         "unknown widget"),
        ("## 8つの研究分野の全体像 {#eight-areas}", "## 8つの研究分野の全体像 {#why-learn}", "used twice"),
    ],
    ids=["heading-id", "html", "widget", "duplicate-section"],
)
def test_body_problems_are_reported(dirs, old, new, expected):
    content, quizzes = dirs
    edit(content / "02-research-areas.md", old, new)
    problems = lines_about(validate_dirs(content, quizzes), "02-research-areas.md")
    assert any(expected in p.message and p.field == "body" for p in problems), problems


def test_key_term_absent_from_the_text_is_reported(dirs):
    content, quizzes = dirs
    edit(content / "04-parameters.md", "  - term: パラメータ\n", "  - term: 存在しない用語\n")
    problems = lines_about(validate_dirs(content, quizzes), "04-parameters.md")
    assert [p.field for p in problems] == ["key_terms"]
    assert "存在しない用語" in problems[0].message


# ---------------------------------------------------------------- quizzes


def test_broken_quiz_structure_is_reported_and_other_quizzes_stay(dirs):
    content, quizzes = dirs
    (quizzes / "07-cloud-local.yaml").write_text("id: cloud-local\nquestions: [unclosed\n", encoding="utf-8")
    proc = run_validate(content, quizzes)
    assert proc.returncode == 1
    assert "07-cloud-local.yaml" in proc.stderr
    # the lesson now points at a quiz that cannot be served
    assert "07-cloud-local.md quiz_id: quiz 'cloud-local' does not exist" in proc.stderr
    loaded, _ = load_quizzes(quizzes)
    assert set(loaded) == {lesson.meta.quiz_id for lesson in load_course(content).lessons} - {"cloud-local"}


def test_questions_that_are_not_a_list(dirs):
    content, quizzes = dirs
    path = quizzes / "01-what-is-llm.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.split("\nquestions:")[0] + "\nquestions: 3\n", encoding="utf-8")
    problems = lines_about(validate_dirs(content, quizzes), "01-what-is-llm.yaml")
    assert [p.field for p in problems] == ["questions"]


def test_duplicate_question_id_names_file_question_and_field(dirs):
    content, quizzes = dirs
    edit(quizzes / "01-what-is-llm.yaml", "- id: generative-equals-llm", "- id: hierarchy-order")
    proc = run_validate(content, quizzes)
    assert proc.returncode == 1
    assert "01-what-is-llm.yaml [hierarchy-order] id: duplicate question id" in proc.stderr
    loaded, _ = load_quizzes(quizzes)
    assert "what-is-llm" not in loaded and len(loaded) == N_QUIZZES - 1


def test_answer_naming_a_missing_option(dirs):
    content, quizzes = dirs
    path = quizzes / "01-what-is-llm.yaml"
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("- id: best-task-for-llm", 1)
    path.write_text(head + "- id: best-task-for-llm" + tail.replace("answer: a", "answer: z", 1), encoding="utf-8")
    proc = run_validate(content, quizzes)
    assert "01-what-is-llm.yaml [best-task-for-llm] answer: answer names missing option(s): z" in proc.stderr
    assert len(load_quizzes(quizzes)[0]) == N_QUIZZES - 1


def test_ordering_answer_must_list_every_option(dirs):
    content, quizzes = dirs
    edit(quizzes / "01-what-is-llm.yaml", "answer: [ai, ml, dl, gen, llm]", "answer: [ai, ml, dl]")
    problems = lines_about(validate_dirs(content, quizzes), "01-what-is-llm.yaml")
    assert [(p.item, p.field) for p in problems] == [("hierarchy-order", "answer")]


def test_unknown_question_type_names_the_type_field(dirs):
    content, quizzes = dirs
    edit(quizzes / "01-what-is-llm.yaml", "type: true_false", "type: essay")
    problems = lines_about(validate_dirs(content, quizzes), "01-what-is-llm.yaml")
    assert [(p.item, p.field) for p in problems] == [("generative-equals-llm", "type")]


def test_lesson_reference_that_does_not_exist(dirs):
    content, quizzes = dirs
    edit(quizzes / "12-rag.yaml", "lesson_id: rag", "lesson_id: no-such-lesson")
    proc = run_validate(content, quizzes)
    assert "12-rag.yaml lesson_id: lesson 'no-such-lesson' does not exist" in proc.stderr


def test_section_reference_that_does_not_exist(dirs):
    content, quizzes = dirs
    edit(quizzes / "01-what-is-llm.yaml", "section: transformer", "section: no-such-section")
    problems = lines_about(validate_dirs(content, quizzes), "01-what-is-llm.yaml")
    assert [(p.item, p.field) for p in problems] == [("transformer-origin", "section")]


def test_draw_larger_than_the_bank(dirs):
    content, quizzes = dirs
    edit(quizzes / "01-what-is-llm.yaml", "draw: 8", "draw: 50")
    problems = lines_about(validate_dirs(content, quizzes), "01-what-is-llm.yaml")
    assert [p.field for p in problems] == ["draw"]


def test_every_problem_line_names_its_file(dirs):
    content, quizzes = dirs
    edit(quizzes / "01-what-is-llm.yaml", "type: true_false", "type: essay")
    edit(content / "05-how-generation-works.md", "title: ", "title: [unclosed ")
    proc = run_validate(content, quizzes)
    body = [line for line in proc.stderr.splitlines() if line.strip()]
    # quality warnings (the banks left change the course-wide figures) come after the errors, marked
    errors = [line for line in body[:-1] if not line.startswith("警告 (warning)") and "件の警告" not in line]
    assert body[-1] == f"{len(errors)} 件の問題が見つかりました。"
    assert all(line.split(" ")[0].endswith((".md", ".yaml")) for line in errors), body
    warnings = [line.removeprefix("警告 (warning) ") for line in body if line.startswith("警告 (warning)")]
    assert all(line.split(" ")[0].endswith((".md", ".yaml")) or line.startswith("quizzes ") for line in warnings)


# ---------------------------------------------------------------- quality warnings


def warnings_about(problems, file: str) -> list:
    return [p for p in problems if p.file == file and p.severity == "warning"]


def test_a_lesson_without_practice_or_date_is_warned_about_but_served(dirs):
    content, quizzes = dirs
    path = content / "06-ambiguity.md"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("as_of:"), text.index("quiz_id:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    found = warnings_about(validate_dirs(content, quizzes), "06-ambiguity.md")
    assert sorted(p.field for p in found) == ["as_of", "practice", "reflection", "sources"]
    assert load_course(content).get("ambiguity") is not None  # a warning never hides a lesson
    proc = run_validate(content, quizzes)
    assert proc.returncode == 0 and "警告 (warning) 06-ambiguity.md practice:" in proc.stderr
    assert run_validate_strict(content, quizzes).returncode == 1


def run_validate_strict(content: Path, quizzes: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_CONTENT_DIR=str(content), PORTAL_QUIZ_DIR=str(quizzes),
               PORTAL_DATA_DIR=str(content.parent / "data"))
    return subprocess.run([str(PORTAL_CLI), "validate", "--strict"], capture_output=True, text=True, env=env,
                          cwd=content.parent, timeout=120)


def test_a_broken_model_table_is_an_error(dirs):
    content, quizzes = dirs
    edit(content / "models.yaml", "disclosure: 公表}", "disclosure: たぶん}")
    found = lines_about(validate_dirs(content, quizzes), "models.yaml")
    assert found and found[0].severity == "error" and "disclosure" in found[0].field


def test_a_bank_whose_keys_sit_in_one_position_is_warned_about_with_the_question_ids(dirs):
    content, quizzes = dirs
    bank = yaml.safe_load((quizzes / "03-vs-conventional.yaml").read_text(encoding="utf-8"))
    singles = [q for q in bank["questions"] if q["type"] == "single"]
    for q in singles:  # move every key to the first position, as the review found
        q["options"].sort(key=lambda o: o["id"] != q["answer"])
    (quizzes / "03-vs-conventional.yaml").write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    found = warnings_about(validate_dirs(content, quizzes), "03-vs-conventional.yaml")
    key = next(p for p in found if p.field == "answer" and "option #1" in p.message)
    assert all(q["id"] in key.message for q in singles)
    assert load_quizzes(quizzes)[0].get("vs-conventional") is not None  # still served
    proc = run_validate(content, quizzes)
    assert proc.returncode == 0 and "警告 (warning) 03-vs-conventional.yaml answer: the answer is option #1" in proc.stderr
