"""Completion certificates: who gets one, what the PDF says (read back from the file), the code
that verifies it, revocation on deactivation, the department ZIP, and the messages on bad input."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from pypdf import PdfReader

from portal import cli
from portal.accounts.roles import SYSTEM, PermissionDenied
from portal.accounts.service import create_user, set_active
from portal.certificates import fonts
from portal.certificates.pdf import render_many, render_pdf
from portal.certificates.service import (
    CertificateError,
    certificate_for,
    department_certificates,
    describe,
    my_certificate,
    verify,
    zip_of,
)
from portal.db import session_scope
from support.orgkit import RIGHT, add_attempt, read, utc, write_content

WRONG = {"q1": "b", "q2": ["a"], "q3": False}


def _text(pdf: bytes) -> str:
    """The page's text as a PDF viewer extracts it (poppler's pdftotext, else pypdf), white space
    removed (extractors space out CJK glyphs differently)."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True, timeout=60).stdout
        text = text.decode("utf-8")
    else:
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\x00", "")
    return re.sub(r"\s+", "", text)


@pytest.fixture
def org(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", db_url)
    from portal.config import get_settings

    get_settings.cache_clear()
    course, quizzes = write_content(tmp_path)
    a, b = course.lessons
    qa = quizzes["qa"]
    with session_scope(db_url) as s:
        admin = create_user(s, SYSTEM, name="管理 花子", email="admin@example.com", role="admin", department="人事部")
        done = create_user(s, SYSTEM, name="山田 太郎", email="yamada@example.com", employee_id="E-1001",
                           department="営業部")
        also = create_user(s, SYSTEM, name="髙橋 﨑子", email="takahashi@example.com", employee_id="E-1002",
                           department="営業部")
        failed = create_user(s, SYSTEM, name="佐藤 次郎", email="sato@example.com", employee_id="E-1003",
                             department="営業部")
        other = create_user(s, SYSTEM, name="鈴木 三郎", email="suzuki@example.com", employee_id="E-2001",
                            department="開発部")
        # 山田: read A 03-02, failed then passed qa (03-05 01:00 UTC), read B 03-05 16:00 UTC = 03-06 JST
        read(s, done.id, a, utc(3, 2, 0, 30))
        add_attempt(s, done.id, qa, utc(3, 2), WRONG)
        add_attempt(s, done.id, qa, utc(3, 5), RIGHT)
        read(s, done.id, b, utc(3, 5, 16))
        read(s, also.id, a, utc(3, 3))
        read(s, also.id, b, utc(3, 3))
        add_attempt(s, also.id, qa, utc(3, 4), RIGHT)
        read(s, failed.id, a, utc(3, 3))
        read(s, failed.id, b, utc(3, 3))
        add_attempt(s, failed.id, qa, utc(3, 4), WRONG)
        read(s, other.id, a, utc(3, 3))
        read(s, other.id, b, utc(3, 3))
        add_attempt(s, other.id, qa, utc(3, 4), RIGHT)
    yield dict(url=db_url, course=course, admin=admin, done=done, also=also, failed=failed, other=other)
    get_settings.cache_clear()


def test_a_learner_who_completed_every_lesson_gets_a_pdf_with_their_name_and_completion_date(org):
    with session_scope(org["url"]) as s:
        cert = my_certificate(s, org["done"], org["course"])
    pdf = render_pdf(cert)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "山田太郎" in text
    assert "2026年3月6日" in text  # the last rule met: lesson B read at 03-05 16:00 UTC = 03-06 JST
    for expected in ("修了証", "E-1001", "営業部", "生成AIと上手につきあうために", cert.content_version,
                     cert.display_code, "社員番号", "修了日", "教材バージョン", "確認コード"):
        assert expected in text, expected


def test_the_japanese_font_is_embedded_in_the_file(org):
    with session_scope(org["url"]) as s:
        cert = my_certificate(s, org["also"], org["course"])
    reader = PdfReader(io.BytesIO(render_pdf(cert)))
    fonts_used = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            fonts_used.append((str(font["/BaseFont"]), any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    assert fonts_used and all(embedded for _, embedded in fonts_used), fonts_used
    assert "髙橋﨑子" in _text(render_pdf(cert))  # variant kanji of names render from the same font


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian's poppler-utils) is not installed")
def test_the_page_renders_to_an_image_with_ink_on_it(org, tmp_path):
    from PIL import Image

    with session_scope(org["url"]) as s:
        cert = my_certificate(s, org["done"], org["course"])
    (tmp_path / "c.pdf").write_bytes(render_pdf(cert))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)
    image = Image.open(tmp_path / "page.png").convert("L")
    assert image.width > image.height  # A4 landscape
    dark = sum(image.histogram()[:128])
    assert dark > 0.005 * image.width * image.height  # the frame and the text, not a blank page


def test_no_certificate_before_every_lesson_is_completed(org):
    with session_scope(org["url"]) as s:
        assert my_certificate(s, org["failed"], org["course"]) is None
        assert certificate_for(s, org["admin"], org["failed"].id, org["course"]) is None


def test_the_code_stays_the_same_and_the_admin_sees_the_same_certificate(org):
    with session_scope(org["url"]) as s:
        first = my_certificate(s, org["done"], org["course"])
    with session_scope(org["url"]) as s:
        again = my_certificate(s, org["done"], org["course"])
        admin_view = certificate_for(s, org["admin"], org["done"].id, org["course"])
    assert first.code == again.code == admin_view.code
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", first.display_code)


def test_a_learner_cannot_fetch_someone_elses_certificate_or_a_department(org):
    with session_scope(org["url"]) as s:
        with pytest.raises(PermissionDenied):
            certificate_for(s, org["done"], org["also"].id, org["course"])
        with pytest.raises(PermissionDenied):
            department_certificates(s, org["done"], org["course"], "営業部")


def test_verify_confirms_a_code_also_typed_loosely(org):
    with session_scope(org["url"]) as s:
        cert = my_certificate(s, org["done"], org["course"])
    loose = cert.code.lower().replace("0", "o").replace("1", "l")
    with session_scope(org["url"]) as s:
        result = verify(s, loose)
    assert result.valid
    message = describe(result)
    assert "有効" in message and "山田 太郎" in message and "2026年3月6日" in message and "営業部" in message


def test_deactivating_the_account_revokes_the_certificate(org):
    with session_scope(org["url"]) as s:
        cert = my_certificate(s, org["done"], org["course"])
    with session_scope(org["url"]) as s:
        set_active(s, org["admin"], org["done"].id, False)
    with session_scope(org["url"]) as s:
        result = verify(s, cert.code)
        assert result.status == "revoked"
        assert "失効" in describe(result)
        with pytest.raises(CertificateError, match="無効化"):
            certificate_for(s, org["admin"], org["done"].id, org["course"])
    with session_scope(org["url"]) as s:  # reactivated: a new certificate with a new code; the old one stays revoked
        set_active(s, org["admin"], org["done"].id, True)
    with session_scope(org["url"]) as s:
        new = certificate_for(s, org["admin"], org["done"].id, org["course"])
        assert new.code != cert.code
        assert verify(s, new.code).valid and verify(s, cert.code).status == "revoked"


@pytest.mark.parametrize("typed, message", [
    ("", "確認コードを入力してください"),
    ("ABCD-EFGH-JKMN", "16 文字です(入力されたのは 12 文字)"),
    ("ABCD-EFGH-JKMN-PQR!", "使えない文字が含まれています: !"),
    ("ABCD-EFGH-JKMN-PQRU", "使えない文字が含まれています: U"),
])
def test_a_code_that_cannot_be_one_gets_a_message_naming_what_is_wrong(org, typed, message):
    with session_scope(org["url"]) as s, pytest.raises(CertificateError, match=re.escape(message)):
        verify(s, typed)


def test_an_unknown_code_says_so(org):
    with session_scope(org["url"]) as s:
        result = verify(s, "0000-0000-0000-0000")
    assert result.status == "unknown"
    assert describe(result).startswith("確認コード 0000-0000-0000-0000 の修了証はありません")


def test_portal_verify_prints_the_result_with_its_exit_code(org, capsys):
    with session_scope(org["url"]) as s:
        cert = my_certificate(s, org["also"], org["course"])
    assert cli.main(["verify", cert.display_code]) == 0
    assert "髙橋 﨑子" in capsys.readouterr().out
    assert cli.main(["verify", "0000-0000-0000-0000"]) == 1
    assert "ありません" in capsys.readouterr().out
    assert cli.main(["verify", "nope"]) == 2
    assert "エラー: 確認コードは 16 文字です" in capsys.readouterr().err


def test_the_department_zip_holds_one_pdf_per_learner_who_completed(org):
    with session_scope(org["url"]) as s:
        certs = department_certificates(s, org["admin"], org["course"], "営業部")
    assert [c.name for c in certs] == ["山田 太郎", "髙橋 﨑子"]  # not 佐藤 (quiz failed), not 鈴木 (開発部)
    archive = zipfile.ZipFile(io.BytesIO(zip_of(render_many(certs))))
    assert archive.namelist() == ["certificate_E-1001.pdf", "certificate_E-1002.pdf"]
    assert "山田太郎" in _text(archive.read("certificate_E-1001.pdf"))


def test_a_missing_font_is_a_clear_message(tmp_path):
    with pytest.raises(fonts.FontMissing, match="fonts-noto-cjk.*PORTAL_CERTIFICATE_FONT"):
        fonts.find_font(known=(), use_fontconfig=False)
    with pytest.raises(fonts.FontMissing, match="PORTAL_CERTIFICATE_FONT に指定されたフォントファイル .*nope.ttf がありません"):
        fonts.find_font(tmp_path / "nope.ttf")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(fonts.FontMissing, match="フォントファイル"):
        fonts.find_font(tmp_path / "notes.txt")
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    from datetime import datetime, timezone

    from portal.certificates.service import CertificateView

    cert = CertificateView(user_id=1, code="0" * 16, name="山田 太郎", employee_id="E-1", department="営業部",
                           course_title="講座", content_version="abc", completed_at=datetime.now(timezone.utc),
                           issued_at=datetime.now(timezone.utc))
    with pytest.raises(fonts.FontMissing, match="broken.ttf を読み込めませんでした"):
        render_pdf(cert, font=fonts.FontFile(broken))


def test_the_font_is_found_through_fontconfig_when_no_known_path_exists():
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig's fc-list is not installed")
    found = fonts.find_font(known=())
    assert found.path.is_file()
