"""Journey 8: two replicas behind nginx, as README's "Deploying" section runs them.

Two `portal run` processes share one PostgreSQL database; Debian's nginx sits in front with the
configuration `portal nginx-config` generates (sticky by the ``portal_replica`` cookie, websocket
upgrade, fail-over to the other replica). Whatever a learner does on one replica holds on the
other: the sign-in, the lockout counter, the sandbox quota, a quiz attempt; when a replica stops,
a reload continues on the other with nothing lost. Both replicas log JSON lines, which never hold
a password or a prompt.

The nginx access log records which replica answered each request, so the test can show that a
step really happened on the replica it meant to use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from e2e.conftest import EXPECT_TIMEOUT_MS, RESULTS, _unavailable
from e2e.harness import NGINX, NginxProxy, PortalServer, throwaway_database
from e2e.quiz_answers import answer_all, open_attempt, quiz_file
from e2e.streamlit_page import App
from portal.db import session_scope
from portal.db.models import QuizAttempt

PASSWORD = "Green-tea-2024-cup"
WRONG = "Sakura-wrong-"  # + a number: each wrong password typed
PROMPT_MARK = "レプリカ検証用の質問"  # a phrase that must never reach a log
LOCKED = "サインインの失敗が続いたため、このアカウントは一時的にロックされています。"
# Streamlit's start-up banner is printed, not logged: the only lines allowed not to be JSON
BANNER = re.compile(r"^\s*$|You can now view|URL: http")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, browser):
    """PostgreSQL + two replicas + nginx, shared by the journeys of this module."""
    if not os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgresql"):
        _unavailable("PORTAL_TEST_DATABASE_URL (PostgreSQL) is not set: the multi-replica journey was skipped")
    if not (Path(NGINX).is_file() and os.access(NGINX, os.X_OK)):
        _unavailable(f"nginx is not installed ({NGINX}; Debian: apt-get install nginx): "
                     "the multi-replica journey was skipped")
    tmp = tmp_path_factory.mktemp("cluster")
    import e2e.harness as harness

    saved = harness.E2E_DATABASE
    harness.E2E_DATABASE = "postgresql"  # replicas share a database: always PostgreSQL here
    try:
        with throwaway_database(tmp) as url:
            env = {
                "PORTAL_LOG_FORMAT": "json",
                "PORTAL_SANDBOX_DAILY_REQUESTS": "2",
                # one secret for every replica: Streamlit signs its XSRF and sign-in cookies with it
                "STREAMLIT_SERVER_COOKIE_SECRET": "test-cluster-cookie-secret-0123456789",
            }
            replicas = []
            try:
                for i in (1, 2):  # one after the other: the first applies the migrations
                    workdir = tmp / f"replica{i}"
                    workdir.mkdir()
                    replicas.append(PortalServer(url, workdir, PORTAL_REPLICA=f"replica{i}", **env))
                proxy = NginxProxy([f"127.0.0.1:{r.port}" for r in replicas], tmp)
                cluster = Cluster(proxy, replicas, browser)
                try:
                    yield cluster
                finally:
                    cluster.proxy.stop()  # (a test may have restarted it)
            finally:
                for replica in replicas:
                    replica.stop()
                _keep_logs(tmp, replicas)
    finally:
        harness.E2E_DATABASE = saved


def _keep_logs(tmp: Path, replicas: list[PortalServer]) -> None:
    RESULTS.mkdir(exist_ok=True)
    for i, replica in enumerate(replicas, 1):
        shutil.copyfile(replica.log_path, RESULTS / f"replicas.replica{i}.log")
    access = tmp / "nginx" / "access.log"
    if access.exists():
        shutil.copyfile(access, RESULTS / "replicas.nginx-access.log")


class Cluster:
    def __init__(self, proxy: NginxProxy, replicas: list[PortalServer], browser) -> None:
        self.proxy = proxy
        self.replicas = replicas
        self.browser = browser
        self.database_url = replicas[0].database_url
        self.contexts = []

    def open(self, replica: str | None = None) -> App:
        """A new browser (own cookies) on the proxy, pinned to ``replica`` (r1 / r2) if given."""
        context = self.browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                           viewport={"width": 1366, "height": 900})
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        self.contexts.append(context)
        if replica:
            self.pin(context, replica)
        app = App(context.new_page(), self.proxy.url, server_log=self.logs)
        app.goto("")
        return app

    def pin(self, context, replica: str) -> None:
        """Set the stickiness cookie, as nginx would after that replica answered."""
        context.add_cookies([{"name": "portal_replica", "value": replica, "url": self.proxy.url}])

    def goto_on(self, app: App, replica: str, path: str = "") -> None:
        """Load a page through the proxy on ``replica``; asserts nginx really sent it there."""
        self.pin(app.page.context, replica)
        mark = self.proxy.log_position()
        app.goto(path)
        served = self.proxy.served_since(mark, "/_stcore/host-config")
        assert served and set(served) == {replica}, f"expected {replica}, nginx says {served}"

    def create_user(self, **fields):
        return self.replicas[0].create_user(**fields)

    def logs(self) -> str:
        return "\n".join(r.output for r in self.replicas)

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


@pytest.fixture
def c(cluster, request):
    yield cluster
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        RESULTS.mkdir(exist_ok=True)
        for i, context in enumerate(cluster.contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(RESULTS / f"replicas.{request.node.name}.{i}.{j}.png"), full_page=True)
                except Exception as exc:  # keep the original failure visible
                    print(f"screenshot failed: {exc}")
    cluster.close()


def test_sign_in_holds_on_the_other_replica(c):
    c.create_user(name="複製 一郎", email="ichiro@example.com", password=PASSWORD, department="営業部")
    app = c.open("r1")
    app.sign_in("ichiro@example.com", PASSWORD)
    expect(app.title()).to_have_text(re.compile("^コース"))

    # the next page load goes to replica 2: still signed in (the session is in the database)
    c.goto_on(app, "r2")
    app.expect_signed_in(re.compile("複製 一郎"))
    expect(app.title()).to_have_text(re.compile("^コース"))
    # and back, without the stickiness cookie at all: nginx picks one, the sign-in holds
    app.page.context.clear_cookies(name="portal_replica")
    app.goto("")
    app.expect_signed_in(re.compile("複製 一郎"))


def test_wrong_passwords_spread_over_both_replicas_lock_the_account(c):
    c.create_user(name="複製 二郎", email="jiro@example.com", password=PASSWORD, department="営業部")
    app = c.open()
    error = app.main.get_by_test_id("stAlertContentError")
    for n, replica in enumerate(["r1", "r2", "r1", "r2", "r1"], 1):
        c.goto_on(app, replica)
        app.sign_in("jiro@example.com", f"{WRONG}{n}", success=False)
        expect(error).to_be_visible()
    expect(error).to_contain_text(LOCKED)
    # the right password is refused on either replica while the lock holds
    for replica in ("r2", "r1"):
        c.goto_on(app, replica)
        app.sign_in("jiro@example.com", PASSWORD, success=False)
        expect(error).to_contain_text(LOCKED)
        expect(app.page.get_by_test_id("stSidebar")).to_have_count(0)


def test_sandbox_quota_used_on_one_replica_counts_on_the_other(c):
    c.create_user(name="複製 三郎", email="saburo@example.com", password=PASSWORD, department="営業部")
    app = c.open("r1")
    app.sign_in("saburo@example.com", PASSWORD)
    app.nav("チャット")
    app.chat(f"{PROMPT_MARK}: 大規模言語モデルとは何ですか?")
    expect(app.main.get_by_text("本日の残り: リクエスト 1 / 2 回", exact=False)).to_be_visible()

    c.goto_on(app, "r2", "sandbox")
    expect(app.main.get_by_text("本日の残り: リクエスト 1 / 2 回", exact=False)).to_be_visible()
    app.chat(f"{PROMPT_MARK}: トークンとは何ですか?")
    expect(app.main.get_by_test_id("stChatMessage")).to_have_count(2)  # the second answer came
    exhausted = app.main.get_by_text("本日のサンドボックスの利用上限(リクエスト 2 回)に達しました", exact=False)
    expect(exhausted).to_be_visible()

    # back on replica 1 the day's quota is used up too
    c.goto_on(app, "r1", "sandbox")
    expect(exhausted).to_be_visible()


def _graded(database_url: str, user_id: int, quiz_id: str) -> list[QuizAttempt]:
    with session_scope(database_url) as session:
        return list(session.scalars(select(QuizAttempt).where(
            QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id, QuizAttempt.status != "in_progress")))


def test_a_quiz_submitted_through_both_replicas_is_recorded_once(c):
    learner = c.create_user(name="複製 四郎", email="shiro@example.com", password=PASSWORD, department="営業部")
    quiz = quiz_file("01-what-is-llm.yaml")
    first = c.open("r1")
    first.sign_in("shiro@example.com", PASSWORD)
    second = c.open("r2")
    second.sign_in("shiro@example.com", PASSWORD)

    for app in (first, second):
        _open_quiz(app, quiz)
    first.click("クイズを始める")
    _, drawn = open_attempt(c.database_url, learner.id, quiz)
    second.goto("")  # the second browser picks up the same attempt (it lives in the database)
    _open_quiz(second, quiz)
    for app in (first, second):
        answer_all(app, quiz, drawn, right=True)
    first.click("採点する")
    expect(first.main.get_by_text(re.compile("^合格です"))).to_be_visible()
    second.click("採点する")
    expect(second.main.get_by_text(re.compile("^この回答は別の画面ですでに採点されていた"))).to_be_visible()
    expect(second.main.get_by_text(re.compile("^合格です"))).to_be_visible()
    assert len(_graded(c.database_url, learner.id, quiz.id)) == 1


def _open_quiz(app: App, quiz) -> None:
    card = app.block(app.page.get_by_text(re.compile(r"^1\. ")), app.page.get_by_role("button", name="開く"))
    app.click("開く", within=card)
    app.follow("確認クイズに進む")
    expect(app.title()).to_have_text(quiz.meta.title)


def _in_a_quiz(c, name: str, email: str, replica: str):
    """A new learner signed in on ``replica`` with lesson 1's quiz started: (app, learner, quiz,
    attempt id, drawn question ids)."""
    learner = c.create_user(name=name, email=email, password=PASSWORD, department="営業部")
    quiz = quiz_file("01-what-is-llm.yaml")
    app = c.open(replica)
    app.sign_in(email, PASSWORD)
    _open_quiz(app, quiz)
    app.click("クイズを始める")
    attempt_id, drawn = open_attempt(c.database_url, learner.id, quiz)
    return app, learner, quiz, attempt_id, drawn


def test_a_proxy_that_drops_the_websocket_is_reconnected_to(c):
    """nginx goes away mid-quiz and comes back: the page shows Streamlit's reconnecting state,
    reconnects by itself, and the quiz goes on (the answers typed before are still there)."""
    app, learner, quiz, _, drawn = _in_a_quiz(c, "複製 六郎", "rokuro@example.com", "r2")
    answer_all(app, quiz, drawn, right=True)
    connection = app.page.locator("[data-testid='stApp']")
    c.proxy.stop()
    expect(connection).not_to_have_attribute("data-test-connection-state", "CONNECTED")
    c.proxy = c.proxy.restart()
    expect(connection).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=60_000)
    app.wait_idle()
    app.click("採点する")
    expect(app.main.get_by_text(re.compile("^合格です"))).to_be_visible()
    assert len(_graded(c.database_url, learner.id, quiz.id)) == 1


def test_a_replica_that_stops_mid_session_loses_nothing(c):
    """Last in this module: it stops replica 1."""
    app, learner, quiz, attempt_id, drawn = _in_a_quiz(c, "複製 五郎", "goro@example.com", "r1")
    answer_all(app, quiz, drawn[:1], right=True)
    app.click("途中で保存")

    c.replicas[0].stop()  # replica 1 goes away while the learner is in the middle of the quiz
    expect(app.page.locator("[data-testid='stApp']")).not_to_have_attribute(
        "data-test-connection-state", "CONNECTED")
    mark = c.proxy.log_position()
    app.goto("")  # the learner reloads: nginx fails over to replica 2
    assert set(c.proxy.served_since(mark, "/_stcore/host-config")) == {"r2"}
    app.expect_signed_in(re.compile("複製 五郎"))
    _open_quiz(app, quiz)
    again, drawn_again = open_attempt(c.database_url, learner.id, quiz)
    assert (again, drawn_again) == (attempt_id, drawn)  # the same attempt, the same questions
    expect(app.main.get_by_text("途中まで回答したクイズを再開しています。")).to_be_visible()
    answer_all(app, quiz, drawn, right=True)
    app.click("採点する")
    expect(app.main.get_by_text(re.compile("^合格です"))).to_be_visible()
    assert len(_graded(c.database_url, learner.id, quiz.id)) == 1


def test_replica_logs_are_json_lines_without_passwords_or_prompts(c):
    """After the journeys above: every line each replica logged is one JSON object naming that
    replica; no line holds a password or a prompt typed in the journeys."""
    for i, replica in enumerate(c.replicas, 1):
        events = []
        for line in replica.output.splitlines():
            if BANNER.search(line):
                continue
            event = json.loads(line)  # raises on a line that is not JSON
            assert {"time", "level", "logger", "message", "replica"} <= event.keys(), line
            events.append(event)
        assert events, f"replica {i} logged nothing"
        assert {e["replica"] for e in events} == {f"replica{i}"}
    text = c.logs()
    for secret in (PASSWORD, WRONG, PROMPT_MARK, "大規模言語モデルとは何ですか"):
        assert secret not in text, f"{secret!r} reached a replica's log"
