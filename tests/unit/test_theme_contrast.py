"""The theme in .streamlit/config.toml keeps WCAG 2.1 AA contrast (4.5:1 for normal text).

Streamlit draws body text in ``textColor``, captions and help text in the same colour at 60 %
opacity, links and secondary buttons in ``primaryColor`` and primary buttons as white text on
``primaryColor``; each is checked on both backgrounds it is drawn on. (The browser journey
tests/e2e/test_accessibility.py measures the rendered pages with axe-core as well.)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

AA = 4.5
CAPTION_OPACITY = 0.6  # Streamlit's fadedText60


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.strip().lstrip("#")
    assert len(value) == 6, f"{color!r}: a #rrggbb colour is expected"
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(color: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(fg: tuple[int, int, int], bg: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    return tuple(round(alpha * f + (1 - alpha) * b) for f, b in zip(fg, bg))  # type: ignore[return-value]


def test_contrast_formula_matches_wcag_reference_values():
    assert contrast(_rgb("#000000"), _rgb("#ffffff")) == pytest.approx(21.0)
    assert contrast(_rgb("#767676"), _rgb("#ffffff")) == pytest.approx(4.54, abs=0.01)  # the usual AA grey
    assert contrast(_rgb("#777777"), _rgb("#ffffff")) < AA


THEME = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
BACKGROUNDS = ("backgroundColor", "secondaryBackgroundColor")


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_text_captions_and_links_reach_aa_on_each_background(background):
    bg = _rgb(THEME[background])
    text = _rgb(THEME["textColor"])
    assert contrast(text, bg) >= AA
    caption = blend(text, bg, CAPTION_OPACITY)
    assert contrast(caption, bg) >= AA, f"captions {caption} on {background}: {contrast(caption, bg):.2f}:1"
    primary = _rgb(THEME["primaryColor"])
    assert contrast(primary, bg) >= AA, f"links on {background}: {contrast(primary, bg):.2f}:1"


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_inline_code_reaches_aa_also_inside_a_caption(background):
    """Without ``codeTextColor`` a custom theme draws code in Streamlit's green, which a caption's
    60 % made 3:1 (axe found it on the import page's `portal import-users` hint)."""
    bg = _rgb(THEME[background])
    code = _rgb(THEME["codeTextColor"])
    assert contrast(code, bg) >= AA
    assert contrast(blend(code, bg, CAPTION_OPACITY), bg) >= AA


def test_primary_button_text_reaches_aa():
    assert contrast((255, 255, 255), _rgb(THEME["primaryColor"])) >= AA
