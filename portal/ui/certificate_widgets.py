"""Certificate downloads shared by the learner's results page and the admin pages: the PDF is
rendered only when the button is pressed (Streamlit calls ``data`` then)."""

from __future__ import annotations

import streamlit as st

from portal.certificates import fonts
from portal.certificates.pdf import render_many, render_pdf
from portal.certificates.service import CertificateView, zip_of
from portal.i18n import t


def font_or_error() -> fonts.FontFile | None:
    try:
        return fonts.configured_font()
    except fonts.FontMissing as exc:
        st.error(str(exc), icon=":material/font_download_off:")
        return None


def pdf_button(cert: CertificateView, key: str) -> None:
    font = font_or_error()
    if font is None:
        return
    st.download_button(t("certificates.download"), data=lambda: render_pdf(cert, font=font), file_name=cert.file_name,
                       mime="application/pdf", icon=":material/workspace_premium:", on_click="ignore", key=key)


def zip_button(certs: list[CertificateView], file_name: str, key: str) -> None:
    font = font_or_error()
    if font is None:
        return
    st.download_button(t("certificates.admin.zip.download", n=len(certs)),
                       data=lambda: zip_of(render_many(certs, font=font)), file_name=file_name,
                       mime="application/zip", icon=":material/folder_zip:", on_click="ignore", key=key)
