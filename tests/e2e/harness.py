"""The app under test, started as the README says, on a free port with a fresh database.

``PortalServer`` runs ``<venv>/bin/portal run --server.port N --server.address 127.0.0.1`` (the
console script next to ``sys.executable``) in its own process group, captures its stdout and
stderr (the first-run setup token is printed there), and is stopped at the end of the test.

``FakeLLMServer`` runs ``tests/fake_openai_server.py --port N`` as a subprocess.

``throwaway_database`` gives a fresh database URL: a SQLite file, or (``PORTAL_E2E_DATABASE=
postgresql``) a database created from ``PORTAL_TEST_DATABASE_URL`` and dropped afterwards.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
SETUP_TOKEN_RE = re.compile(r"first-run setup token\): ([A-Za-z0-9_-]+)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_script() -> Path:
    """The `portal` console script of the interpreter running the tests (README: .venv/bin/portal)."""
    script = Path(sys.executable).parent / "portal"
    if not script.exists():
        raise RuntimeError(f"{script} not found: install the app first (pip install -e '.[test]')")
    return script


def clean_env(**overrides: str) -> dict[str, str]:
    """The test process's environment without any PORTAL_* / DATABASE_URL a developer may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "DATABASE_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


class _Process:
    """A child process in its own process group whose output is captured line by line."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path, cwd: Path = REPO) -> None:
        self.name = name
        self.log_path = log_path
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._log = log_path.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, text=True, encoding="utf-8", errors="replace",
        )
        self._reader = threading.Thread(target=self._read, name=f"{name}-log", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._log.write(line)
            self._log.flush()
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "".join(self._lines)

    def tail(self, n: int = 40) -> str:
        with self._cond:
            return "".join(self._lines[-n:])

    def wait_for_output(self, pattern: re.Pattern[str] | str, timeout: float = START_TIMEOUT_S) -> re.Match[str]:
        """Block until a line of the output matches (woken by each new line, no polling)."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self._lines[seen:]:
                    match = regex.search(line)
                    if match:
                        return match
                seen = len(self._lines)
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{''.join(self._lines[-40:])}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name}: no output matching {regex.pattern!r} within {timeout:.0f} s:\n"
                                       f"{''.join(self._lines[-40:])}")
                self._cond.wait(timeout=left)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        self._reader.join(timeout=5)
        self._log.close()


