"""Sign-in and role-scoped navigation, driven through the real app script with AppTest."""

from support.apptest import goto, nav_paths


def test_first_visit_shows_only_sign_in_and_setup(portal):
    at = portal.app()
    assert not at.exception
    assert at.title[0].value == "AI リテラシーポータル"
    assert set(nav_paths(at)) == {"", "setup", "verify"}  # sign-in (default), setup while no admin exists, certificate check
    assert "管理者がいません" in at.markdown[0].value  # the sign-in page points to the setup page
    assert at.get("page_link")[0].proto.page == "setup"


def test_setup_hint_disappears_once_an_admin_exists(portal):
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    at = portal.app()
    assert set(nav_paths(at)) == {"", "verify"}
    assert not at.get("page_link")


def test_right_password_signs_in_and_shows_the_course(portal):
    portal.user()
    at = portal.signed_in()
    assert at.title[0].value.startswith("コース")
    assert "学習 花子" in at.sidebar.caption[0].value


def test_wrong_password_shows_a_clear_message_and_stays_on_sign_in(portal):
    portal.user()
    at = portal.signed_in(password="wrong-password")
    assert "パスワードが違います" in at.error[0].value
    assert "コース" not in at.title[0].value
    assert "glossary" not in nav_paths(at)


def test_learner_navigation_has_no_admin_pages(portal):
    portal.user()
    at = portal.signed_in()
    paths = nav_paths(at)
    assert {"", "lesson", "quiz", "results", "glossary"} <= set(paths)
    assert not any(p.startswith("admin") for p in paths)


def test_admin_navigation_has_admin_pages(portal):
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    at = portal.signed_in("admin@example.com")
    assert "admin-users" in nav_paths(at)
    goto(at, "admin-users")
    assert not at.exception
    assert at.title[0].value == "ユーザー管理"
    assert any("admin@example.com" in str(df.value.to_dict()) for df in at.dataframe)


def test_learner_typing_the_admin_url_sees_no_admin_data(portal):
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    portal.user()
    at = portal.signed_in()
    goto(at, "admin-users")
    assert not at.exception
    assert at.title[0].value != "ユーザー管理"
    assert not any("admin@example.com" in str(df.value.to_dict()) for df in at.dataframe)


def test_temporary_password_forces_the_change_page_first(portal):
    from portal.accounts.roles import SYSTEM
    from portal.accounts.service import reset_password
    from portal.db import session_scope

    admin = portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    learner = portal.user()
    with session_scope(portal.url) as s:
        temp = reset_password(s, admin, learner.id)
    at = portal.signed_in(password=temp)
    assert set(nav_paths(at)) == {"", "logout"}  # the password page is the default
    assert at.title[0].value == "パスワード変更"
    at.text_input[0].input(temp)
    at.text_input[1].input("Brand-new-pass-7")
    at.text_input[2].input("Brand-new-pass-7")
    at.button[0].click().run()
    assert "glossary" in nav_paths(at)


def test_sign_out_returns_to_sign_in(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "logout")
    assert set(nav_paths(at)) <= {"", "setup", "verify"}
    assert at.button[0].label == "サインイン"


def test_first_run_setup_creates_the_admin(portal):
    from portal.accounts.service import issue_setup_token
    from portal.db import session_scope

    at = portal.app()
    with session_scope(portal.url) as s:
        token = issue_setup_token(s)
    goto(at, "setup")
    assert at.title[0].value.startswith("初期設定")
    for i, value in enumerate([token, "管理 太郎", "root@example.com", "E0", "情報システム部", "Admin-pass-123", "Admin-pass-123"]):
        at.text_input[i].input(value)
    at.button[0].click().run()
    assert not at.exception
    assert "admin-users" in nav_paths(at)
