"""Employee CSV import: good rows, bad rows (with line numbers), unreadable files."""

import pytest
from sqlalchemy import select

from portal.accounts.importer import ImportFileError, import_users
from portal.accounts.roles import SYSTEM
from portal.accounts.service import authenticate, create_user
from portal.db import session_scope
from portal.db.models import User

HEADER = "employee_id,name,email,department,role\n"


def run_import(url, text: str | bytes, actor=SYSTEM, **options):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return import_users(actor, data, database_url=url, **options)


def users(url):
    with session_scope(url) as s:
        return {u.employee_id: (u.name, u.email, u.department, u.role) for u in s.scalars(select(User))}


def test_good_rows_are_created_then_updated_without_duplicates(db_url):
    report = run_import(db_url, HEADER + "E1,山田 太郎,yamada@example.com,営業部,learner\nE2,佐藤 花子,sato@example.com,総務部,admin\n")
    assert (report.created, report.updated, report.errors) == (2, 0, [])
    assert users(db_url)["E2"] == ("佐藤 花子", "sato@example.com", "総務部", "admin")
    # no password is set at import: nobody can sign in with a password yet
    with session_scope(db_url) as s:
        assert not authenticate(s, "yamada@example.com", "").ok
        assert s.scalar(select(User.password_hash).where(User.employee_id == "E1")) is None

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


# ---------------------------------------------------------------- CSV quoting (RFC 4180)


def test_doubled_quotes_inside_quoted_fields_are_one_quote(db_url):
    text = HEADER + (
        'E1,"山田 ""タロウ"" 太郎",yamada@example.com,"営業部 ""東""",learner\n'
        'E2,佐藤 花子,sato@example.com,"""",learner\n'      # a quoted field holding one quote character
        'E3,鈴木 一郎,suzuki@example.com,"",learner\n'       # an empty quoted field
    )
    report = run_import(db_url, text)
    assert report.errors == [] and report.created == 3
    got = users(db_url)
    assert got["E1"][:3] == ('山田 "タロウ" 太郎', "yamada@example.com", '営業部 "東"')
    assert got["E2"][2] == '"' and got["E3"][2] == ""


def test_quoted_commas_and_line_breaks_stay_in_their_cell_and_line_numbers_stay_right(db_url):
    text = HEADER + (
        'E1,"山田, 太郎",yamada@example.com,"営業部\n第一課",learner\n'   # lines 2-3
        "E2,,sato@example.com,総務部,learner\n"                          # line 4: no name
    )
    report = run_import(db_url, text)
    assert report.created == 1
    assert users(db_url)["E1"][0] == "山田, 太郎"
    assert users(db_url)["E1"][2] == "営業部 第一課"  # a line break inside a department becomes a space
    assert [(e.line, "氏名" in e.reason) for e in report.errors] == [(4, True)]


def test_shift_jis_file_with_quoted_quotes(db_url):
    text = '社員番号,氏名,メールアドレス,部署,役割\r\nA-01,"渡辺 ""みさき"" 美咲",watanabe@example.com,"人事部, 採用",受講者\r\n'
    report = run_import(db_url, text.encode("cp932"))
    assert report.errors == []
    assert users(db_url)["A-01"][:3] == ('渡辺 "みさき" 美咲', "watanabe@example.com", "人事部, 採用")


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_files_are_read_even_when_values_hold_commas(db_url, delimiter):
    rows = [
        ["employee_id", "name", "email", "department", "role"],
        ["E1", "山田, 太郎", "yamada@example.com", "営業部, 第一課", "learner"],
        ["E2", '佐藤 "花子"', "sato@example.com", "総務部", "admin"],
    ]
    text = "\n".join(delimiter.join(f'"{c.replace(chr(34), chr(34) * 2)}"' if '"' in c else c for c in r)
                     for r in rows) + "\n"
    report = run_import(db_url, "\ufeff" + text)
    assert report.errors == [] and report.created == 2
    assert users(db_url)["E1"][0] == "山田, 太郎" and users(db_url)["E2"][0] == '佐藤 "花子"'


