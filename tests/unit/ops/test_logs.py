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