class PortalServer(_Process):
    """`portal run` on 127.0.0.1:<free port> against ``database_url``."""

    def __init__(self, database_url: str, workdir: Path, *, port: int | None = None, args: tuple[str, ...] = (),
                 **env: str) -> None:
        self.port = port or free_port()
        self.database_url = database_url
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            str(portal_script()), "run",
            "--server.port", str(self.port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false", *args,
        ]
        environment = clean_env(PORTAL_DATABASE_URL=database_url, PORTAL_DATA_DIR=str(workdir / "data"), **env)
        super().__init__("portal", argv, environment, workdir / "server.log")
        try:
            self.wait_for_output(re.escape(f"127.0.0.1:{self.port}"))
            _http_get(f"{self.url}/_stcore/health", timeout=START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    def create_user(self, *, name: str, email: str, password: str, role: str = "learner", **fields: str):
        """Seed an account straight into the server's database (as `portal import-users` would)."""
        from portal.accounts.roles import SYSTEM
        from portal.accounts.service import create_user
        from portal.db import session_scope

        with session_scope(self.database_url) as session:
            return create_user(session, SYSTEM, name=name, email=email, password=password, role=role, **fields)

    def database_text(self) -> str:
        """Every row of every table of the server's database, as text (to search for leaks)."""
        from sqlalchemy import MetaData, select

        from portal.db.engine import get_engine

        engine = get_engine(self.database_url)
        metadata = MetaData()
        with warnings.catch_warnings():  # SQLite cannot reflect the lower(email) indexes; rows are what matter here
            warnings.filterwarnings("ignore", message=".*expression-based index")
            metadata.reflect(engine)
        lines = []
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    lines.append(f"{table.name}: " + " | ".join(str(value) for value in row))
        return "\n".join(lines)

    def setup_token(self, timeout: float = 30.0) -> str:
        """The one-time setup token the server prints at the first page load."""
        return self.wait_for_output(SETUP_TOKEN_RE, timeout).group(1)


class FakeLLMServer(_Process):
    """tests/fake_openai_server.py as a subprocess, switched with POST /_control."""

    def __init__(self, workdir: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.url}/v1"
        argv = [sys.executable, str(REPO / "tests" / "fake_openai_server.py"), "--port", str(self.port), *extra]
        super().__init__("fake-openai", argv, clean_env(), workdir / "fake_openai.log")
        try:
            _http_get(f"{self.base_url}/models", timeout=START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    def control(self, **settings: object) -> dict:
        request = urllib.request.Request(
            f"{self.url}/_control", data=json.dumps(settings).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def counters(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_control", timeout=10) as response:
            return json.loads(response.read())


def _http_get(url: str, timeout: float) -> bytes:
    """GET until the server answers 200 (it is starting up); connection errors are retried."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return response.read()
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(delay)  # start-up poll of a subprocess, not a wait on the page
        delay = min(delay * 2, 0.5)


# ------------------------------------------------------------------ databases

E2E_DATABASE = os.environ.get("PORTAL_E2E_DATABASE", "sqlite").strip().lower() or "sqlite"


@contextmanager
def throwaway_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL for one app server; removed afterwards."""
    if E2E_DATABASE == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        _dispose(f"sqlite:///{tmp_path / 'portal.db'}")
        return
    if E2E_DATABASE not in ("postgresql", "postgres"):
        raise RuntimeError(f"PORTAL_E2E_DATABASE must be sqlite or postgresql, not {E2E_DATABASE!r}")
    base_url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base_url:
        raise RuntimeError("PORTAL_E2E_DATABASE=postgresql needs PORTAL_TEST_DATABASE_URL "
                           "(e.g. postgresql://127.0.0.1:5432/test) to create a throw-away database")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"portal_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            _dispose(url)
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _dispose(url: str) -> None:
    """Close the test process's own connections (the seeding and checking done by a test)."""
    from portal.db.engine import get_engine

    get_engine(url).dispose()


# ------------------------------------------------------------------ several replicas

NGINX = os.environ.get("PORTAL_E2E_NGINX") or "/usr/sbin/nginx"


class NginxProxy(_Process):
    """Debian's nginx in the foreground on 127.0.0.1:<free port>, in front of ``backends``, with
    the configuration `portal nginx-config` generates (portal/ops/nginx.py) and an access log
    that records which replica served each request."""

    def __init__(self, backends: list[str], workdir: Path, port: int | None = None) -> None:
        from portal.ops.nginx import render_main

        self.backends = backends
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.prefix = workdir / "nginx"
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(render_main(backends, listen=f"127.0.0.1:{self.port}", prefix=str(self.prefix),
                                    run_as_root=os.geteuid() == 0), encoding="utf-8")
        check = subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(self.prefix)],
                               capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx rejected the generated configuration:\n{check.stderr}")
        super().__init__("nginx", [NGINX, "-c", str(conf), "-p", str(self.prefix)], clean_env(),
                         workdir / "nginx.log")
        try:
            _http_get(f"{self.url}/_stcore/health", timeout=START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    def restart(self) -> NginxProxy:
        """Stop this proxy (every connection through it drops) and start a new one on the same
        port and configuration."""
        self.stop()
        return NginxProxy(self.backends, self.workdir, port=self.port)

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def log_position(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def served_since(self, position: int, path: str) -> list[str]:
        """The replicas (r1, r2, ...) that answered requests for ``path`` since ``position``."""
        with self.access_log.open(encoding="utf-8", errors="replace") as fh:
            fh.seek(position)
            lines = fh.read().splitlines()
        return [m.group(1) for line in lines if f" {path}" in line
                for m in [re.search(r"replica=(\S*)", line)] if m]