def test_formula_looking_values_are_stored_as_given_and_neutralised_in_the_export(db_url):
    from portal.stats.exports import csv_bytes
    import pandas as pd

    text = HEADER + (
        'E1,"=HYPERLINK(""http://x"")",yamada@example.com,+営業部,learner\n'
        "E2,＝SUM(A1),sato@example.com,＠総務部,learner\n"
        "E3,－1+2,suzuki@example.com,＋開発,learner\n"
    )
    assert run_import(db_url, text).created == 3
    got = users(db_url)
    assert got["E1"][0] == '=HYPERLINK("http://x")' and got["E2"][0] == "＝SUM(A1)"
    exported = csv_bytes(pd.DataFrame([{"name": v[0], "department": v[2]} for v in got.values()])).decode("utf-8-sig")
    for value in ('=HYPERLINK(', "+営業部", "＝SUM(A1)", "＠総務部", "－1+2", "＋開発"):
        assert f"'{value}" in exported, value


def test_too_long_values_are_reported_not_cut(db_url):
    report = run_import(db_url, HEADER + f"E1,{'長' * 201},yamada@example.com,営業部,learner\n")
    assert report.created == 0 and "200 文字" in report.errors[0].reason and report.errors[0].line == 2
    assert users(db_url) == {}


# ---------------------------------------------------------------- batches, limits, resuming


def employees(n: int, start: int = 1) -> str:
    return HEADER + "".join(f"E{i:05d},社員 {i},user{i}@example.com,部署{i % 7},learner\n" for i in range(start, start + n))


def test_more_rows_than_the_limit_are_refused_naming_the_limit_and_nothing_is_written(db_url):
    from portal.accounts.importer import Limits

    with pytest.raises(ImportFileError, match="上限 3 行"):
        run_import(db_url, employees(4), limits=Limits(max_bytes=1_000_000, max_rows=3))
    assert users(db_url) == {}
    with pytest.raises(ImportFileError, match="上限 1 MB"):
        run_import(db_url, b"x" * (1024 * 1024 + 1), limits=Limits(max_bytes=1024 * 1024, max_rows=10))
    assert users(db_url) == {}


def test_rows_are_written_in_batches_with_progress(db_url):
    seen = []
    report = run_import(db_url, employees(5), batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert (report.created, report.batches, report.total) == (5, 3, 5)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert len(users(db_url)) == 5


def full_rows(url):
    with session_scope(url) as s:
        return {u.employee_id: (u.name, u.email, u.department, u.role, u.password_hash, u.updated_at)
                for u in s.scalars(select(User))}


def test_importing_the_same_file_again_changes_nothing(db_url):
    first = run_import(db_url, employees(7), batch_size=3)
    before = full_rows(db_url)
    again = run_import(db_url, employees(7), batch_size=3)
    assert (first.created, again.created, again.updated, again.unchanged) == (7, 0, 0, 7)
    assert full_rows(db_url) == before


class Stop(Exception):
    pass


def test_an_interrupted_import_finishes_the_rest_when_run_again(db_url):
    def stop_after_first_batch(done, total):
        if done >= 4:
            raise Stop

    with pytest.raises(Stop):
        run_import(db_url, employees(10), batch_size=4, progress=stop_after_first_batch)
    assert len(users(db_url)) == 4  # the first batch is committed, nothing half-written
    report = run_import(db_url, employees(10), batch_size=4)
    assert (report.created, report.unchanged, report.errors) == (6, 4, [])
    assert sorted(users(db_url)) == [f"E{i:05d}" for i in range(1, 11)]


def test_a_row_taken_by_another_admin_meanwhile_is_reported_and_the_rest_written(db_url, monkeypatch):
    """The file is checked against a snapshot; a batch decides again from the current state."""
    from portal.accounts import importer

    real = importer._snapshot

    def snapshot_then_someone_else_creates(session):
        known = real(session)
        with session_scope(db_url) as other:
            create_user(other, SYSTEM, name="別人", email="user2@example.com", employee_id="X9")
        return known

    monkeypatch.setattr(importer, "_snapshot", snapshot_then_someone_else_creates)
    report = run_import(db_url, employees(3))
    assert report.created == 2
    assert [(e.line, "別の社員番号" in e.reason) for e in report.errors] == [(3, True)]
    assert set(users(db_url)) == {"E00001", "E00003", "X9"}
