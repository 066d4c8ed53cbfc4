"""Accounts on a real database (SQLite, and PostgreSQL when configured)."""

from datetime import timedelta

import pytest

from portal.accounts import service as accounts
from portal.accounts.roles import SYSTEM, CurrentUser, PermissionDenied
from portal.db import session_scope
from portal.db.models import AuditEvent, User, utcnow


def make_user(url, email="hanako@example.com", role="learner", password="Secret-pass-1", **kw):
    with session_scope(url) as s:
        return accounts.create_user(s, SYSTEM, name=kw.pop("name", "学習 花子"), email=email, password=password,
                                    role=role, **kw)


def login(url, who, password, now=None):
    with session_scope(url) as s:
        return accounts.authenticate(s, who, password, now=now)


def test_sign_in_by_email_or_employee_id(db_url):
    make_user(db_url, employee_id="E100")
    assert login(db_url, "HANAKO@example.com ", "Secret-pass-1").ok
    assert login(db_url, "e100", "Secret-pass-1").ok


def test_wrong_password_and_unknown_user_get_the_same_message(db_url):
    make_user(db_url)
    wrong = login(db_url, "hanako@example.com", "nope")
    unknown = login(db_url, "nobody@example.com", "nope")
    assert not wrong.ok and not unknown.ok
    assert "パスワードが違います" in wrong.message
    assert wrong.message == unknown.message


def test_five_failures_lock_the_account_even_for_the_right_password(db_url):
    make_user(db_url)
    now = utcnow()
    for i in range(4):
        result = login(db_url, "hanako@example.com", "bad", now=now)
        assert result.locked_until is None
        assert f"あと {4 - i} 回" in result.message
    locked = login(db_url, "hanako@example.com", "bad", now=now)
    assert locked.locked_until is not None and "ロック" in locked.message
    still = login(db_url, "hanako@example.com", "Secret-pass-1", now=now + timedelta(minutes=1))
    assert not still.ok and "ロック" in still.message
    later = login(db_url, "hanako@example.com", "Secret-pass-1", now=now + timedelta(minutes=16))
    assert later.ok


def test_lock_is_stored_in_the_database_so_another_replica_sees_it(db_url):
    """Two engines stand for two app replicas sharing one database."""
    from portal.db import engine as db_engine

    make_user(db_url)
    now = utcnow()
    for _ in range(5):
        login(db_url, "hanako@example.com", "bad", now=now)
    db_engine.reset_engine()  # a fresh process: nothing kept in memory
    assert "ロック" in login(db_url, "hanako@example.com", "Secret-pass-1", now=now).message


def test_success_resets_the_failure_count(db_url):
    make_user(db_url)
    for _ in range(4):
        login(db_url, "hanako@example.com", "bad")
    assert login(db_url, "hanako@example.com", "Secret-pass-1").ok
    assert "あと 4 回" in login(db_url, "hanako@example.com", "bad").message


def test_deactivated_user_cannot_sign_in_and_sessions_end(db_url):
    admin = make_user(db_url, "admin@example.com", role="admin")
    user = make_user(db_url)
    with session_scope(db_url) as s:
        token = accounts.create_session(s, user)
    with session_scope(db_url) as s:
        assert accounts.resolve_session(s, token) == user
        accounts.set_active(s, admin, user.id, False)
    with session_scope(db_url) as s:
        assert accounts.resolve_session(s, token) is None
    assert "無効" in login(db_url, "hanako@example.com", "Secret-pass-1").message


def test_sign_out_revokes_the_session(db_url):
    user = make_user(db_url)
    with session_scope(db_url) as s:
        token = accounts.create_session(s, user)
    with session_scope(db_url) as s:
        accounts.revoke_session(s, token)
    with session_scope(db_url) as s:
        assert accounts.resolve_session(s, token) is None
        assert accounts.resolve_session(s, "forged-token") is None


def test_learner_calling_admin_services_is_refused(db_url):
    learner = make_user(db_url)
    with session_scope(db_url) as s:
        for call in (
            lambda: accounts.list_users(s, learner),
            lambda: accounts.set_role(s, learner, learner.id, "admin"),
            lambda: accounts.reset_password(s, learner, learner.id),
            lambda: accounts.create_user(s, learner, name="x", email="x@example.com"),
        ):
            with pytest.raises(PermissionDenied, match="管理者"):
                call()
    with session_scope(db_url) as s:
        assert s.get(User, learner.id).role == "learner"


