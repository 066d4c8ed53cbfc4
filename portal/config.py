"""Application settings (pydantic-settings).

Values come from environment variables with the ``PORTAL_`` prefix, a ``.env`` file in the
working directory, and ``.streamlit/secrets.toml`` for secrets (see README). ``DATABASE_URL``
without the prefix is accepted too, as most hosting platforms set it that way.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

# where content/, quizzes/, migrations/ and .streamlit/ are: the checkout, or PORTAL_HOME when the
# package is installed elsewhere (the container image installs the wheel, the files go to /app)
REPO_ROOT = Path(os.environ.get("PORTAL_HOME") or Path(__file__).resolve().parents[1]).resolve()
SECRETS_FILE = REPO_ROOT / ".streamlit" / "secrets.toml"


class SettingsError(RuntimeError):
    """Invalid settings; the message names each offending setting."""


class _SecretsTomlSource(PydanticBaseSettingsSource):
    """Reads a ``[portal]`` table from ``.streamlit/secrets.toml`` (git-ignored)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._data: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as fh:
                self._data = dict(tomllib.load(fh).get("portal", {}))

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by __call__
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PORTAL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # storage
    data_dir: Path = Field(default=REPO_ROOT / "data", description="Folder for the SQLite file and logs")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PORTAL_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; default: SQLite file portal.db in data_dir",
    )
    content_dir: Path = REPO_ROOT / "content" / "ja"
    quiz_dir: Path = REPO_ROOT / "quizzes" / "ja"
    lang: Literal["ja", "en"] = "ja"
    log_format: Literal["text", "json"] = Field(default="text", description="text, or json: one JSON object per line")

    # accounts and policies
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    password_min_length: int = Field(default=10, ge=8, le=128)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)

    # sandbox / LLM
    llm_provider: Literal["practice", "openai", "azure", "ollama", "vllm", "lmstudio", "custom"] = "practice"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_models: list[str] = Field(default_factory=list)
    llm_default_model: str | None = None
    llm_azure_api_version: str | None = None
    # read timeout; unset = the provider preset's (60 s, 120 s for Ollama / LM Studio)
    llm_timeout_s: float | None = Field(default=None, gt=0, le=600)
    llm_max_retries: int = Field(default=1, ge=0, le=2)
    sandbox_max_prompt_chars: int = Field(default=4000, ge=100, le=100_000)
    sandbox_daily_requests: int = Field(default=100, ge=0)
    sandbox_daily_tokens: int = Field(default=50_000, ge=0)

    # completion certificates: a font file with Japanese glyphs (.ttf / .otf / .ttc); unset = found
    # at run time (Noto Sans CJK JP from fonts-noto-cjk, IPAex Gothic from fonts-ipaexfont, fc-match)
    certificate_font: Path | None = None
    # the portal's address as learners open it (links in reminder mails and on certificates)
    public_url: str | None = None

    # reminder e-mails (`portal send-reminders`); the password only from the environment or secrets.toml
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False  # implicit TLS (port 465) instead of STARTTLS
    smtp_ca_file: Path | None = None  # CA bundle for a company-internal SMTP server
    smtp_timeout_s: float = Field(default=30, gt=0, le=600)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _SecretsTomlSource(settings_cls, SECRETS_FILE),
            file_secret_settings,
        )

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite and postgresql are supported")
        if url.drivername == "postgresql" or url.drivername == "postgres":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'portal.db').resolve()}"


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation errors into one message naming each setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "?"
            lines.append(f"  PORTAL_{name.upper()}: {err['msg']}")
        raise SettingsError("設定の値が正しくありません (invalid settings):\n" + "\n".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
