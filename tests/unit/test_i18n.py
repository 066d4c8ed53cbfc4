"""The message catalog: one lookup, Japanese first, and no key used in code is missing."""

import re
from pathlib import Path

from portal.i18n import catalog, t

PORTAL = Path(__file__).resolve().parents[2] / "portal"
KEY_RE = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def test_every_key_used_in_code_exists_with_japanese_text():
    used = {}
    for path in PORTAL.rglob("*.py"):
        for key in KEY_RE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, path.relative_to(PORTAL.parent))
    missing = {k: str(p) for k, p in used.items() if k not in catalog()}
    assert not missing, f"keys used in code but missing from the catalog: {missing}"
    assert len(used) > 100


def test_every_entry_has_japanese_and_placeholders_match_english():
    for key, entry in catalog().items():
        assert entry["ja"].strip(), key
        if "en" in entry:
            ja_fields = set(re.findall(r"\{(\w+)", entry["ja"]))
            en_fields = set(re.findall(r"\{(\w+)", entry["en"]))
            assert ja_fields == en_fields, f"{key}: placeholders differ: {ja_fields} vs {en_fields}"


def test_lookup_formats_and_falls_back():
    assert t("auth.password.too_short", n=12) == "パスワードは 12 文字以上にしてください。"
    assert t("auth.password.too_short", lang="en", n=12) == "Use at least 12 characters."
    assert t("no.such.key") == "no.such.key"
