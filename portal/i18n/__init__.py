"""The message catalog: every UI string, Japanese first, with an English column.

The catalog is one namespace split into YAML files by area (``catalog/*.yaml``) so that
areas can be edited independently. Each file maps a dotted key to ``{ja: ..., en: ...}``.
``t(key, **params)`` is the one lookup function used everywhere.

The language of a lookup is, in order: the ``lang`` argument; the language of the current
Streamlit run (``set_lang``, called once per run by ``portal/app.py`` with the signed-in user's
language, or the browser's before sign-in); the registered fallback resolver (a fragment rerun
does not run ``portal/app.py`` again, so the UI registers one that reads the browser session);
``PORTAL_LANG``; Japanese.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).parent / "catalog"
DEFAULT_LANG = "ja"
SUPPORTED_LANGS = ("ja", "en")


class CatalogError(ValueError):
    """The catalog itself is broken (duplicate key, missing Japanese text)."""


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, entry in data.items():
            if key in merged:
                raise CatalogError(f"{path.name}: key '{key}' is defined twice")
            if not isinstance(entry, dict) or not entry.get("ja"):
                raise CatalogError(f"{path.name}: key '{key}' has no Japanese text")
            merged[key] = {lang: str(text) for lang, text in entry.items()}
    return merged


_run_lang: ContextVar[str | None] = ContextVar("portal_lang", default=None)
_resolver: Callable[[], str | None] | None = None


def normalize_lang(value: object) -> str | None:
    """'en', 'en-US', 'EN_gb' -> 'en'; None for anything not supported."""
    if not isinstance(value, str) or not value:
        return None
    base = value.strip().replace("_", "-").split("-")[0].lower()
    return base if base in SUPPORTED_LANGS else None


def lang_from_accept_language(header: str | None) -> str | None:
    """The first supported language of an ``Accept-Language`` header, by quality (RFC 9110)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = normalize_lang(tag)
        if lang and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def set_lang(lang: str | None) -> None:
    """The language of the current run (thread/context); None clears it."""
    _run_lang.set(normalize_lang(lang))


@contextmanager
def use_lang(lang: str) -> Iterator[None]:
    """Look up texts in ``lang`` inside the block (tests, exports for another language)."""
    token = _run_lang.set(normalize_lang(lang))
    try:
        yield
    finally:
        _run_lang.reset(token)


def set_lang_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Register where the language comes from when no run language is set (the UI layer)."""
    global _resolver
    _resolver = resolver


def current_lang() -> str:
    lang = _run_lang.get()
    if lang:
        return lang
    if _resolver is not None:
        lang = normalize_lang(_resolver())
        if lang:
            return lang
    return normalize_lang(os.environ.get("PORTAL_LANG")) or DEFAULT_LANG


def t(key: str, lang: str | None = None, **params: object) -> str:
    """Look up ``key`` in the catalog; fall back to Japanese, then to the key itself."""
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang or current_lang()) or entry["ja"]
    return text.format(**params) if params else text
