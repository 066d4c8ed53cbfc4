"""A small OpenID Connect provider for the single sign-on journey (authorization code flow),
built on Authlib's JOSE (RS256 id tokens, a JWKS) and Starlette, run on 127.0.0.1:

    python tests/oidc_provider.py --port N --client-id ID --client-secret S --users users.json

``users.json`` maps e-mail addresses to ``{"sub": ..., "name": ...}``: the provider's own
directory. Its sign-in page asks for the e-mail address (no password: this is the test's IdP)
and sends the browser back with a one-time code; ``/token`` checks the client's secret, the
code, the redirect URI and PKCE (S256) before it answers with an id token carrying the nonce.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import time
from urllib.parse import urlencode

import uvicorn
from authlib.jose import JsonWebKey, jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route


def build(issuer: str, client_id: str, client_secret: str, users: dict) -> Starlette:
    key = JsonWebKey.generate_key("RSA", 2048, is_private=True)
    kid = "test-key-1"
    public = dict(key.as_dict(is_private=False), kid=kid, use="sig", alg="RS256")
    codes: dict[str, dict] = {}
    tokens: dict[str, dict] = {}

    async def metadata(request: Request):
        return JSONResponse({
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        })

    async def jwks(request: Request):
        return JSONResponse({"keys": [public]})

    async def authorize(request: Request):
        params = dict(request.query_params) if request.method == "GET" else dict(await request.form())
        if params.get("client_id") != client_id or params.get("response_type") != "code":
            return HTMLResponse("invalid_request", status_code=400)
        if request.method == "GET":
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in params.items())
            return HTMLResponse(f"""<!doctype html><html lang="ja"><body><h1>Test IdP サインイン</h1>
                <form method="post">{hidden}<label>メールアドレス <input name="login" type="email"></label>
                <button type="submit">サインイン</button></form></body></html>""")
        person = users.get(params.get("login", "").strip().lower())
        if person is None:
            return HTMLResponse("<p>このディレクトリにいないアカウントです。</p>", status_code=403)
        code = secrets.token_urlsafe(24)
        codes[code] = dict(params, email=params["login"].strip().lower(), **person, at=time.time())
        query = urlencode({"code": code, **({"state": params["state"]} if "state" in params else {})})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    def _client(request: Request, form) -> tuple[str, str]:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            ident, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return ident, secret
        return form.get("client_id", ""), form.get("client_secret", "")

    async def token(request: Request):
        form = await request.form()
        ident, secret = _client(request, form)
        if ident != client_id or secret != client_secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None or time.time() - grant["at"] > 60:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "redirect_uri"}, status_code=400)
        if "code_challenge" in grant:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant["code_challenge"]:
                return JSONResponse({"error": "invalid_grant", "error_description": "pkce"}, status_code=400)
        now = int(time.time())
        claims = {"iss": issuer, "sub": grant["sub"], "aud": client_id, "iat": now, "exp": now + 300,
                  "email": grant["email"], "email_verified": True, "name": grant["name"]}
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": kid}, claims, key).decode()
        access = secrets.token_urlsafe(24)
        tokens[access] = claims
        return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token,
                             "scope": grant.get("scope", "openid")})

    async def userinfo(request: Request):
        claims = tokens.get(request.headers.get("authorization", "").removeprefix("Bearer ").strip())
        if claims is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({k: claims[k] for k in ("sub", "email", "email_verified", "name")})

    async def logout(request: Request):
        target = request.query_params.get("post_logout_redirect_uri")
        return RedirectResponse(target, status_code=302) if target else HTMLResponse("signed out")

    return Starlette(routes=[
        Route("/.well-known/openid-configuration", metadata),
        Route("/jwks", jwks),
        Route("/authorize", authorize, methods=["GET", "POST"]),
        Route("/token", token, methods=["POST"]),
        Route("/userinfo", userinfo),
        Route("/logout", logout),
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--users", required=True, help="JSON file: {email: {sub, name}}")
    args = parser.parse_args()
    with open(args.users, encoding="utf-8") as f:
        users = {k.lower(): v for k, v in json.load(f).items()}
    issuer = f"http://127.0.0.1:{args.port}"
    uvicorn.run(build(issuer, args.client_id, args.client_secret, users), host="127.0.0.1", port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
