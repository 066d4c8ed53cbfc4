"""Imported accounts have no password; a one-time setup code signs them in once, to choose one."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.accounts import service as accounts
from portal.accounts import setup_codes
from portal.accounts.importer import import_users
from portal.accounts.roles import SYSTEM, CurrentUser, PermissionDenied
from portal.db import session_scope
from portal.db.models import AccountSetupCode, User, utcnow

HEADER = "employee_id,name,email,department,role\n"
NEW_PASSWORD = "Brand-new-pass-7"


def import_two(url):
    data = (HEADER + "E1,山田 太郎,yamada@example.com,営業部,learner\nE2,佐藤 花子,sato@example.com,総務部,learner\n").encode()
    return import_users(SYSTEM, data, database_url=url)


def login(url, who, password, now=None):
    with session_scope(url) as s:
        return accounts.authenticate(s, who, password, now=now)


def test_a_setup_code_signs_in_once_to_choose_a_password(db_url):
    report = import_two(db_url)
    issued = {c.employee_id: c for c in setup_codes.issue_setup_codes(SYSTEM, database_url=db_url)}
    assert set(issued) == {"E1", "E2"} and report.created_ids
    code = issued["E1"].code
    assert len(code.replace("-", "")) == 26

    result = login(db_url, "E1", code.lower().replace("-", " "))  # case, spaces and hyphens do not matter
    assert result.ok and result.user.must_change_password  # straight to the password page
    with session_scope(db_url) as s:
        accounts.change_password(s, result.user, code, NEW_PASSWORD, NEW_PASSWORD)

    assert not login(db_url, "E1", code).ok  # used up
    after = login(db_url, "yamada@example.com", NEW_PASSWORD)
    assert after.ok and not after.user.must_change_password
    assert login(db_url, "E2", issued["E2"].code).ok  # the other employee's code is untouched


def test_only_the_hash_of_a_code_is_stored(db_url):
    import_two(db_url)
    issued = setup_codes.issue_setup_codes(SYSTEM, database_url=db_url)
    with session_scope(db_url) as s:
        stored = " ".join(str(v) for row in s.execute(text("SELECT * FROM account_setup_codes")) for v in row)
    for c in issued:
        assert c.code not in stored and setup_codes.normalize_code(c.code) not in stored
        assert setup_codes.code_hash(c.code) in stored


def test_wrong_expired_and_replaced_codes_do_not_sign_in(db_url):
    import_two(db_url)
    first = setup_codes.issue_setup_codes(SYSTEM, database_url=db_url)[0]
    wrong = setup_codes.new_code()
    failed = login(db_url, "E1", wrong)
    assert not failed.ok and "パスワードが違います" in failed.message  # counted like a wrong password
    assert not login(db_url, "E1", first.code, now=utcnow() + timedelta(days=15)).ok  # expired after 14 days
    second = setup_codes.issue_setup_codes(SYSTEM, database_url=db_url)[0]
    assert not login(db_url, "E1", first.code).ok  # issuing again replaced it
    assert login(db_url, "E1", second.code).ok


def test_codes_are_only_for_active_accounts_without_a_password_or_sso(db_url):
    import_two(db_url)
    with session_scope(db_url) as s:
        accounts.create_user(s, SYSTEM, name="既存", email="has@example.com", password="Secret-pass-1")
        e2 = s.scalar(select(User).where(User.employee_id == "E2"))
        e2.sso_subject = "oidc|2"
        assert setup_codes.waiting_count(s, SYSTEM) == 1
    issued = setup_codes.issue_setup_codes(SYSTEM, database_url=db_url, batch_size=1)
    assert [c.employee_id for c in issued] == ["E1"]
    # a code never replaces a password: the account with one is not even given a code
    with session_scope(db_url) as s:
        assert s.scalar(select(AccountSetupCode).join(User).where(User.email == "has@example.com")) is None


def test_the_code_of_one_account_does_not_open_another(db_url):
    import_two(db_url)
    issued = {c.employee_id: c for c in setup_codes.issue_setup_codes(SYSTEM, database_url=db_url)}
    assert not login(db_url, "E2", issued["E1"].code).ok


def test_learners_cannot_issue_codes(db_url):
    learner = CurrentUser(id=5, name="x", email="x@example.com", department="", role="learner")
    with pytest.raises(PermissionDenied):
        setup_codes.issue_setup_codes(learner, database_url=db_url)
