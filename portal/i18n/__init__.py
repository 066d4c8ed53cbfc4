"""The message catalog: every UI string, Japanese first, with an English column.

The catalog is one namespace split into YAML files by area (``catalog/*.yaml``) so that
areas can be edited independently. Each file maps a dotted key to ``{ja: ..., en: ...}``.
``t(key, **params)`` is the one lookup function used everywhere.
"""

from __future__ import annotations

import os
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


def current_lang() -> str:
    lang = os.environ.get("PORTAL_LANG", DEFAULT_LANG)
    return lang if lang in SUPPORTED_LANGS else DEFAULT_LANG


def t(key: str, lang: str | None = None, **params: object) -> str:
    """Look up ``key`` in the catalog; fall back to Japanese, then to the key itself."""
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry.get(lang or current_lang()) or entry["ja"]
    return text.format(**params) if params else text
