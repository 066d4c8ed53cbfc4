"""CSV for Japanese Excel (UTF-8 with BOM) and the presentation of statistics tables."""

import io
from datetime import datetime, timezone

import pandas as pd

from portal.db import session_scope
from portal.stats.exports import csv_bytes, present
from portal.stats.filters import CourseShape, StatsFilter
from portal.stats.people import people


def read_back(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def test_csv_has_a_bom_and_round_trips_japanese_text():
    frame = pd.DataFrame({"氏名": ["山田 太郎", "髙橋 﨑子"], "部署": ["営業部", "情報システム部"], "修了率(%)": [95.5, 0.0]})
    data = csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel detects UTF-8 only with the BOM
    back = read_back(data)
    assert list(back.columns) == ["氏名", "部署", "修了率(%)"]
    assert back["氏名"].tolist() == ["山田 太郎", "髙橋 﨑子"]
    assert back["修了率(%)"].tolist() == [95.5, 0.0]


def test_csv_defuses_formulas_but_keeps_numbers():
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+81 3", "@SUM(A1)", "普通の名前"], "n": [-1, 2, 3, 4]})
    back = read_back(csv_bytes(frame))
    assert back["name"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+81 3", "'@SUM(A1)", "普通の名前"]
    assert back["n"].tolist() == [-1, 2, 3, 4]
    assert read_back(csv_bytes(frame, neutralize_formulas=False))["name"][0].startswith("=")


def test_people_table_exports_with_japanese_headers_and_labels(org):
    with session_scope(org.url) as s:
        table = people(s, org.admin, org.course, org.quizzes, StatsFilter())
    shape = CourseShape.of(org.course, org.quizzes)
    shown = present(table, shape, drop=("user_id",))
    back = read_back(csv_bytes(shown))
    assert list(back.columns[:6]) == ["社員番号", "氏名", "メールアドレス", "部署", "表示言語", "修了レッスン数"]
    assert "01 状態" in back.columns and "01 最高点(%)" in back.columns and "02 状態" in back.columns
    row = back.set_index("社員番号").loc["E-L2"]
    assert row["氏名"] == "社員 L2" and row["部署"] == "営業部"
    assert row["表示言語"] == "日本語"  # never chose: the default language
    assert row["01 状態"] == "クイズ未合格" and row["02 状態"] == "未着手"
    assert float(row["01 最高点(%)"]) == 33.3 and row["02 最高点(%)"] == ""
    assert float(row["進捗(%)"]) == 0.0


def test_present_shows_japan_time_and_labels_codes():
    frame = pd.DataFrame({
        "submitted_at": [datetime(2026, 3, 5, 16, 0, tzinfo=timezone.utc)],
        "passed": [True],
        "due_status": ["overdue"],
        "action": ["sent_anyway"],
        "category": ["MY_NUMBER"],
        "flags": [["negative_discrimination", "very_hard"]],
        "department": [""],
        "discrimination": [0.123456],
    })
    shown = present(frame).iloc[0]
    assert shown["提出日時"] == "2026-03-06 01:00"  # JST
    assert shown["合格"] == "合格"
    assert shown["期限の状況"] == "期限超過"
    assert shown["受講者の対応"] == "そのまま送信"
    assert shown["情報の種類"] == "マイナンバー"
    assert shown["要確認"] == "識別度がマイナス(正解・選択肢を確認)・難しすぎる可能性"
    assert shown["部署"] == "(部署なし)"
    assert shown["識別度 D"] == 0.12


def test_every_column_of_every_table_has_a_japanese_header(org):
    from portal.stats.dashboard import whole_dashboard

    with session_scope(org.url) as s:
        d = whole_dashboard(s, org.admin, org.course, org.quizzes, StatsFilter())
        from portal.stats.people import learner_detail

        detail = learner_detail(s, org.admin, org.users["L1"].id, org.course, org.quizzes)
    shape = CourseShape.of(org.course, org.quizzes)
    frames = [
        d.overview.active, d.overview.per_lesson, d.overview.heatmap, d.overview.departments,
        d.due.attention, d.due.due_dates, d.people, d.quizzes.summary, d.quizzes.score_distribution,
        d.quizzes.attempts_to_pass, d.quizzes.questions, d.quizzes.options, d.sandbox.by_period,
        d.sandbox.by_department, d.sandbox.by_kind, d.sandbox.ratings, d.sandbox.risks, d.sandbox.actions,
        d.sandbox.quota, detail.lessons, detail.attempts, detail.sandbox, detail.risks, detail.timeline,
    ]
    for frame in frames:
        for column in present(frame, shape).columns:
            assert not column.isascii() or column in ("ID",), f"no Japanese header for {column!r}"


def test_missing_times_stay_empty():
    frame = pd.DataFrame({"last_activity": pd.to_datetime([datetime(2026, 3, 5, 16, tzinfo=timezone.utc), None],
                                                          utc=True)})
    back = read_back(csv_bytes(present(frame)))
    assert back["最終学習日時"].tolist() == ["2026-03-06 01:00", ""]
