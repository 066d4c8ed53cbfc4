"""Log set-up: plain text by default, one JSON object per line with ``PORTAL_LOG_FORMAT=json``.

The JSON form is for log collectors (Loki, CloudWatch, Cloud Logging...): ``time`` (UTC, ISO
8601), ``level``, ``logger``, ``message``, ``replica`` (host name or ``PORTAL_REPLICA``) and, for
an exception, ``exception`` (the traceback as one string). Prompt text and passwords are never
logged by the portal in either form: log calls pass ids, counts and error kinds only (a browser
test greps the logs of a whole journey for the prompt and the passwords it typed).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, replica: str | None = None) -> None:
        super().__init__()
        self.replica = replica or os.environ.get("PORTAL_REPLICA") or socket.gethostname()

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "replica": self.replica,
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


def event(level: str, logger: str, message: str) -> str:
    """One JSON log line for a message printed rather than logged (the first-run setup token,
    which must reach the operator's console even when logging is turned down)."""
    record = logging.LogRecord(logger, getattr(logging, level), __file__, 0, message, None, None)
    return JsonFormatter().format(record)


def log_format() -> str:
    """``PORTAL_LOG_FORMAT`` (read before the settings are: logging starts first). An unknown
    value logs as text; the settings check then names the variable on the page and in the CLI."""
    value = os.environ.get("PORTAL_LOG_FORMAT", "text").strip().lower()
    return value if value in ("text", "json") else "text"


def configure(fmt: str | None = None, level: int = logging.INFO) -> None:
    """Install one stderr handler on the root logger (replacing earlier ones), and the same
    formatter on Streamlit's own handlers. Safe to call more than once."""
    fmt = fmt or log_format()
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_portal", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._portal = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if fmt == "json":
        _streamlit_loggers_as_json(formatter)


def _streamlit_loggers_as_json(formatter: logging.Formatter) -> None:
    """Streamlit's loggers do not propagate: each has a console handler of its own, made by
    ``streamlit.logger.setup_formatter`` (also for loggers created later, uvicorn's included).
    Give those handlers the JSON formatter, now and from then on. Only when Streamlit is
    already imported (``portal run``); nothing is imported here."""
    st_logger = sys.modules.get("streamlit.logger")
    if st_logger is None:
        return
    original = getattr(st_logger.setup_formatter, "_portal_original", st_logger.setup_formatter)

    def setup_formatter(logger: logging.Logger) -> None:
        original(logger)
        logger.streamlit_console_handler.setFormatter(formatter)  # type: ignore[attr-defined]

    setup_formatter._portal_original = original  # type: ignore[attr-defined]
    st_logger.setup_formatter = setup_formatter
    st_logger.update_formatter()
