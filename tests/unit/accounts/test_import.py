"""Employee CSV import: good rows, bad rows (with line numbers), unreadable files."""

import pytest
from sqlalchemy import select

from portal.accounts.importer import ImportFileError, import_users
from portal.accounts.roles import SYSTEM
from portal.accounts.service import authenticate, create_user
from portal.db import session_scope
from portal.db.models import User

HEADER = "employee_id,name,email,department,role\n"


def run_import(url, text: str | bytes, actor=SYSTEM):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with session_scope(url) as s:
        return import_users(s, actor, data)


def users(url):
    with session_scope(url) as s:
        return {u.employee_id: (u.name, u.email, u.department, u.role) for u in s.scalars(select(User))}


def test_good_rows_are_created_then_updated_without_duplicates(db_url):
    report = run_import(db_url, HEADER + "E1,山田 太郎,yamada@example.com,営業部,learner\nE2,佐藤 花子,sato@example.com,総務部,admin\n")
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    assert users(db_url)["E2"] == ("佐藤 花子", "sato@example.com", "総務部", "admin")
    # temporary passwords work once and must be changed
    emp, _, email, temp = report.initial_passwords[0]
    with session_scope(db_url) as s:
        result = authenticate(s, email, temp)
    assert result.ok and result.must_change_password

    again = run_import(db_url, HEADER + "E1,山田 太郎,yamada@example.com,企画部,learner\nE2,佐藤 花子,sato@example.com,総務部,admin\n")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert users(db_url)["E1"][2] == "企画部"
    assert len(users(db_url)) == 2


def test_each_bad_row_is_reported_with_its_line_and_reason(db_url):
    text = HEADER + (
        "E1,山田 太郎,yamada@example.com,営業部,learner\n"   # line 2 ok
        "E2,,sato@example.com,総務部,learner\n"              # line 3 no name
        "E3,鈴木 一郎,not-an-email,総務部,learner\n"          # line 4 bad email
        "E4,田中 次郎,tanaka@example.com,総務部,boss\n"       # line 5 bad role
        "E1,山田 別人,other@example.com,営業部,learner\n"     # line 6 duplicate id
        "E5,高橋 三郎,takahashi@example.com\n"              # line 7 too few cells
        "E6,伊藤 四郎,ito@example.com,開発部,受講者\n"          # line 8 ok (Japanese role)
    )
    report = run_import(db_url, text)
    assert report.created == 2
    lines = {e.line: e.reason for e in report.errors}
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "氏名" in lines[3]
    assert "not-an-email" in lines[4]
    assert "boss" in lines[5]
    assert "2 行目" in lines[6]
    assert "列の数" in lines[7]
    assert set(users(db_url)) == {"E1", "E6"}


def test_excel_shift_jis_file_with_japanese_headers(db_url):
    text = "社員番号,氏名,メールアドレス,部署,役割\r\nA-01,渡辺 美咲,watanabe@example.com,人事部,管理者\r\n"
    report = run_import(db_url, text.encode("cp932"))
    assert report.created == 1
    assert users(db_url)["A-01"] == ("渡辺 美咲", "watanabe@example.com", "人事部", "admin")


def test_utf8_bom_is_accepted(db_url):
    report = run_import(db_url, ("\ufeff" + HEADER + "E1,山田 太郎,yamada@example.com,営業部,\n").encode("utf-8"))
    assert report.created == 1 and users(db_url)["E1"][3] == "learner"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "空"),
        (b"PK\x03\x04\x00\x00binary-xlsx", "CSV"),
        ("name,email\n山田,yamada@example.com\n".encode(), "employee_id"),
        (b"\xff\xfe\x00garbage", "CSV"),
    ],
)
def test_unreadable_file_changes_nothing(db_url, data, message):
    run_import(db_url, HEADER + "E1,山田 太郎,yamada@example.com,営業部,learner\n")
    before = users(db_url)
    with pytest.raises(ImportFileError, match=message):
        run_import(db_url, data)
    assert users(db_url) == before


def test_email_of_another_employee_is_refused(db_url):
    run_import(db_url, HEADER + "E1,山田 太郎,yamada@example.com,営業部,learner\n")
    report = run_import(db_url, HEADER + "E9,山田 偽,yamada@example.com,営業部,learner\n")
    assert report.created == 0 and "別の社員番号" in report.errors[0].reason


def test_existing_admin_without_employee_id_is_matched_by_email(db_url):
    with session_scope(db_url) as s:
        create_user(s, SYSTEM, name="管理 太郎", email="root@example.com", password="Admin-pass-123", role="admin")
    report = run_import(db_url, HEADER + "E0,管理 太郎,root@example.com,情報システム部,admin\n")
    assert (report.created, report.updated) == (0, 1)
    assert users(db_url)["E0"][2] == "情報システム部"


def test_import_cannot_demote_the_last_admin(db_url):
    with session_scope(db_url) as s:
        create_user(s, SYSTEM, name="管理 太郎", email="root@example.com", password="Admin-pass-123", role="admin",
                    employee_id="E0")
    report = run_import(db_url, HEADER + "E0,管理 太郎,root@example.com,情報システム部,learner\n")
    assert report.updated == 0 and report.errors
    assert users(db_url)["E0"][3] == "admin"


def test_learner_cannot_import(db_url):
    from portal.accounts.roles import CurrentUser, PermissionDenied

    learner = CurrentUser(id=5, name="x", email="x@example.com", department="", role="learner")
    with pytest.raises(PermissionDenied):
        run_import(db_url, HEADER, actor=learner)
