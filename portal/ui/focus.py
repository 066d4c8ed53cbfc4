"""A visible keyboard focus on every element that can take it (WCAG 2.4.7).

Streamlit's buttons, inputs and tabs draw their own focus ring; its links (st.page_link, the
sidebar navigation, heading anchors) and the scrollable page body do not. One small style sheet,
added on every run (an ``st.html`` holding only a style takes no space on the page), gives them
an outline in the theme's primary colour, for keyboard focus only (``:focus-visible``), so a
mouse click draws nothing.
"""

from __future__ import annotations

import streamlit as st

FOCUS_COLOR = "#1f5fa8"  # .streamlit/config.toml primaryColor: 6.4:1 on white

STYLE = f"""<style>
a:focus-visible, [tabindex]:focus-visible, main:focus-visible, summary:focus-visible {{
  outline: 2px solid {FOCUS_COLOR} !important;
  outline-offset: 2px;
}}
</style>"""


def apply() -> None:
    st.html(STYLE)
