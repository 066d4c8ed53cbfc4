"""The web server: Streamlit's ASGI app for portal/app.py plus two small routes that keep a
local-account sign-in across page reloads with an HttpOnly cookie, and a readiness route
(``/_portal/ready``) for a proxy or orchestrator, and ``/course`` and ``/login`` sent to ``/``
(the default pages' own paths, see ``home_route``).

`portal run` starts this file with `streamlit run portal/server.py`. The cookie holds a session
token whose hash is in the database (auth_sessions), like every other session.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from portal.accounts import service as accounts
from portal.config import get_settings
from portal.db import session_scope
from portal.ops import health, logs
from portal.ui import routes

COOKIE = "portal_session"
os.environ["PORTAL_AUTH_ROUTES"] = "1"  # tells the app script that /auth/* exists
logs.configure()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def _redeem(code: str) -> str | None:
    with session_scope(get_settings().effective_database_url) as session:
        return accounts.redeem_handoff(session, code)


def _revoke(token: str | None) -> None:
    with session_scope(get_settings().effective_database_url) as session:
        accounts.revoke_session(session, token)


async def session_route(request: Request) -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    token = await run_in_threadpool(_redeem, request.query_params.get("code", ""))
    if token:
        response.set_cookie(
            COOKIE, token, max_age=get_settings().session_hours * 3600, httponly=True,
            samesite="strict", secure=_secure(request), path="/",
        )
    return response


async def signout_route(request: Request) -> RedirectResponse:
    await run_in_threadpool(_revoke, request.cookies.get(COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/", samesite="strict", secure=_secure(request), httponly=True)
    return response


async def home_route(request: Request) -> RedirectResponse:
    """/course and /login are the default pages' own paths, which Streamlit serves at "/" only: a
    typed /course would get Streamlit's English "Page not found" dialog (before any of our code
    runs) and then the course anyway. Sent to "/" with its query instead (the course when signed
    in, the sign-in page when not). Other unknown paths get the app's catch-all page."""
    query = request.url.query
    return RedirectResponse("/" + (f"?{query}" if query else ""), status_code=307)


async def ready_route(request: Request) -> JSONResponse:
    """Readiness for a proxy or orchestrator: 200 when the database answers with the expected
    schema, 503 (with the reason) otherwise. Liveness is Streamlit's /_stcore/health."""
    result = await run_in_threadpool(health.check, get_settings().effective_database_url)
    return JSONResponse(result.as_json(), status_code=200 if result.ready else 503)


app = st.App(
    str(Path(__file__).with_name("app.py")),
    routes=[
        Route("/auth/session", session_route),
        Route("/auth/signout", signout_route),
        Route("/_portal/ready", ready_route),
        *(Route(f"/{path}", home_route) for path in (routes.COURSE, routes.LOGIN)),
    ],
)
