"""A real SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS and a password, and a small
organisation whose learners are due at different distances from "today" (2026-03-10)."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass, field
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from portal.accounts.roles import SYSTEM
from portal.accounts.service import create_user
from portal.db import session_scope
from portal.db.models import User
from portal.reminders.schedule import set_schedule
from portal.stats.due_dates import set_due_date
from support.mailkit import Inbox, authenticate, free_port
from support.orgkit import RIGHT, add_attempt, read, utc, write_content

@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def smtp(tls_files):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@dataclass
class Org:
    url: str
    course: object
    quizzes: dict
    admin: object
    users: dict = field(default_factory=dict)

    def email(self, key: str) -> str:
        return f"{key.lower()}@example.co.jp"


@pytest.fixture
def org(db_url, tmp_path) -> Org:
    """営業部 due 03-17 (7 days left), 開発部 due 03-10 (today), 総務部 due 03-03 (7 days over).

    S1 営業部 nothing done; S2 営業部 completed (never reminded); D1 開発部 lesson A completed;
    G1 総務部 nothing done; G2 総務部 no e-mail address."""
    course, quizzes = write_content(tmp_path)
    a, b = course.lessons
    with session_scope(db_url) as s:
        admin = create_user(s, SYSTEM, name="管理 花子", email="admin@example.co.jp", role="admin", department="人事部")
        users = {}
        for key, name, dept in [("S1", "山田 太郎", "営業部"), ("S2", "佐藤 花子", "営業部"), ("D1", "鈴木 一郎", "開発部"),
                                ("G1", "高橋 次郎", "総務部"), ("G2", "田中 三郎", "総務部")]:
            users[key] = create_user(s, SYSTEM, name=name, email=f"{key.lower()}@example.co.jp", employee_id=f"E-{key}",
                                     department=dept)
        read(s, users["S2"].id, a, utc(3, 1))
        add_attempt(s, users["S2"].id, quizzes["qa"], utc(3, 1), RIGHT)
        read(s, users["S2"].id, b, utc(3, 1))
        read(s, users["D1"].id, a, utc(3, 1))
        add_attempt(s, users["D1"].id, quizzes["qa"], utc(3, 1), RIGHT)
        s.execute(update(User).where(User.id == users["G2"].id).values(email=""))
        set_due_date(s, admin, date(2026, 3, 17), "営業部")
        set_due_date(s, admin, date(2026, 3, 10), "開発部")
        set_due_date(s, admin, date(2026, 3, 3), "総務部")
        set_schedule(s, admin, [7], on_due=True, overdue_weekly=True)
    return Org(url=db_url, course=course, quizzes=quizzes, admin=admin, users=users)
