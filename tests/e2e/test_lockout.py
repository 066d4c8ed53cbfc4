"""Journey 6: five wrong passwords lock the account, with a message that says what happened."""

from __future__ import annotations

from playwright.sync_api import expect

PASSWORD = "Green-tea-2024-cup"


def test_five_wrong_passwords_lock_the_account(portal, app, new_app):
    portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")
    error = app.main.get_by_test_id("stAlertContentError")

    for left in (4, 3, 2, 1):
        app.sign_in("hanako@example.com", f"wrong-password-{left}", success=False)
        expect(error).to_have_text(
            f"メールアドレス(社員番号)またはパスワードが違います。あと {left} 回失敗すると一時的にロックされます。"
        )
    app.sign_in("hanako@example.com", "wrong-password-0", success=False)
    locked = "サインインの失敗が続いたため、このアカウントは一時的にロックされています。約 15 分後にもう一度お試しください。"
    expect(error).to_contain_text(locked)

    # the right password does not get in while the lock holds
    app.sign_in("hanako@example.com", PASSWORD, success=False)
    expect(error).to_contain_text(locked)
    expect(app.page.get_by_test_id("stSidebar")).to_have_count(0)
    expect(app.title()).to_have_text("AI リテラシーポータル")

    # nor from another browser: the lock is kept in the database, not in the browser session
    other = new_app(portal)
    other.sign_in("hanako@example.com", PASSWORD, success=False)
    expect(other.main.get_by_test_id("stAlertContentError")).to_contain_text(locked)
    expect(other.page.get_by_test_id("stSidebar")).to_have_count(0)
