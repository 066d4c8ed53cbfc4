"""Journey 5: an admin follows progress on the dashboard and downloads the CSV export; a learner
who types an admin page's URL sees no admin data."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from e2e.quiz_answers import complete_lesson_1
from e2e.streamlit_page import dataframe_rows

ADMIN_PASSWORD = "Blue-river-42-sky"
PASSWORD = "Green-tea-2024-cup"
BOM = b"\xef\xbb\xbf"


def test_admin_sees_completion_and_exports_csv_learner_cannot_reach_admin_pages(portal, new_app):
    portal.create_user(name="管理 太郎", email="kanri@example.com", password=ADMIN_PASSWORD, role="admin",
                       department="人事部", employee_id="A001")
    hanako = portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD,
                                department="営業部", employee_id="E200")
    portal.create_user(name="未修 次郎", email="jiro@example.com", password=PASSWORD,
                       department="開発部", employee_id="E201")
    complete_lesson_1(portal.database_url, hanako)

    admin = new_app(portal)
    admin.sign_in("kanri@example.com", ADMIN_PASSWORD)
    admin.nav("ダッシュボード")
    expect(admin.title()).to_have_text("学習状況ダッシュボード")

    # 受講者: one row per learner, with the completed lesson
    people = admin.tab("受講者", reruns=True)
    rows = {row["氏名"]: row for row in dataframe_rows(people.get_by_test_id("stDataFrame").first)}
    assert set(rows) == {"学習 花子", "未修 次郎"}, rows  # learners only, not the admin
    assert rows["学習 花子"]["修了レッスン数"] == "1"
    assert rows["学習 花子"]["01 状態"] == "修了"
    assert rows["未修 次郎"]["修了レッスン数"] == "0"
    assert rows["未修 次郎"]["01 状態"] == "未着手"

    # エクスポート: the learners table as a CSV that Excel opens (UTF-8 with BOM), in Japanese
    exports = admin.tab("エクスポート", reruns=True)
    expect(exports.get_by_text("受講者一覧(レッスン別の状況・最高点)(2 行)", exact=True)).to_be_visible()
    row = admin.block(admin.page.get_by_text("受講者一覧(レッスン別の状況・最高点)(2 行)", exact=True),
                      admin.page.get_by_role("button", name="CSVをダウンロード"))
    download = admin.download("CSVをダウンロード", within=row)
    assert download.suggested_filename.endswith(".csv")
    data = download.path().read_bytes()
    assert data.startswith(BOM), data[:10]
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by_name = {r["氏名"]: r for r in table}
    assert set(by_name) == {"学習 花子", "未修 次郎"}
    assert by_name["学習 花子"]["部署"] == "営業部"
    assert by_name["学習 花子"]["01 状態"] == "修了"
    assert by_name["未修 次郎"]["01 状態"] == "未着手"

    # a learner typing the admin URLs: no admin page, no one else's data
    learner = new_app(portal)
    learner.sign_in("jiro@example.com", PASSWORD)
    expect(learner.sidebar.get_by_role("link", name="ダッシュボード")).to_have_count(0)
    expect(learner.sidebar.get_by_role("link", name="ユーザー管理")).to_have_count(0)
    for path in ("admin-dashboard", "admin-users"):
        learner.goto(path)
        expect(learner.title()).to_be_visible()
        shown = learner.page.locator("body").inner_text()
        assert "学習状況ダッシュボード" not in shown and "ユーザー管理" not in shown, (path, shown[:500])
        for secret in ("学習 花子", "hanako@example.com", "kanri@example.com", "E200"):
            assert secret not in shown, (path, secret)
        assert learner.page.get_by_test_id("stDataFrame").count() == 0
