"""The certificate as a one-page A4 (landscape) PDF with an embedded Japanese font (fpdf2
embeds a subset of the glyphs used, so the file opens the same everywhere)."""

from __future__ import annotations

from datetime import datetime, timezone

from fpdf import FPDF

from portal.certificates.fonts import FontFile, FontMissing, configured_font
from portal.config import get_settings
from portal.certificates.service import CertificateView
from portal.i18n import t
from portal.localtime import local_date

INK = (33, 37, 41)
ACCENT = (25, 80, 140)
MUTED = (110, 117, 125)


def render_pdf(cert: CertificateView, *, font: FontFile | None = None, public_url: str | None = None,
               lang: str = "ja") -> bytes:
    """The certificate's PDF. Raises FontMissing (a Japanese message) when no font can be used."""
    font = font or configured_font()
    public_url = public_url if public_url is not None else get_settings().public_url
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(t("certificates.pdf.title", lang))
    pdf.set_author(t("app.title", lang))
    pdf.set_creation_date(datetime.now(timezone.utc))
    try:
        pdf.add_font("jp", fname=str(font.path), collection_font_number=font.index)
    except Exception as exc:  # noqa: BLE001 - a file fpdf2 cannot read: say which, in Japanese
        raise FontMissing(t("certificates.error.font_unreadable", path=str(font.path), detail=type(exc).__name__)) from None
    pdf.add_page()
    w, h = pdf.w, pdf.h

    # frame: a thick and a thin line
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, w - 20, h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, w - 28, h - 28)

    def line(text: str, size: float, y: float, color=INK) -> None:
        _fit(pdf, text, w - 44, size)
        pdf.set_text_color(*color)
        pdf.set_xy(20, y)
        pdf.cell(w - 40, size * 0.5, text, align="C")

    line(t("certificates.pdf.title", lang), 34, 30, ACCENT)
    line(t("certificates.pdf.subtitle", lang), 12, 47, MUTED)
    line(t("certificates.pdf.name", lang, name=cert.name), 26, 64)
    completed = t("stats.due.date", lang, y=cert.completed_on.year, m=cert.completed_on.month, d=cert.completed_on.day)
    line(t("certificates.pdf.body", lang, course=cert.course_title), 14, 84)

    rows = [
        (t("certificates.field.employee_id", lang), cert.employee_id or "–"),
        (t("certificates.field.department", lang), cert.department or "–"),
        (t("certificates.field.course", lang), cert.course_title),
        (t("certificates.field.completed_on", lang), completed),
        (t("certificates.field.version", lang), cert.content_version),
        (t("certificates.field.code", lang), cert.display_code),
    ]
    y = 100
    label_w, value_w = 55, 130
    x0 = (w - label_w - value_w) / 2
    pdf.set_draw_color(200, 205, 210)
    pdf.set_line_width(0.2)
    for label, value in rows:
        pdf.set_xy(x0, y)
        pdf.set_font("jp", size=11)
        pdf.set_text_color(*MUTED)
        pdf.cell(label_w, 9, label, border="B")
        _fit(pdf, value, value_w - 2, 13)
        pdf.set_text_color(*INK)
        pdf.cell(value_w, 9, value, border="B")
        y += 10

    issued = local_date(cert.issued_at)
    line(t("certificates.pdf.issued", lang, issuer=t("app.title", lang),
           date=t("stats.due.date", lang, y=issued.year, m=issued.month, d=issued.day)), 11, 166, MUTED)
    if public_url:
        how = t("certificates.pdf.verify_url", lang, url=f"{public_url.rstrip('/')}/verify?code={cert.display_code}")
    else:
        how = t("certificates.pdf.verify_cli", lang, code=cert.display_code)
    line(how, 9, 176, MUTED)
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float, size: float, smallest: float = 7) -> None:
    """Set the font size to ``size``, smaller when the text would not fit ``width`` (a long
    department or name stays inside the frame instead of running over it)."""
    pdf.set_font("jp", size=size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font("jp", size=size)


def render_many(certs: list[CertificateView], **kwargs) -> list[tuple[str, bytes]]:
    """(file name, PDF) per certificate, the font found once."""
    font = kwargs.pop("font", None) or configured_font()
    return [(c.file_name, render_pdf(c, font=font, **kwargs)) for c in certs]
