"""Fixtures for the LLM service tests.

The fake server lives in ``tests/fake_openai_server.py`` so end-to-end tests can reuse it;
``tests/`` is put on ``sys.path`` here because the test folders are not packages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parents[2]
REPO_ROOT = TESTS_DIR.parent
CONTENT_DIR = REPO_ROOT / "content" / "ja"
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from fake_openai_server import FakeOpenAIServer, fake_openai_server  # noqa: E402,F401

from portal.llm.practice import PracticeModel, load_lesson_texts  # noqa: E402

# A small corpus written for these tests (not the course lessons).
TEST_CORPUS = """
## 山の話 {#mountains}

日本で一番高い山は、富士山です。
日本で一番高い山は、富士山で、標高は3776メートルです。
日本で二番目に高い山は、北岳です。

## 言語モデル {#lm}

言語モデルは、直前の言葉から次の言葉を予測します。
言語モデルは、確率に従って言葉を一つずつ選びます。
マイナンバーは、社会保障や税の手続きで使う個人番号です。
マイナンバーを生成AIに入力してはいけません。
"""


@pytest.fixture(scope="session")
def practice_model() -> PracticeModel:
    """A practice model trained on the test corpus plus the built-in demonstration corpus."""
    return PracticeModel.train([TEST_CORPUS])


@pytest.fixture(scope="session")
def lesson_texts() -> list[str]:
    texts = load_lesson_texts(CONTENT_DIR)
    if not texts:
        pytest.skip("content/ja has no lessons yet")
    return texts


@pytest.fixture
def sleeps() -> list[float]:
    """Collects back-off sleeps instead of sleeping (see ``LLMService(sleep=...)``)."""
    return []
