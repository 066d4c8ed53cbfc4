"""The /auth routes of portal/server.py: signing in through the cookie handoff and signing out
leave no live session token in the database."""

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from portal.accounts import service as accounts
from portal.accounts.roles import SYSTEM
from portal.db import init_db, session_scope


def test_sign_in_and_out_through_the_server_routes_leaves_no_live_session(app_env, monkeypatch):
    monkeypatch.setenv("PORTAL_AUTH_ROUTES", "1")  # importing portal.server sets it: unset again after this test
    from portal import server

    init_db(app_env)
    with session_scope(app_env) as s:
        user = accounts.create_user(s, SYSTEM, name="学習 花子", email="hanako@example.com", password="Secret-pass-1")
    routes = Starlette(routes=[Route("/auth/session", server.session_route), Route("/auth/signout", server.signout_route)])
    client = TestClient(routes, base_url="http://testserver")

    for _ in range(2):  # sign in and out twice: nothing accumulates
        with session_scope(app_env) as s:  # what portal.ui.state.sign_in does
            page_token = accounts.create_session(s, user)
            code = accounts.create_handoff(s, page_token)
        response = client.get(f"/auth/session?code={code}", follow_redirects=False)
        assert response.status_code == 303 and server.COOKIE in response.cookies
        with session_scope(app_env) as s:
            assert accounts.live_sessions(s, user.id) == 1
        response = client.get("/auth/signout", follow_redirects=False)
        assert response.status_code == 303
        with session_scope(app_env) as s:
            assert accounts.live_sessions(s, user.id) == 0
            assert accounts.resolve_session(s, page_token) is None


def test_the_sign_in_form_sends_the_browser_to_the_cookie_handoff(app_env, monkeypatch):
    """Served by portal/server.py, a right password ends in a redirect to /auth/session with a
    one-time code that the route exchanges for the session cookie."""
    from support.apptest import Portal

    monkeypatch.setenv("PORTAL_AUTH_ROUTES", "1")
    from portal import server

    portal = Portal(app_env)
    portal.user()
    at = portal.app()
    at.text_input[0].input("hanako@example.com")
    at.text_input[1].input("Secret-pass-1")
    at.button[0].click().run()
    assert not at.exception and not at.error
    (redirect,) = [h.proto.body for h in at.get("html") if "location.replace" in h.proto.body]
    code = redirect.split("/auth/session?code=", 1)[1].split("'", 1)[0]
    client = TestClient(Starlette(routes=[Route("/auth/session", server.session_route)]), base_url="http://testserver")
    response = client.get(f"/auth/session?code={code}", follow_redirects=False)
    assert response.status_code == 303 and server.COOKIE in response.cookies
    with session_scope(app_env) as s:
        assert accounts.resolve_session(s, response.cookies[server.COOKIE]).email == "hanako@example.com"
    assert client.get(f"/auth/session?code={code}", follow_redirects=False).cookies.get(server.COOKIE) is None  # once
