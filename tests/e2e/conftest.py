"""Fixtures for the browser journeys (Playwright + Debian's chromium, never a downloaded browser).

* ``portal``: the app started as the README says (``portal run``) on a free port with a fresh
  database (SQLite; PostgreSQL with ``PORTAL_E2E_DATABASE=postgresql``), stopped afterwards.
* ``start_portal(**env)``: the same with extra ``PORTAL_*`` settings (e.g. an LLM endpoint).
* ``app`` / ``new_app()``: a fresh browser context (its own cookies and Streamlit session) on the
  portal. A failing journey saves a screenshot of every open tab, and the server log, to
  ``test-results/``.

Without Chromium every journey is skipped with a reason saying so (``pytest -ra`` lists it).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from e2e.harness import E2E_DATABASE, REPO, FakeLLMServer, PortalServer, throwaway_database

E2E_DIR = Path(__file__).resolve().parent
RESULTS = REPO / "test-results"
EXPECT_TIMEOUT_MS = 30_000
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


# The journeys import Playwright: without it (not installed with the [test] extra) they are not
# collected, and the run says so at the end; CI (PORTAL_E2E_REQUIRE_BROWSER=1) stops instead.
PLAYWRIGHT_MISSING = importlib.util.find_spec("playwright") is None
NO_PLAYWRIGHT = "the playwright package is not installed (pip install -e '.[test]')"
if PLAYWRIGHT_MISSING:
    if os.environ.get("PORTAL_E2E_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"{NO_PLAYWRIGHT}: the browser journeys in tests/e2e cannot run")
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter) -> None:
    if PLAYWRIGHT_MISSING:
        terminalreporter.write_line(f"tests/e2e: {NO_PLAYWRIGHT}: the browser journeys were skipped", yellow=True)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(getattr(request.node, f"rep_{when}", None) is not None and getattr(request.node, f"rep_{when}").failed
               for when in ("setup", "call"))


def _slug(request) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])[:120]


def chromium_path() -> str | None:
    candidate = os.environ.get("PORTAL_E2E_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if Path(candidate).is_file() and os.access(candidate, os.X_OK) else None


def _unavailable(reason: str) -> None:
    """Skip, saying why; in CI (PORTAL_E2E_REQUIRE_BROWSER=1, set by .ci/run) fail instead."""
    if os.environ.get("PORTAL_E2E_REQUIRE_BROWSER") == "1":
        pytest.fail(reason.replace("were skipped", "cannot run").replace("skipped", "cannot run"), pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (/usr/bin/chromium; Debian: apt-get install chromium "
                     "fonts-noto-cjk): the browser journeys in tests/e2e were skipped")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)  # a shared 2-core CI machine: be patient, never sleep
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def start_portal(browser, tmp_path, request) -> Iterator[Callable[..., PortalServer]]:
    """Start the app with extra settings; the database is fresh and removed afterwards."""
    servers: list[PortalServer] = []
    with ExitStack() as databases:

        def start(**env: str) -> PortalServer:
            workdir = tmp_path / f"portal{len(servers)}"
            workdir.mkdir()
            url = databases.enter_context(throwaway_database(workdir))
            server = PortalServer(url, workdir, **env)
            servers.append(server)
            return server

        yield start
        for i, server in enumerate(servers):
            server.stop()
            if _failed(request):
                RESULTS.mkdir(exist_ok=True)
                shutil.copyfile(server.log_path, RESULTS / f"{_slug(request)}.server{i}.log")


@pytest.fixture
def portal(start_portal) -> PortalServer:
    return start_portal()


@pytest.fixture
def fake_llm(tmp_path, request) -> Iterator[FakeLLMServer]:
    # paced pieces (0.1 s apart, about 1 s in all), as a real server streams: each piece reaches
    # the browser on its own unless the app stalls for longer than that
    server = FakeLLMServer(tmp_path, "--chunk-delay", "0.1")
    yield server
    server.stop()
    if _failed(request):
        RESULTS.mkdir(exist_ok=True)
        shutil.copyfile(server.log_path, RESULTS / f"{_slug(request)}.fake_openai.log")


LEARNER_PASSWORD = "Green-tea-2024-cup"


@pytest.fixture
def start_llm_portal(start_portal, fake_llm) -> Callable[..., PortalServer]:
    """``start_llm_portal(**env)``: the app on provider ``custom`` against the ``fake_llm`` server
    (model fake-mini, API key sk-test-e2e), with one learner, 学習 花子 (hanako@example.com,
    password :data:`LEARNER_PASSWORD`)."""

    def start(**env: str) -> PortalServer:
        portal = start_portal(
            PORTAL_LLM_PROVIDER="custom", PORTAL_LLM_BASE_URL=fake_llm.base_url, PORTAL_LLM_API_KEY="sk-test-e2e",
            PORTAL_LLM_MODELS='["fake-mini"]', PORTAL_LLM_DEFAULT_MODEL="fake-mini", **env,
        )
        portal.create_user(name="学習 花子", email="hanako@example.com", password=LEARNER_PASSWORD, department="営業部")
        return portal

    return start


@pytest.fixture
def new_app(browser, start_portal, request) -> Iterator[Callable[..., object]]:
    """Open a new browser context (own cookies, own Streamlit session) on a portal server.
    (Depends on ``start_portal`` so that the servers outlive the screenshots taken here.)"""
    from e2e.streamlit_page import App

    contexts = []
    apps: list[App] = []

    def open_app(server: PortalServer, path: str = "", locale: str = "ja-JP",
                 viewport: tuple[int, int] = (1366, 900)) -> App:
        # the browser's language reaches the app as Accept-Language (the sign-in page follows it)
        context = browser.new_context(locale=locale, timezone_id="Asia/Tokyo", accept_downloads=True,
                                      viewport={"width": viewport[0], "height": viewport[1]})
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        app = App(context.new_page(), server.url, server_log=lambda: server.output, lang=locale.split("-")[0])
        apps.append(app)
        app.goto(path)
        return app

    yield open_app
    if _failed(request):
        RESULTS.mkdir(exist_ok=True)
        for i, app in enumerate(apps):
            try:
                app.page.screenshot(path=str(RESULTS / f"{_slug(request)}.{i}.png"), full_page=True)
            except Exception as exc:  # the page may be gone: keep the original failure visible
                print(f"screenshot failed: {exc}")
    for context in contexts:
        context.close()


@pytest.fixture
def app(new_app, portal):
    return new_app(portal)



@pytest.fixture(scope="session")
def axe_ready() -> None:
    """axe-core is installed (from the npm registry into a cache folder, once) or the
    accessibility checks are skipped with the reason (CI: they fail instead)."""
    from e2e.axe import AxeUnavailable, axe_source

    try:
        axe_source()
    except AxeUnavailable as exc:
        _unavailable(f"{exc}: the accessibility checks were skipped")


class Accessibility:
    """``a11y(app, name)``: wait for the idle page, run axe-core's WCAG 2.1 A/AA rules on it and
    note the serious or critical violations that are ours (e2e/axe.py); everything found is
    recorded in test-results/axe/<name>.json. ``a11y.assert_clean()`` (called at the end of the
    journey, so that one run reports every page) fails with all of them."""

    def __init__(self) -> None:
        self.reports: list[str] = []
        self.pages: list[str] = []

    def __call__(self, app, name: str) -> None:
        from e2e.axe import check

        app.wait_idle()
        self.pages.append(name)
        report = check(app.page, name)
        if report:
            self.reports.append(report)

    def assert_clean(self) -> None:
        assert not self.reports, "\n\n".join(self.reports)


@pytest.fixture
def a11y(axe_ready) -> Accessibility:
    return Accessibility()
