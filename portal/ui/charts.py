"""What every Altair chart of the portal shares: text in the theme's text colour.

Streamlit's chart theme draws axis labels and titles, legends and chart titles in faded greys
whose contrast nobody measured; a chart's own ``config`` wins over that theme, so each chart gets
the theme's body text colour (``.streamlit/config.toml`` textColor, held at >= 4.5:1 on both
backgrounds by tests/unit/test_theme_contrast.py).
"""

from __future__ import annotations

import altair as alt
import streamlit as st

TEXT_COLOR_FALLBACK = "#0b1118"  # the configured textColor, for a run without the config file


def text_color() -> str:
    return st.get_option("theme.textColor") or TEXT_COLOR_FALLBACK


def readable(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """``chart`` with its axis, legend and title text in the theme's text colour."""
    color = text_color()
    return (chart.configure_axis(labelColor=color, titleColor=color)
            .configure_legend(labelColor=color, titleColor=color)
            .configure_title(color=color))
