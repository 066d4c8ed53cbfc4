"""Endpoint configuration for the prompt sandbox.

One :class:`EndpointConfig` describes where chat requests go: the embedded practice model
(default, offline), OpenAI, Azure OpenAI, or any OpenAI-compatible server (Ollama, vLLM,
LM Studio, or a custom URL). :data:`PRESETS` documents sensible defaults per provider, and
:func:`endpoint_from_settings` maps the lead's pydantic-settings object (env prefix
``PORTAL_``) onto a config.

The API key is a :class:`pydantic.SecretStr`: it is never part of ``repr()``, ``str()``,
log lines or exception text produced by this package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

Provider = Literal["practice", "openai", "azure", "ollama", "vllm", "lmstudio", "custom"]
PROVIDERS: tuple[str, ...] = ("practice", "openai", "azure", "ollama", "vllm", "lmstudio", "custom")

PRACTICE_MODEL_NAME = "practice-mini"
PRACTICE_BASE_URL = "http://practice.invalid/v1"  # never resolved: served by an in-process transport

# Classroom-sensible limits: fail fast when the server is unreachable, allow a slow local model
# to keep streaming, and never sit in a long retry loop while a room of learners waits.
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 1
MAX_RETRIES_LIMIT = 2
DEFAULT_RETRY_AFTER_CAP_S = 3.0
DEFAULT_MAX_PROMPT_CHARS = 4000
DEFAULT_MAX_CONVERSATION_CHARS = 24000
DEFAULT_AZURE_API_VERSION = "2024-10-21"


@dataclass(frozen=True)
class Preset:
    """Documented defaults for one provider."""

    provider: str
    label_key: str  # catalog key for the UI label
    base_url: str | None
    models: tuple[str, ...]
    default_model: str | None
    requires_api_key: bool
    read_timeout_s: float
    example_env: tuple[str, ...]


PRESETS: dict[str, Preset] = {
    "practice": Preset(
        provider="practice",
        label_key="llm.provider.practice",
        base_url=PRACTICE_BASE_URL,
        models=(PRACTICE_MODEL_NAME,),
        default_model=PRACTICE_MODEL_NAME,
        requires_api_key=False,
        read_timeout_s=DEFAULT_READ_TIMEOUT_S,
        example_env=("PORTAL_LLM_PROVIDER=practice",),
    ),
    "openai": Preset(
        provider="openai",
        label_key="llm.provider.openai",
        base_url="https://api.openai.com/v1",
        models=("gpt-4o-mini", "gpt-4.1-mini", "o4-mini"),
        default_model="gpt-4o-mini",
        requires_api_key=True,
        read_timeout_s=DEFAULT_READ_TIMEOUT_S,
        example_env=(
            "PORTAL_LLM_PROVIDER=openai",
            "PORTAL_LLM_API_KEY=sk-...",
            'PORTAL_LLM_MODELS=["gpt-4o-mini","o4-mini"]',
            "PORTAL_LLM_DEFAULT_MODEL=gpt-4o-mini",
        ),
    ),
    "azure": Preset(
        provider="azure",
        label_key="llm.provider.azure",
        base_url=None,  # https://<resource>.openai.azure.com — must be set
        models=(),
        default_model=None,  # the *deployment* name
        requires_api_key=True,
        read_timeout_s=DEFAULT_READ_TIMEOUT_S,
        example_env=(
            "PORTAL_LLM_PROVIDER=azure",
            "PORTAL_LLM_BASE_URL=https://my-resource.openai.azure.com",
            "PORTAL_LLM_API_KEY=...",
            f"PORTAL_LLM_AZURE_API_VERSION={DEFAULT_AZURE_API_VERSION}",
            'PORTAL_LLM_MODELS=["my-gpt-4o-mini-deployment"]',
        ),
    ),
    "ollama": Preset(
        provider="ollama",
        label_key="llm.provider.ollama",
        base_url="http://localhost:11434/v1",
        models=("qwen2.5:7b", "llama3.2"),
        default_model="qwen2.5:7b",
        requires_api_key=False,
        read_timeout_s=120.0,  # first request may load the model into memory
        example_env=(
            "PORTAL_LLM_PROVIDER=ollama",
            'PORTAL_LLM_MODELS=["qwen2.5:7b"]',
        ),
    ),
    "vllm": Preset(
        provider="vllm",
        label_key="llm.provider.vllm",
        base_url="http://localhost:8000/v1",
        models=(),
        default_model=None,  # whatever `vllm serve <model>` serves; see /v1/models
        requires_api_key=False,
        read_timeout_s=DEFAULT_READ_TIMEOUT_S,
        example_env=(
            "PORTAL_LLM_PROVIDER=vllm",
            "PORTAL_LLM_BASE_URL=http://gpu-host:8000/v1",
            "PORTAL_LLM_DEFAULT_MODEL=Qwen/Qwen2.5-7B-Instruct",
        ),
    ),
    "lmstudio": Preset(
        provider="lmstudio",
        label_key="llm.provider.lmstudio",
        base_url="http://localhost:1234/v1",
        models=(),
        default_model=None,
        requires_api_key=False,
        read_timeout_s=120.0,
        example_env=("PORTAL_LLM_PROVIDER=lmstudio", "PORTAL_LLM_DEFAULT_MODEL=qwen2.5-7b-instruct"),
    ),
    "custom": Preset(
        provider="custom",
        label_key="llm.provider.custom",
        base_url=None,
        models=(),
        default_model=None,
        requires_api_key=False,
        read_timeout_s=DEFAULT_READ_TIMEOUT_S,
        example_env=(
            "PORTAL_LLM_PROVIDER=custom",
            "PORTAL_LLM_BASE_URL=http://llm.internal.example:8080/v1",
            "PORTAL_LLM_API_KEY=...",
            "PORTAL_LLM_DEFAULT_MODEL=my-model",
        ),
    ),
}


def redact_url(url: str | None) -> str | None:
    """Drop any ``user:password@`` part and query string from a URL before showing it."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class EndpointConfig(BaseModel):
    """Where and how the sandbox talks to a language model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Provider = "practice"
    base_url: str | None = None
    api_key: SecretStr | None = None
    models: list[str] = Field(default_factory=list)
    default_model: str | None = None
    azure_api_version: str = DEFAULT_AZURE_API_VERSION
    connect_timeout_s: float = Field(default=DEFAULT_CONNECT_TIMEOUT_S, gt=0, le=60)
    timeout_s: float = Field(default=0.0, ge=0, le=600)  # read timeout; 0 = the preset's value
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, ge=0, le=MAX_RETRIES_LIMIT)
    retry_after_cap_s: float = Field(default=DEFAULT_RETRY_AFTER_CAP_S, ge=0, le=30)
    max_prompt_chars: int = Field(default=DEFAULT_MAX_PROMPT_CHARS, ge=1)
    max_conversation_chars: int = Field(default=DEFAULT_MAX_CONVERSATION_CHARS, ge=1)

    @field_validator("base_url")
    @classmethod
    def _strip_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        return value or None

    @field_validator("models", mode="before")
    @classmethod
    def _split_models(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [m.strip() for m in value.split(",") if m.strip()]
        return value

    @model_validator(mode="after")
    def _fill_from_preset(self) -> EndpointConfig:
        # Runs once at construction; the model is frozen afterwards.
        preset = PRESETS[self.provider]
        if self.base_url is None and preset.base_url is not None:
            object.__setattr__(self, "base_url", preset.base_url)
        if not self.timeout_s:
            object.__setattr__(self, "timeout_s", preset.read_timeout_s)
        if self.provider == "practice":
            models = [PRACTICE_MODEL_NAME]
            default: str | None = PRACTICE_MODEL_NAME
        else:
            models = list(dict.fromkeys(self.models)) or list(preset.models)
            default = self.default_model or preset.default_model or (models[0] if models else None)
        if default is not None and default not in models:
            models.insert(0, default)
        object.__setattr__(self, "models", models)
        object.__setattr__(self, "default_model", default)
        return self

    @property
    def is_practice(self) -> bool:
        return self.provider == "practice"

    @property
    def preset(self) -> Preset:
        return PRESETS[self.provider]

    @property
    def display_base_url(self) -> str | None:
        """The base URL without credentials or query: safe to show to an admin."""
        return redact_url(self.base_url)

    def api_key_value(self) -> str | None:
        """The raw key, for building the client only. Never log or display it."""
        if self.api_key is None:
            return None
        value = self.api_key.get_secret_value().strip()
        return value or None

    def describe(self) -> dict[str, object]:
        """A secret-free summary for admin pages and logs."""
        return {
            "provider": self.provider,
            "base_url": self.display_base_url,
            "api_key_set": self.api_key_value() is not None,
            "models": list(self.models),
            "default_model": self.default_model,
            "connect_timeout_s": self.connect_timeout_s,
            "timeout_s": self.timeout_s,
            "max_retries": self.max_retries,
        }

    @classmethod
    def from_preset(cls, provider: str, **overrides: Any) -> EndpointConfig:
        if provider not in PRESETS:
            raise ValueError(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
        data: dict[str, Any] = {"provider": provider}
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)


def _as_models(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                return [str(m).strip() for m in parsed if str(m).strip()]
        return [m.strip() for m in text.split(",") if m.strip()]
    if isinstance(value, Iterable):
        return [str(m).strip() for m in value if str(m).strip()]
    return []


def _secret(value: Any) -> SecretStr | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        raw = value.get_secret_value()
    else:
        raw = str(value)
    return SecretStr(raw) if raw.strip() else None


def endpoint_from_settings(settings: Any) -> EndpointConfig:
    """Build an :class:`EndpointConfig` from the portal Settings object.

    Reads ``llm_provider``, ``llm_base_url``, ``llm_api_key``, ``llm_models``,
    ``llm_default_model``, ``llm_azure_api_version``, ``llm_timeout_s`` and ``llm_max_retries``
    (plus the optional ``llm_connect_timeout_s``, ``llm_max_prompt_chars``) with ``getattr``;
    anything unset falls back to the provider preset, and the provider to ``practice``.
    """

    def get(name: str) -> Any:
        value = getattr(settings, name, None)
        if isinstance(value, str) and not value.strip():
            return None
        return value

    provider = str(get("llm_provider") or "practice").strip().lower()
    if provider not in PRESETS:
        raise ValueError(f"PORTAL_LLM_PROVIDER must be one of {', '.join(PROVIDERS)}")
    data: dict[str, Any] = {
        "provider": provider,
        "base_url": get("llm_base_url"),
        "api_key": _secret(get("llm_api_key")),
        "models": _as_models(get("llm_models")),
        "default_model": get("llm_default_model"),
    }
    if get("llm_azure_api_version"):
        data["azure_api_version"] = str(get("llm_azure_api_version"))
    if get("llm_timeout_s") is not None:
        data["timeout_s"] = float(get("llm_timeout_s"))
    if get("llm_connect_timeout_s") is not None:
        data["connect_timeout_s"] = float(get("llm_connect_timeout_s"))
    if get("llm_max_retries") is not None:
        data["max_retries"] = min(max(int(get("llm_max_retries")), 0), MAX_RETRIES_LIMIT)
    if get("llm_max_prompt_chars") is not None:
        data["max_prompt_chars"] = int(get("llm_max_prompt_chars"))
    return EndpointConfig(**data)
