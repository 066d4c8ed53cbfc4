"""PORTAL_LOG_FORMAT=json: every record one JSON line a collector can parse, exceptions included;
an unknown value falls back to text and the settings check names the variable."""

from __future__ import annotations

import json
import logging

import pytest

from portal.config import SettingsError, load_settings
from portal.ops import logs


@pytest.fixture
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_lines_carry_level_logger_message_replica_and_traceback(restore_root, capsys, monkeypatch):
    monkeypatch.setenv("PORTAL_REPLICA", "app2")
    logs.configure("json")
    logging.getLogger("portal.sandbox").warning("endpoint %s answered %d", "llm.internal", 429)
    try:
        raise RuntimeError("接続できません")
    except RuntimeError:
        logging.getLogger("portal").exception("page failed")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2  # a traceback stays inside its one line
    first, second = map(json.loads, lines)
    assert first["level"] == "WARNING" and first["logger"] == "portal.sandbox"
    assert first["message"] == "endpoint llm.internal answered 429"
    assert first["replica"] == "app2" and first["time"].endswith("+00:00")
    assert second["message"] == "page failed"
    assert "RuntimeError: 接続できません" in second["exception"]


def test_configure_twice_keeps_one_handler(restore_root, capsys):
    logs.configure("json")
    logs.configure("json")
    logging.getLogger("portal").info("once")
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_text_is_the_default_and_an_unknown_format_is_named(monkeypatch):
    monkeypatch.delenv("PORTAL_LOG_FORMAT", raising=False)
    assert logs.log_format() == "text"
    monkeypatch.setenv("PORTAL_LOG_FORMAT", "xml")
    assert logs.log_format() == "text"
    with pytest.raises(SettingsError, match="PORTAL_LOG_FORMAT"):
        load_settings()


def test_streamlit_and_uvicorn_loggers_write_json_too(restore_root, capsys):
    """Streamlit's loggers keep console handlers of their own (they do not propagate): with JSON
    logs those write JSON as well, also loggers created afterwards (uvicorn's access log)."""
    import streamlit.logger as st_logger

    original = st_logger.setup_formatter
    try:
        logs.configure("json")
        st_logger.get_logger("streamlit.runtime.portal_test").warning("websocket closed")
        st_logger.get_logger("uvicorn.portal_test").info("GET /_stcore/health 200")
        lines = capsys.readouterr().err.strip().splitlines()
        events = [json.loads(line) for line in lines]
        assert [(e["logger"], e["message"]) for e in events] == [
            ("streamlit.runtime.portal_test", "websocket closed"), ("uvicorn.portal_test", "GET /_stcore/health 200")]
    finally:
        st_logger.setup_formatter = getattr(original, "_portal_original", original)
        st_logger.update_formatter()
