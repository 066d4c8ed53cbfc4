"""Shared values and helpers of the sandbox tests (imported by conftest.py and the tests)."""

from __future__ import annotations

from fake_openai_server import FakeOpenAIServer

from portal.llm import Cooldowns, EndpointConfig, LLMService
from portal.risk.validators import my_number_check_digit
from portal.sandbox import Sandbox

BASE11 = "12345678901"
MY_NUMBER = BASE11 + str(my_number_check_digit(BASE11))  # a valid check digit
EMAIL = "tanaka.taro@example.co.jp"
# an e-mail address (warn) and a My Number with its label (block)
RISKY = f"{EMAIL} に返信を書いて。私のマイナンバーは {MY_NUMBER} です。"
WARN_ONLY = f"{EMAIL} 宛てに、会議の日程を確認するメールを書いてください。"
CLEAN = "生成AIを業務で使うときの注意点を3つ教えてください。"

CORPUS = """
## 山 {#mountains}

日本で一番高い山は、富士山です。標高は3776メートルです。

## 幻覚 {#hallucination}

ハルシネーションとは、もっともらしいが事実と異なる内容を生成AIが作ることです。
"""


def endpoint_sandbox(db_url, server: FakeOpenAIServer, retriever=None, **config) -> Sandbox:
    fields = {
        "provider": "custom",
        "base_url": server.base_url,
        "api_key": "sk-test-abcdefghijklmnop",
        "models": ["fake-mini"],
        "default_model": "fake-mini",
        "timeout_s": 0.5,
        "connect_timeout_s": 0.5,
        "max_retries": 0,
    }
    fields.update(config)
    llm = LLMService(EndpointConfig(**fields), cooldowns=Cooldowns(), sleep=lambda s: None)
    return Sandbox(llm, database_url=db_url, retriever=retriever)