def test_the_last_admin_cannot_be_demoted_or_deactivated(db_url):
    admin = make_user(db_url, "admin@example.com", role="admin")
    with session_scope(db_url) as s:
        with pytest.raises(accounts.AccountError, match="管理者が1人もいなく"):
            accounts.set_role(s, admin, admin.id, "learner")
        with pytest.raises(accounts.AccountError):
            accounts.set_active(s, admin, admin.id, False)


def test_reset_password_forces_a_change_at_next_sign_in(db_url):
    admin = make_user(db_url, "admin@example.com", role="admin")
    user = make_user(db_url)
    with session_scope(db_url) as s:
        temp = accounts.reset_password(s, admin, user.id)
    assert not login(db_url, "hanako@example.com", "Secret-pass-1").ok
    result = login(db_url, "hanako@example.com", temp)
    assert result.ok and result.must_change_password
    with session_scope(db_url) as s:
        accounts.change_password(s, result.user, temp, "New-secret-22", "New-secret-22")
    assert not login(db_url, "hanako@example.com", "New-secret-22").must_change_password
    with session_scope(db_url) as s:
        actions = [a.action for a in s.query(AuditEvent).all()]
    assert "reset_password" in actions


def test_first_run_setup_token_works_once_and_only_without_admin(db_url):
    with session_scope(db_url) as s:
        assert accounts.needs_setup(s)
        token = accounts.issue_setup_token(s)
    with session_scope(db_url) as s:
        with pytest.raises(accounts.AccountError, match="トークン"):
            accounts.complete_setup(s, "wrong", name="管理 太郎", email="root@example.com", password="Admin-pass-123")
    with session_scope(db_url) as s:
        admin = accounts.complete_setup(s, token, name="管理 太郎", email="root@example.com", password="Admin-pass-123")
        assert admin.is_admin
    with session_scope(db_url) as s:
        assert not accounts.needs_setup(s)
        assert accounts.issue_setup_token(s) is None
        with pytest.raises(accounts.AccountError):
            accounts.complete_setup(s, token, name="x", email="x@example.com", password="Another-pass-1")


def test_weak_password_is_refused_with_reasons(db_url):
    with session_scope(db_url) as s:
        with pytest.raises(accounts.AccountError, match="10 文字以上"):
            accounts.create_user(s, SYSTEM, name="a", email="a@example.com", password="short")


def test_sso_user_must_be_imported_first(db_url):
    make_user(db_url, employee_id="E1")
    with session_scope(db_url) as s:
        assert accounts.upsert_sso_user(s, subject="oidc|1", email="stranger@example.com", name="x") is None
        user = accounts.upsert_sso_user(s, subject="oidc|2", email="hanako@example.com", name="")
        assert isinstance(user, CurrentUser) and user.email == "hanako@example.com"
    with session_scope(db_url) as s:
        assert accounts.upsert_sso_user(s, subject="oidc|2", email="", name="").email == "hanako@example.com"


def test_handoff_code_gives_a_new_session_once(db_url):
    user = make_user(db_url)
    with session_scope(db_url) as s:
        token = accounts.create_session(s, user)
        code = accounts.create_handoff(s, token)
    with session_scope(db_url) as s:
        cookie_token = accounts.redeem_handoff(s, code)
    assert cookie_token and cookie_token != token
    with session_scope(db_url) as s:
        assert accounts.resolve_session(s, cookie_token) == user
        assert accounts.redeem_handoff(s, code) is None  # one time only
        assert accounts.redeem_handoff(s, "guessed-code") is None


def test_handoff_code_expires_and_dies_with_its_session(db_url):
    user = make_user(db_url)
    with session_scope(db_url) as s:
        token = accounts.create_session(s, user)
        code = accounts.create_handoff(s, token)
    with session_scope(db_url) as s:
        assert accounts.redeem_handoff(s, code, now=utcnow() + timedelta(minutes=2)) is None
    with session_scope(db_url) as s:
        code = accounts.create_handoff(s, token)
        accounts.revoke_session(s, token)
    with session_scope(db_url) as s:
        assert accounts.redeem_handoff(s, code) is None


