"""Journey 7: single sign-on through a real OpenID Connect provider on 127.0.0.1 (tests/
oidc_provider.py: authorization code flow, RS256 id token, PKCE) with Streamlit's st.login: an
imported employee gets in with their role, an admin with theirs, someone the portal does not
know is refused with a clear message, and sign-out signs out."""

from __future__ import annotations

import json
import re
import sys

import pytest
from playwright.sync_api import expect

from e2e.harness import REPO, PortalServer, _http_get, _Process, clean_env, free_port, throwaway_database
from e2e.streamlit_page import App
from e2e.conftest import EXPECT_TIMEOUT_MS

CLIENT_ID, CLIENT_SECRET = "ai-literacy-portal", "test-client-secret-0123456789"


class Provider(_Process):
    def __init__(self, workdir, users: dict) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (workdir / "idp-users.json").write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
        argv = [sys.executable, str(REPO / "tests" / "oidc_provider.py"), "--port", str(self.port),
                "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--users", str(workdir / "idp-users.json")]
        super().__init__("oidc-provider", argv, clean_env(), workdir / "idp.log")
        try:
            _http_get(f"{self.url}/.well-known/openid-configuration", timeout=30)
        except BaseException:
            self.stop()
            raise


@pytest.fixture
def sso(browser, tmp_path):
    idp = Provider(tmp_path, {
        "taro@example.co.jp": {"sub": "idp-0001", "name": "社員 太郎"},
        "hanako@example.co.jp": {"sub": "idp-0002", "name": "管理 花子"},
        "stranger@example.co.jp": {"sub": "idp-0099", "name": "部外 者"},
    })
    port = free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "sso-test-cookie-secret-0123456789abcdef"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{idp.url}/.well-known/openid-configuration"
""", encoding="utf-8")
    contexts = []
    with throwaway_database(tmp_path) as url:
        server = PortalServer(url, tmp_path, port=port, args=("--secrets.files", str(secrets)))
        server.create_user(name="社員 太郎", email="taro@example.co.jp", password=None, employee_id="E-0001",
                           department="営業部")
        server.create_user(name="管理 花子", email="hanako@example.co.jp", password=None, role="admin",
                           department="人事部")

        def open_app() -> App:
            context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
            context.set_default_timeout(EXPECT_TIMEOUT_MS)
            contexts.append(context)
            app = App(context.new_page(), server.url, server_log=lambda: server.output)
            app.goto("")
            return app

        try:
            yield open_app
        finally:
            for context in contexts:
                context.close()
            server.stop()
            idp.stop()


def sign_in_at_the_idp(app: App, email: str) -> None:
    app.page.get_by_role("button", name="会社のアカウントでサインイン(SSO)").click()
    expect(app.page.get_by_role("heading", name="Test IdP サインイン")).to_be_visible()
    app.page.get_by_label("メールアドレス").fill(email)
    app.page.get_by_role("button", name="サインイン").click()
    app.page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/"))


@pytest.mark.e2e
def test_employees_sign_in_with_the_company_idp_and_strangers_are_refused(sso):
    learner = sso()
    sign_in_at_the_idp(learner, "taro@example.co.jp")
    learner.expect_signed_in("社員 太郎 さん(受講者)")
    expect(learner.sidebar.get_by_role("link", name="ダッシュボード")).to_have_count(0)

    admin = sso()
    sign_in_at_the_idp(admin, "hanako@example.co.jp")
    admin.expect_signed_in("管理 花子 さん(管理者)")
    expect(admin.sidebar.get_by_role("link", name="ダッシュボード")).to_be_visible()

    stranger = sso()
    sign_in_at_the_idp(stranger, "stranger@example.co.jp")
    expect(stranger.main.get_by_text("stranger@example.co.jp はこのポータルに登録されていません。管理者に登録を依頼してください。")).to_be_visible()
    expect(stranger.sidebar).to_have_count(0)

    learner.page.get_by_test_id("stSidebarNav").get_by_role("link", name="サインアウト", exact=True).click()
    expect(learner.page.get_by_role("button", name="会社のアカウントでサインイン(SSO)")).to_be_visible()
    learner.goto("")  # a reload does not sign the learner in again by itself
    expect(learner.page.get_by_role("button", name="会社のアカウントでサインイン(SSO)")).to_be_visible()
    expect(learner.sidebar.get_by_text("社員 太郎 さん")).to_have_count(0)
