"""SMTP through the PORTAL_SMTP_* settings (STARTTLS by default), with each failure told apart:
the server cannot be used at all (down, wrong password, TLS) versus one message refused."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage

from portal.config import Settings
from portal.i18n import t
from portal.reminders.schedule import ReminderError


class SmtpUnavailable(ReminderError):
    """No message can be sent now (server down, login refused, TLS failed): nothing was sent."""


class MessageRefused(ReminderError):
    """The server did not accept this one message (the others may still go)."""


def check_settings(settings: Settings) -> None:
    missing = [name for name, value in (("PORTAL_SMTP_HOST", settings.smtp_host), ("PORTAL_SMTP_FROM", settings.smtp_from))
               if not value]
    if missing:
        raise ReminderError(t("reminders.error.not_configured", names=", ".join(missing)))
    if settings.smtp_ca_file is not None and not settings.smtp_ca_file.is_file():
        raise ReminderError(t("reminders.error.ca_file", path=str(settings.smtp_ca_file)))


class Mailer:
    """One SMTP connection for a run, opened on the first message and opened again after the
    server dropped it."""

    def __init__(self, settings: Settings) -> None:
        check_settings(settings)
        self.s = settings
        self._conn: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.s.smtp_host}:{self.s.smtp_port}"

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.s.smtp_ca_file) if self.s.smtp_ca_file else None)

    def _connect(self) -> smtplib.SMTP:
        s = self.s
        try:
            if s.smtp_ssl:
                conn = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s, context=self._tls())
            else:
                conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
                if s.smtp_starttls:
                    conn.starttls(context=self._tls())
            if s.smtp_user:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                conn.login(s.smtp_user, password)
        except smtplib.SMTPAuthenticationError:
            raise SmtpUnavailable(t("reminders.error.auth", where=self.where, user=s.smtp_user)) from None
        except smtplib.SMTPNotSupportedError:
            raise SmtpUnavailable(t("reminders.error.starttls", where=self.where)) from None
        except ssl.SSLError as exc:
            raise SmtpUnavailable(t("reminders.error.tls", where=self.where, detail=exc.reason or str(exc))) from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timeout, a greeting that is not 220
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise SmtpUnavailable(t("reminders.error.connect", where=self.where, detail=detail)) from None
        return conn

    def send(self, message: EmailMessage) -> None:
        """Returns once the server accepted the message; raises MessageRefused or SmtpUnavailable."""
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise MessageRefused(t("reminders.error.refused", code=code, reply=_text(reply))) from None
        except smtplib.SMTPSenderRefused as exc:
            raise SmtpUnavailable(t("reminders.error.sender", sender=self.s.smtp_from, code=exc.smtp_code,
                                    reply=_text(exc.smtp_error))) from None
        except smtplib.SMTPDataError as exc:
            raise MessageRefused(t("reminders.error.data", code=exc.smtp_code, reply=_text(exc.smtp_error))) from None
        except (smtplib.SMTPServerDisconnected, socket.timeout, OSError):
            self._drop()  # the next message connects again
            raise MessageRefused(t("reminders.error.dropped", where=self.where)) from None
        except smtplib.SMTPResponseException as exc:
            raise MessageRefused(t("reminders.error.data", code=exc.smtp_code, reply=_text(exc.smtp_error))) from None
        if refused:  # (only with several recipients; one per message here)
            code, reply = next(iter(refused.values()))
            raise MessageRefused(t("reminders.error.refused", code=code, reply=_text(reply)))

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