def test_a_hash_with_older_parameters_still_signs_in_and_is_upgraded(db_url):
    """Accounts hashed with argon2-cffi's heavier defaults (before the OWASP parameters) keep
    working; their hash is replaced at the next sign-in, and the old password still works."""
    from argon2 import PasswordHasher

    user = make_user(db_url)
    old = PasswordHasher().hash("Secret-pass-1")  # t=3, m=64 MiB, p=4
    with session_scope(db_url) as s:
        s.get(User, user.id).password_hash = old
    assert login(db_url, "hanako@example.com", "Secret-pass-1").ok
    with session_scope(db_url) as s:
        upgraded = s.get(User, user.id).password_hash
    assert upgraded != old and "m=19456,t=2,p=1" in upgraded
    assert login(db_url, "hanako@example.com", "Secret-pass-1").ok
    assert not login(db_url, "hanako@example.com", "Secret-pass-2").ok


def count_live(url, user_id):
    with session_scope(url) as s:
        return accounts.live_sessions(s, user_id)


def test_sign_in_with_the_cookie_handoff_then_sign_out_leaves_no_live_session(db_url):
    """What the app does: a token for the page session, a handoff code that the browser trades
    at /auth/session for the cookie token, and at sign-out the tokens the browser holds revoked."""
    user = make_user(db_url)
    with session_scope(db_url) as s:
        page_token = accounts.create_session(s, user)
        code = accounts.create_handoff(s, page_token)
    assert count_live(db_url, user.id) == 1
    with session_scope(db_url) as s:
        cookie_token = accounts.redeem_handoff(s, code)
    assert count_live(db_url, user.id) == 1  # the pre-handoff token was exchanged, not kept
    with session_scope(db_url) as s:
        assert accounts.resolve_session(s, page_token) is None
        assert accounts.resolve_session(s, cookie_token) == user
    with session_scope(db_url) as s:  # after the reload the page only knows the cookie token
        accounts.revoke_session(s, cookie_token)
    assert count_live(db_url, user.id) == 0


def test_sign_in_prunes_the_users_own_expired_and_revoked_rows_and_prune_sessions_all(db_url):
    from portal.db.models import AuthSession
    from sqlalchemy import func, select

    user = make_user(db_url)
    other = make_user(db_url, email="jiro@example.com", name="学習 次郎")
    with session_scope(db_url) as s:
        old = accounts.create_session(s, user, hours=1)
        accounts.revoke_session(s, old)
        gone = accounts.create_session(s, other)
        accounts.revoke_session(s, gone)
        s.add(AuthSession(token_hash="x" * 64, user_id=user.id, expires_at=utcnow() - timedelta(hours=1)))

    def rows(uid):
        with session_scope(db_url) as s:
            return s.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == uid))

    assert (rows(user.id), rows(other.id)) == (2, 1)
    with session_scope(db_url) as s:
        accounts.create_session(s, user)
    assert (rows(user.id), rows(other.id)) == (1, 1)  # only the live new one is left for this user
    with session_scope(db_url) as s:
        assert accounts.prune_sessions(s) == 1
    assert (rows(user.id), rows(other.id)) == (1, 0)


def test_the_password_check_does_not_hold_sqlites_write_lock(tmp_path, monkeypatch):
    """argon2 takes a tenth of a second or more: meanwhile other writers (sign-ins of other
    people, an import's batches) must get the lock at once, not queue behind it."""
    import sqlite3

    from portal.accounts import service
    from portal.db import init_db

    url = f"sqlite:///{tmp_path / 'lock.db'}"
    init_db(url)
    make_user(url)
    real = service.verify_password
    written = []

    def verify_while_another_writer_writes(password_hash, password):
        other = sqlite3.connect(tmp_path / "lock.db", timeout=0.2, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # fails with "database is locked" if the sign-in held it
        other.execute("INSERT INTO login_throttle (login, failures) VALUES (?, 1)", (f"someone-{len(written)}",))
        other.execute("COMMIT")
        other.close()
        written.append(True)
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", verify_while_another_writer_writes)
    assert login(url, "hanako@example.com", "Secret-pass-1").ok
    assert not login(url, "hanako@example.com", "wrong").ok
    assert written == [True, True]
