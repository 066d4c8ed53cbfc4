"""The template lessons (content/templates, quizzes/templates): valid like the course, in both
editions, with placeholders to fill in, not part of the course; `portal validate` checks them and
names a broken template file."""

from __future__ import annotations

import os
import shutil
import subprocess

from portal.config import REPO_ROOT
from portal.learning.content import load_course, load_lesson
from portal.learning.quiz import load_quizzes
from portal.learning.validate import template_dirs, validate_all, validate_templates
from test_validate import PORTAL_CLI, edit

CONTENT, QUIZZES = REPO_ROOT / "content" / "ja", REPO_ROOT / "quizzes" / "ja"
PLACEHOLDERS = ("〔会社名〕", "〔承認済みサービス名〕", "〔相談窓口〕")


def copy_shipped(tmp_path):
    """content/{ja,en,templates} and quizzes/{ja,en,templates}, laid out as shipped."""
    for kind in ("content", "quizzes"):
        shutil.copytree(REPO_ROOT / kind, tmp_path / kind)
    return tmp_path / "content" / "ja", tmp_path / "quizzes" / "ja"


def test_the_shipped_templates_are_valid_and_not_in_the_course():
    t_content, t_quizzes = template_dirs(CONTENT, QUIZZES)
    assert t_content == REPO_ROOT / "content" / "templates" / "ja"
    assert validate_templates(CONTENT, QUIZZES) == []  # errors and warnings, both editions and their drift
    lesson, problems = load_lesson(t_content / "ai-usage-rules.md")
    assert problems == [] and lesson.title == "生成AI利用ルール(ひな形)"
    text = (t_content / "ai-usage-rules.md").read_text(encoding="utf-8")
    assert all(p in text for p in PLACEHOLDERS)
    assert {s.id for s in lesson.sections} >= {"approved-services", "what-to-paste", "output", "contact"}
    quizzes, problems = load_quizzes(t_quizzes)
    assert problems == [] and quizzes["ai-usage-rules"].meta.lesson_id == "ai-usage-rules"
    assert load_course(CONTENT).get("ai-usage-rules") is None  # adopted by an admin, never served as is
    en, _ = load_lesson(t_content.parent / "en" / "ai-usage-rules.md")
    assert [s.id for s in en.sections] == [s.id for s in lesson.sections]


def test_a_broken_template_is_reported_with_its_folder(tmp_path):
    content, quizzes = copy_shipped(tmp_path)
    edit(tmp_path / "quizzes" / "templates" / "ja" / "ai-usage-rules.yaml", "answer: [b, d]", "answer: [b, z]")
    found = [p for p in validate_all(content, quizzes) if p.severity == "error"]
    assert [(p.file, p.item) for p in found][:1] == [("templates/ai-usage-rules.yaml", "paste-ok")]
    assert all(p.file.startswith("templates/") for p in found)  # the course itself is still fine


def test_the_cli_checks_given_folders_and_their_templates(tmp_path):
    content, quizzes = copy_shipped(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_DATA_DIR"] = str(tmp_path / "data")
    run = lambda: subprocess.run([str(PORTAL_CLI), "validate", "--content", str(content), "--quizzes", str(quizzes)],  # noqa: E731
                                 capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    ok = run()
    assert ok.returncode == 0 and "問題はありません" in ok.stdout, ok.stderr
    edit(tmp_path / "content" / "templates" / "ja" / "ai-usage-rules.md", "## 出力の扱い {#output}", "## 出力の扱い")
    bad = run()
    assert bad.returncode == 1
    assert "templates/ai-usage-rules.md body: level-2 heading without an id" in bad.stderr
