"""House style (docs/style-ja.md): the shipped lessons and quizzes use one spelling per word.

The pairs are read from the table 「表記の対応表」 in docs/style-ja.md, so the sheet and the check
cannot drift apart; a failure names the file, the line and the preferred spelling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.config import REPO_ROOT

STYLE = REPO_ROOT / "docs" / "style-ja.md"
SHIPPED = sorted((REPO_ROOT / "content" / "ja").glob("*.md")) + sorted((REPO_ROOT / "quizzes" / "ja").glob("*.yaml")) + sorted(
    (REPO_ROOT / "content" / "templates" / "ja").glob("*.md")) + sorted((REPO_ROOT / "quizzes" / "templates" / "ja").glob("*.yaml"))


def style_pairs(text: str) -> dict[str, str]:
    """Avoided spelling -> preferred spelling, from the table under the heading 表記の対応表."""
    section = text.split("## 表記の対応表", 1)[1].split("\n## ", 1)[0]
    pairs: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not line.startswith("|") or set(cells[0]) <= set("-") or cells[0] == "使う":
            continue
        for avoided in re.split(r"[、,]", cells[1]):
            if avoided.strip():
                pairs[avoided.strip()] = cells[0]
    return pairs


PAIRS = style_pairs(STYLE.read_text(encoding="utf-8"))


def violations(path: Path, pairs: dict[str, str]) -> list[str]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for avoided, preferred in pairs.items():
            if avoided in line:
                out.append(f"{path.name}:{number}: 「{avoided}」→「{preferred}」")
    return out


def test_the_style_sheet_lists_the_pairs_of_the_review():
    for avoided, preferred in {"お客様": "お客さま", "一つ": "1つ", "くり返": "繰り返し・繰り返す", "鵜呑み": "うのみ",
                               "秘密情報": "機密情報", "訓練": "学習", "テンパラチャー": "テンペラチャー"}.items():
        assert PAIRS.get(avoided) == preferred


def test_the_check_names_file_and_line(tmp_path):
    bad = tmp_path / "99-demo.md"
    bad.write_text("一行目\nお客様に一つ確認します。\n", encoding="utf-8")
    assert violations(bad, PAIRS) == ["99-demo.md:2: 「お客様」→「お客さま」", "99-demo.md:2: 「一つ」→「1つ」"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_content_follows_the_style_sheet(path):
    assert violations(path, PAIRS) == []


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "content" / "ja").glob("*.md"))
                         + sorted((REPO_ROOT / "content" / "templates" / "ja").glob("*.md")), ids=lambda p: p.name)
def test_lessons_are_written_in_desu_masu(path):
    """Lesson prose (not quoted examples or code) never ends a sentence in である/だ調."""
    body = path.read_text(encoding="utf-8").split("\n---", 1)[-1]
    bad = [f"{path.name}:{i}" for i, line in enumerate(body.splitlines(), 1)
           if not line.lstrip().startswith((">", "|", "```")) and re.search(r"(である|のだ|なのだ)。", line)]
    assert bad == []
