"""Endpoint configuration: presets, settings mapping, and the API key never leaking."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from pydantic import SecretStr, ValidationError

from portal.llm import PRESETS, EndpointConfig, endpoint_from_settings

SECRET = "sk-live-very-secret-0123456789"


def test_unset_settings_give_the_offline_practice_model():
    config = endpoint_from_settings(SimpleNamespace())
    assert config.provider == "practice"
    assert config.default_model == "practice-mini"
    assert config.models == ["practice-mini"]


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("ollama", "http://localhost:11434/v1"),
        ("vllm", "http://localhost:8000/v1"),
        ("lmstudio", "http://localhost:1234/v1"),
        ("openai", "https://api.openai.com/v1"),
    ],
)
def test_presets_fill_the_documented_base_url(provider, url):
    assert EndpointConfig(provider=provider).base_url == url
    assert PRESETS[provider].base_url == url


def test_settings_fields_are_read_with_their_documented_names():
    settings = SimpleNamespace(
        llm_provider="ollama",
        llm_base_url="http://gpu01:11434/v1/",
        llm_api_key=SecretStr(""),
        llm_models='["qwen2.5:7b", "llama3.2"]',
        llm_default_model="llama3.2",
        llm_azure_api_version=None,
        llm_timeout_s=90,
        llm_max_retries=9,
    )
    config = endpoint_from_settings(settings)
    assert config.provider == "ollama"
    assert config.base_url == "http://gpu01:11434/v1"
    assert config.api_key is None  # an empty key counts as "not set"
    assert config.models == ["qwen2.5:7b", "llama3.2"]
    assert config.default_model == "llama3.2"
    assert config.timeout_s == 90
    assert config.max_retries == 2  # clamped: never a retry storm


def test_comma_separated_models_and_default_added_to_the_list():
    config = endpoint_from_settings(
        SimpleNamespace(llm_provider="custom", llm_base_url="http://x:1/v1", llm_models="a, b", llm_default_model="c")
    )
    assert config.models == ["c", "a", "b"]


def test_timeouts_are_classroom_sized_by_default():
    config = EndpointConfig(provider="openai", api_key=SECRET)
    assert config.connect_timeout_s == 5
    assert config.timeout_s == 60
    assert 1 <= config.max_retries <= 2


def test_unknown_provider_is_rejected():
    with pytest.raises(ValueError):
        endpoint_from_settings(SimpleNamespace(llm_provider="bard"))
    with pytest.raises(ValidationError):
        EndpointConfig(provider="bard")


def test_api_key_never_appears_in_repr_str_summary_or_json(caplog):
    config = EndpointConfig(provider="openai", api_key=SECRET, base_url="https://user:pw@api.example.com/v1?x=1")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("config %s %r", config, config)
    rendered = [str(config), repr(config), json.dumps(config.describe()), config.model_dump_json(), caplog.text]
    for text in rendered:
        assert SECRET not in text
    assert config.describe()["api_key_set"] is True
    assert config.display_base_url == "https://api.example.com/v1"
    assert config.api_key_value() == SECRET
