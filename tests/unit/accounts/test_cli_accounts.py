"""`portal import-users`, `portal issue-setup-codes` and `portal prune-sessions`, as an operator runs them."""

import csv
import io
import os
import stat

from portal.accounts import service as accounts
from portal.accounts.roles import CurrentUser
from portal.cli import main
from portal.db import init_db, session_scope


def employees(n: int) -> str:
    return "employee_id,name,email,department,role\n" + "".join(
        f"E{i:04d},社員 {i},user{i}@example.com,営業部,learner\n" for i in range(1, n + 1))


def test_import_users_prints_progress_and_writes_setup_codes_for_the_new_accounts(app_env, tmp_path, capsys):
    source = tmp_path / "社員.csv"
    source.write_text(employees(30) + "E9999,,bad@example.com,営業部,learner\n", encoding="cp932")
    out = tmp_path / "codes.csv"
    assert main(["import-users", str(source), "--batch-size", "10", "--codes-out", str(out)]) == 1  # one bad row
    printed = capsys.readouterr()
    assert "作成 30 件、更新 0 件、変更なし 0 件、エラー 1 件" in printed.out
    assert "取り込み: 30 / 30 行" in printed.err and "取り込み: 10 / 30 行" in printed.err
    assert "社員.csv:32: 氏名(name)が空です" in printed.err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 30 and rows[0]["employee_id"] == "E0001" and len(rows[0]["setup_code"]) == 30
    with session_scope(app_env) as s:
        assert accounts.authenticate(s, "E0001", rows[0]["setup_code"]).must_change_password

    # the same file again: nothing created, so no new codes either
    assert main(["import-users", str(source)]) == 1
    assert "作成 0 件、更新 0 件、変更なし 30 件、エラー 1 件" in capsys.readouterr().out


def test_an_unreadable_file_is_refused_with_the_reason(app_env, tmp_path, capsys):
    source = tmp_path / "book.xlsx"
    source.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert main(["import-users", str(source)]) == 2
    assert "CSVファイルではないようです" in capsys.readouterr().err


def test_issue_setup_codes_and_prune_sessions(app_env, tmp_path, capsys):
    source = tmp_path / "社員.csv"
    source.write_text(employees(3), encoding="utf-8")
    main(["import-users", str(source)])
    assert "portal issue-setup-codes" in capsys.readouterr().out  # tells the operator what is next
    out = tmp_path / "codes.csv"
    assert main(["issue-setup-codes", "--out", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 4
    init_db(app_env)
    with session_scope(app_env) as s:  # a sign-in and its sign-out leave a revoked row behind
        token = accounts.create_session(s, CurrentUser.from_model(accounts.find_user(s, "E0001")))
        accounts.revoke_session(s, token)
    assert main(["prune-sessions"]) == 0
    assert "期限切れ・失効したセッション 1 件" in capsys.readouterr().out
    assert main(["prune-sessions"]) == 0
    assert "期限切れ・失効したセッション 0 件" in capsys.readouterr().out
