"""Fixtures for the sandbox service tests: users, a small practice model, the fake server,
and Sandbox objects wired to them (each with its own cooldown table)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_openai_server import fake_openai_server  # noqa: E402,F401  (fixture)
from sandboxkit import CORPUS, endpoint_sandbox  # noqa: E402

from portal.accounts.roles import SYSTEM  # noqa: E402
from portal.accounts.service import create_user  # noqa: E402
from portal.db import session_scope  # noqa: E402
from portal.llm import Cooldowns, EndpointConfig, LLMService, PracticeModel, Retriever, passages_from_markdown  # noqa: E402
from portal.sandbox import Sandbox  # noqa: E402


@pytest.fixture(scope="session")
def practice_model() -> PracticeModel:
    return PracticeModel.train([CORPUS])


@pytest.fixture(scope="session")
def retriever() -> Retriever:
    return Retriever(passages_from_markdown("hallucination", "ハルシネーション", CORPUS))


@pytest.fixture
def learner(db_url):
    with session_scope(db_url) as s:
        return create_user(s, SYSTEM, name="学習 花子", email="hanako@example.com")


@pytest.fixture
def other_learner(db_url):
    with session_scope(db_url) as s:
        return create_user(s, SYSTEM, name="学習 次郎", email="jiro@example.com")


@pytest.fixture
def admin(db_url):
    with session_scope(db_url) as s:
        return create_user(s, SYSTEM, name="管理 太郎", email="admin@example.com",
                           role="admin")


@pytest.fixture
def sandbox(db_url, fake_openai_server, retriever) -> Sandbox:  # noqa: F811
    return endpoint_sandbox(db_url, fake_openai_server, retriever)


@pytest.fixture
def practice_sandbox(db_url, practice_model, retriever) -> Sandbox:
    llm = LLMService(EndpointConfig(), practice_model=practice_model, cooldowns=Cooldowns())
    return Sandbox(llm, database_url=db_url, retriever=retriever)
