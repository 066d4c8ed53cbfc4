"""The app starts exactly as README says (`portal run`), answers its health check, and stops."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PORTAL = Path(sys.executable).with_name("portal")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_portal_run_serves_health_and_prints_the_setup_token(tmp_path):
    port = free_port()
    env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path / "data")}
    env.pop("PORTAL_DATABASE_URL", None)
    proc = subprocess.Popen(
        [str(PORTAL), "run", "--server.port", str(port), "--server.address", "127.0.0.1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.3)
        assert body == "ok", proc.stdout.read() if proc.poll() is not None else "no health answer"
        # the embedded default: a SQLite file in the data folder, migrated at start
        assert (tmp_path / "data" / "portal.db").exists()
        # the first page run bootstraps; open one session so the token is printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
            assert resp.status == 200
        # the sign-in cookie route refuses a made-up handoff code: redirect home, no cookie
        opener = urllib.request.build_opener(NoRedirect)
        try:
            opener.open(f"http://127.0.0.1:{port}/auth/session?code=made-up", timeout=5)
            raise AssertionError("expected a redirect")
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 303 and redirect.headers["location"] == "/"
            assert "portal_session" not in (redirect.headers.get("set-cookie") or "")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_invalid_setting_fails_at_start_naming_the_setting(tmp_path):
    env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path), "PORTAL_LOGIN_MAX_FAILURES": "many"}
    result = subprocess.run([str(PORTAL), "init-db"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "PORTAL_LOGIN_MAX_FAILURES" in result.stderr
    assert "Traceback" not in result.stderr


def test_unusable_data_folder_gets_a_clear_message(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {**os.environ, "PORTAL_DATA_DIR": str(blocker / "data")}  # cannot be created, even by root
    env.pop("PORTAL_DATABASE_URL", None)
    result = subprocess.run([str(PORTAL), "init-db"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "データフォルダ" in result.stderr and "PORTAL_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_db_builds_the_dashboard_summaries_once(tmp_path):
    env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path)}
    env.pop("PORTAL_DATABASE_URL", None)
    first = subprocess.run([str(PORTAL), "init-db"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "集計表を作成しました" in first.stdout
    again = subprocess.run([str(PORTAL), "init-db"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "集計表" not in again.stdout  # already built: nothing to do
