"""Find a font file with Japanese glyphs at run time (Debian's fonts-noto-cjk or fonts-ipaexfont,
anything fontconfig knows, or PORTAL_CERTIFICATE_FONT), with a clear message when there is none."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTCollection

from portal.config import get_settings
from portal.i18n import t

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
# (path, face index in a collection): Debian's packages, most likely first
KNOWN_FONTS = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),  # fonts-noto-cjk: face 0 = Noto Sans CJK JP
    ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", 0),  # fonts-ipaexfont-gothic
    ("/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf", 0),
    ("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 0),  # fonts-ipafont-gothic
    ("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf", 0),  # Debian's alternatives link
)


class FontMissing(RuntimeError):
    """No usable Japanese font (message in Japanese, naming what to install or set)."""


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # the face in a .ttc collection


def find_font(configured: Path | None = None, *, known=KNOWN_FONTS, use_fontconfig: bool = True) -> FontFile:
    if configured is not None:
        path = Path(configured)
        if not path.is_file():
            raise FontMissing(t("certificates.error.font_configured", path=str(path)))
        if path.suffix.lower() not in FONT_SUFFIXES:
            raise FontMissing(t("certificates.error.font_type", path=str(path)))
        return FontFile(path, _japanese_face(path))
    for name, index in known:
        if Path(name).is_file():
            return FontFile(Path(name), index)
    if use_fontconfig:
        found = _from_fontconfig()
        if found is not None:
            return found
    raise FontMissing(t("certificates.error.font_missing"))


def configured_font() -> FontFile:
    """The font for certificates: PORTAL_CERTIFICATE_FONT, else found on the machine."""
    return find_font(get_settings().certificate_font)


def _from_fontconfig() -> FontFile | None:
    """A font that fontconfig says covers Japanese (``fc-list :lang=ja``), a JP face first."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{family}\n", ":lang=ja"],
                             capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) < 3 or not parts[0].lower().endswith(FONT_SUFFIXES):
            continue
        faces.append((0 if "JP" in parts[2] else 1, parts[0], int(parts[1] or 0)))
    if not faces:
        return None
    _, path, index = sorted(faces)[0]
    return FontFile(Path(path), index)


@lru_cache(maxsize=8)
def _japanese_face(path: Path) -> int:
    """In a collection, the face whose family name says JP (else the first)."""
    if path.suffix.lower() != ".ttc":
        return 0

    try:
        collection = TTCollection(str(path), lazy=True)
    except Exception:  # noqa: BLE001 - a broken file: fpdf2 says so when it reads it
        return 0
    for i, font in enumerate(collection.fonts):
        family = font["name"].getDebugName(1) or ""
        if "JP" in family:
            return i
    return 0
