"""AppTest helpers: the real app script on a fresh SQLite database, signed in through the form."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user
from portal.config import REPO_ROOT
from portal.db import init_db, session_scope

APP = str(REPO_ROOT / "portal" / "app.py")
PASSWORD = "Secret-pass-1"


class Portal:
    def __init__(self, url: str) -> None:
        self.url = url
        init_db(url)

    def user(self, email="hanako@example.com", role="learner", name="学習 花子", department="営業部"):
        with session_scope(self.url) as s:
            return create_user(s, SYSTEM, name=name, email=email, password=PASSWORD, role=role, department=department)

    def app(self) -> AppTest:
        return AppTest.from_file(APP, default_timeout=60).run()

    def signed_in(self, email="hanako@example.com", password=PASSWORD) -> AppTest:
        at = self.app()
        at.text_input[0].input(email)
        at.text_input[1].input(password)
        at.button[0].click().run()
        assert not at.exception, at.exception
        return at


def nav_paths(at: AppTest) -> list[str]:
    """URL paths of the pages st.navigation offered in the last run."""
    return [info.get("url_pathname", "") for info in at._registered_pages.values()]


def goto(at: AppTest, url_path: str, **query) -> AppTest:
    """Open a page by its URL path, as typing /<url_path>?... in the address bar does."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()
