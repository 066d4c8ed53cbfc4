"""Reminder e-mails against a real SMTP server (aiosmtpd, STARTTLS and a password): who gets
which mail, what it says, once per rule and day, and what happens when the server refuses a
recipient, drops the connection, is down, or refuses the password."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import cli
from portal.accounts.roles import PermissionDenied
from portal.db import session_scope
from portal.db.models import ReminderSend
from portal.reminders.schedule import ReminderError, Schedule, get_schedule, set_schedule
from portal.reminders.service import Planned, compose, plan, rule_for, send_reminders

from support.mailkit import TODAY, free_port, smtp_settings


def run(org, smtp, tls_files, today=TODAY, **over):
    port = over.pop("port", smtp.port if smtp is not None else None)
    settings = smtp_settings(org.url, port, tls_files[0], **over)
    return send_reminders(org.admin, org.course, org.quizzes, database_url=org.url, today=today, settings=settings)


def recorded(org) -> list[tuple[str, str, str]]:
    with session_scope(org.url) as s:
        return sorted((r.email, r.rule, r.status) for r in s.scalars(select(ReminderSend)))


def test_each_late_learner_gets_one_japanese_mail_and_a_second_run_sends_nothing(org, smtp, tls_files):
    report = run(org, smtp, tls_files)
    assert report.ok
    assert smtp.recipients == ["d1@example.co.jp", "g1@example.co.jp", "s1@example.co.jp"]  # not S2 (completed)
    mails = {str(m["To"].addresses[0].addr_spec): m for m in smtp.messages}
    before = mails["s1@example.co.jp"]
    assert str(before["Subject"]) == "【AI リテラシーポータル】受講期限まであと 7 日です(2026年3月17日)"
    assert before["To"].addresses[0].display_name == "山田 太郎"
    body = before.get_content()
    assert body.startswith("山田 太郎 さん") and "2 レッスン中 0 レッスン修了" in body
    assert "https://portal.example.co.jp" in body
    assert str(mails["d1@example.co.jp"]["Subject"]) == "【AI リテラシーポータル】受講期限は本日(2026年3月10日)です"
    assert "2 レッスン中 1 レッスン修了" in mails["d1@example.co.jp"].get_content()
    assert str(mails["g1@example.co.jp"]["Subject"]) == "【AI リテラシーポータル】受講期限(2026年3月3日)を 7 日過ぎています"
    assert recorded(org) == [("d1@example.co.jp", "due", "sent"), ("g1@example.co.jp", "overdue", "sent"),
                             ("s1@example.co.jp", "before:7", "sent")]
    assert [reason for _, reason in report.skipped] == [
        "田中 三郎 さんにはメールアドレスが登録されていないか、正しくありません(–)。送信しませんでした。"]

    again = run(org, smtp, tls_files)
    assert again.planned == [] and again.sent == []
    assert len(smtp.messages) == 3


def test_weekly_when_overdue_and_once_per_due_date_before_it(org, smtp, tls_files):
    def sent_on(day: int) -> list[tuple[str, str]]:
        return sorted((p.email, p.rule) for p in run(org, smtp, tls_files, today=TODAY + timedelta(days=day)).sent)

    assert sent_on(0) == [("d1@example.co.jp", "due"), ("g1@example.co.jp", "overdue"), ("s1@example.co.jp", "before:7")]
    assert sent_on(1) == [("d1@example.co.jp", "overdue")]  # D1's first day overdue
    for day in range(2, 7):
        assert sent_on(day) == [], day  # S1's before:7 went out once for this due date; nobody's week is up
    assert sent_on(7) == [("g1@example.co.jp", "overdue"), ("s1@example.co.jp", "due")]  # G1: a week after the last one
    assert sent_on(8) == [("d1@example.co.jp", "overdue"), ("s1@example.co.jp", "overdue")]


def test_the_tightest_before_rule_fires_once_even_when_runs_were_missed(org):
    with session_scope(org.url) as s:
        set_schedule(s, org.admin, [7, 3], on_due=False, overdue_weekly=False)
        planned, _ = plan(s, org.admin, org.course, org.quizzes, today=date(2026, 3, 15))  # 2 days before, no earlier run
    assert [(p.email, p.rule) for p in planned] == [("s1@example.co.jp", "before:3")]
    schedule = Schedule(before_days=(7, 3), on_due=True, overdue_weekly=False)
    assert [rule_for(schedule, d) for d in (8, 7, 4, 3, 1, 0, -1)] == [None, "before:7", "before:7", "before:3",
                                                                        "before:3", "due", None]


def test_a_refused_recipient_is_reported_and_the_others_still_get_theirs(org, smtp, tls_files):
    smtp.refuse = {"g1@example.co.jp"}
    report = run(org, smtp, tls_files)
    assert not report.ok and report.error is None
    assert smtp.recipients == ["d1@example.co.jp", "s1@example.co.jp"]
    [(failed, reason)] = report.failed
    assert failed.email == "g1@example.co.jp"
    assert reason.startswith("SMTP サーバーがこの宛先を受け付けませんでした(550 5.1.1 No such user here")
    assert ("g1@example.co.jp", "overdue", "sent") not in recorded(org)
    assert len(recorded(org)) == 2

    smtp.refuse = set()  # fixed: the next run sends only the one that failed
    assert [p.email for p in run(org, smtp, tls_files).sent] == ["g1@example.co.jp"]


def test_a_connection_dropped_mid_run_loses_one_message_and_the_rest_still_go(org, smtp, tls_files):
    smtp.drop = {"d1@example.co.jp"}  # the second mail of the run (due today)
    report = run(org, smtp, tls_files)
    assert [p.email for p, _ in report.failed] == ["d1@example.co.jp"]
    assert "接続が切れました" in report.failed[0][1]
    assert smtp.recipients == ["g1@example.co.jp", "s1@example.co.jp"]
    assert [e for e, _, _ in recorded(org)] == ["g1@example.co.jp", "s1@example.co.jp"]


def test_a_server_that_is_down_sends_and_records_nothing_and_the_next_run_catches_up(org, smtp, tls_files):
    report = run(org, None, tls_files, port=free_port())
    assert report.error.startswith("SMTP サーバー 127.0.0.1:")
    assert "に接続できません" in report.error and "PORTAL_SMTP_HOST" in report.error
    assert len(report.failed) == 3 and report.sent == []
    assert recorded(org) == []
    assert len(run(org, smtp, tls_files).sent) == 3


def test_a_wrong_smtp_password_is_a_clear_error_and_nothing_is_recorded(org, smtp, tls_files):
    report = run(org, smtp, tls_files, smtp_password="wrong")
    assert "ユーザー portal のログインを拒否しました" in report.error and "PORTAL_SMTP_PASSWORD" in report.error
    assert smtp.messages == [] and recorded(org) == []


def test_an_untrusted_server_certificate_is_refused(org, smtp, tls_files):
    report = run(org, smtp, tls_files, smtp_ca_file=None)  # the system CAs do not know the test server
    assert "暗号化接続に失敗しました" in report.error and "PORTAL_SMTP_CA_FILE" in report.error
    assert smtp.messages == [] and recorded(org) == []


def test_missing_smtp_settings_name_the_variables(org, tls_files):
    with pytest.raises(ReminderError, match="PORTAL_SMTP_HOST, PORTAL_SMTP_FROM"):
        run(org, None, tls_files, port=25, smtp_host=None, smtp_from=None)
    assert recorded(org) == []


def test_dry_run_lists_who_would_be_mailed_and_sends_nothing(org, smtp, tls_files, monkeypatch, capsys):
    for name, value in dict(PORTAL_DATABASE_URL=org.url, PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(smtp.port),
                            PORTAL_SMTP_USER="portal", PORTAL_SMTP_PASSWORD="right-password",
                            PORTAL_SMTP_FROM="portal@example.co.jp", PORTAL_SMTP_CA_FILE=str(tls_files[0])).items():
        monkeypatch.setenv(name, value)
    from portal.config import get_settings

    get_settings.cache_clear()
    monkeypatch.setenv("PORTAL_CONTENT_DIR", str(org.course.lessons[0].path.parent))
    monkeypatch.setenv("PORTAL_QUIZ_DIR", str(org.course.lessons[0].path.parent.parent / "quizzes"))
    get_settings.cache_clear()
    try:
        # the CLI runs on the real calendar: move the due dates so that today is 7 days before 営業部's
        from portal.localtime import today_local
        from portal.stats.due_dates import set_due_date

        with session_scope(org.url) as s:
            set_due_date(s, org.admin, today_local() + timedelta(days=7), "営業部")
            set_due_date(s, org.admin, today_local() + timedelta(days=30), "開発部")
            set_due_date(s, org.admin, today_local() + timedelta(days=30), "総務部")
        assert cli.main(["send-reminders", "--dry-run"]) == 0
        out = capsys.readouterr()
        assert "送信予定: 山田 太郎 <s1@example.co.jp> 期限の 7 日前" in out.out
        assert "送信予定 1 件" in out.out and "送信も記録もしていません" in out.out
        assert smtp.messages == [] and recorded(org) == []

        assert cli.main(["send-reminders"]) == 0
        assert "送信しました: 山田 太郎 <s1@example.co.jp>" in capsys.readouterr().out
        assert smtp.recipients == ["s1@example.co.jp"]
        assert cli.main(["send-reminders"]) == 0  # the same day again
        assert "今日送るリマインダーはありません" in capsys.readouterr().out
        assert len(smtp.messages) == 1

        monkeypatch.setenv("PORTAL_SMTP_PASSWORD", "wrong")
        get_settings.cache_clear()
        with session_scope(org.url) as s:
            set_due_date(s, org.admin, today_local(), "開発部")
        assert cli.main(["send-reminders"]) == 1
        assert "ログインを拒否しました" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_the_schedule_is_for_admins_and_bad_days_are_named(org):
    with session_scope(org.url) as s:
        with pytest.raises(PermissionDenied):
            set_schedule(s, org.users["S1"], [7], True, True)
        with pytest.raises(PermissionDenied):
            get_schedule(s, org.users["S1"])
        with pytest.raises(PermissionDenied):
            plan(s, org.users["S1"], org.course, org.quizzes, today=TODAY)
        for bad in (0, 91, "abc", -3):
            with pytest.raises(ReminderError, match=f"1 から 90 までの整数.*指定された値: {bad}"):
                set_schedule(s, org.admin, [bad], True, True)
        assert get_schedule(s, org.admin) == Schedule((7,), True, True)


def test_the_mail_is_in_the_learners_language():
    item = Planned(user_id=1, name="Jane Doe", email="jane@example.com", department="", lang="en", rule="before:7",
                   due_on=date(2026, 3, 17), days_left=7, done=1, total=2)
    settings = smtp_settings("sqlite://", 25, None)
    mail = compose(item, settings)
    assert str(mail["Subject"]) == "[AI Literacy Portal] 7 days left until your course due date (2026-03-17)"
    assert mail.get_content().startswith("Dear Jane Doe,")
