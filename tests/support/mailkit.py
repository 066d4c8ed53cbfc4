"""Helpers for the reminder tests: a free local port, the settings that point at the test SMTP
server, and the handler that plays the server (accepts, refuses, or drops the connection)."""

from __future__ import annotations

import socket
from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.smtp import AuthResult

from portal.config import Settings

TODAY = date(2026, 3, 10)
SMTP_USER, SMTP_PASSWORD = "portal", "right-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the server accepted; addresses it refuses (550 at RCPT) and those whose message
    makes it drop the connection (as a server going down mid-conversation)."""

    def __init__(self) -> None:
        self.messages = []
        self.refuse: set[str] = set()
        self.drop: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        dropped = self.drop & set(envelope.rcpt_tos)
        if dropped:
            self.drop -= dropped
            server.transport.close()
            return "421 4.3.2 going down"
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 2.0.0 accepted"

    @property
    def recipients(self) -> list[str]:
        return sorted(str(m["To"].addresses[0].addr_spec) for m in self.messages)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def smtp_settings(db_url: str, port: int, ca_file, **over) -> Settings:
    values = dict(database_url=db_url, smtp_host="127.0.0.1", smtp_port=port, smtp_user=SMTP_USER,
                  smtp_password=SMTP_PASSWORD, smtp_from="AI リテラシーポータル <portal@example.co.jp>",
                  smtp_ca_file=ca_file, smtp_timeout_s=10, public_url="https://portal.example.co.jp")
    values.update(over)
    return Settings(**values)
