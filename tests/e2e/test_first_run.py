"""Journey 1: the very first start. The operator reads the setup token in the server log, creates
the first administrator on 初期設定, and imports the employee CSV on 管理 > ユーザー管理."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from e2e.streamlit_page import dataframe_rows

ADMIN_PASSWORD = "Blue-river-42-sky"
EMPLOYEES = (
    "employee_id,name,email,department,role\n"
    "E100,山田 一郎,ichiro.yamada@example.com,営業部,learner\n"
    "E101,佐藤 花子,hanako.sato@example.com,総務部,learner\n"
    "E102,鈴木 次郎,not-an-email,開発部,learner\n"  # line 4: rejected, reported with its number
)


def test_first_admin_then_employee_csv_import(portal, app, new_app, tmp_path):
    # nobody is set up yet: the sign-in page, and the token in the server log after that first load
    expect(app.title()).to_have_text("AI リテラシーポータル")
    token = portal.setup_token()

    app.goto("setup")
    expect(app.title()).to_have_text("初期設定:最初の管理者を作成")
    app.fill("セットアップ用トークン(サーバーログに表示)", "not-the-token")
    app.fill("氏名", "管理 太郎")
    app.fill("メールアドレス", "kanri@example.com")
    app.fill("パスワード", ADMIN_PASSWORD)
    app.fill("パスワード(確認)", ADMIN_PASSWORD)
    app.click("管理者を作成")
    expect(app.main.get_by_text("セットアップ用トークンが正しくないか")).to_be_visible()

    app.fill("セットアップ用トークン(サーバーログに表示)", token)
    app.fill("パスワード", ADMIN_PASSWORD)
    app.fill("パスワード(確認)", ADMIN_PASSWORD)
    app.click("管理者を作成")
    app.expect_signed_in("管理 太郎 さん(管理者)")
    expect(app.sidebar.get_by_role("link", name="ユーザー管理")).to_be_visible()

    # 管理 > ユーザー管理 > CSV一括登録
    app.nav("ユーザー管理")
    expect(app.title()).to_have_text("ユーザー管理")
    panel = app.tab("CSV一括登録")
    file = tmp_path / "社員一覧.csv"
    file.write_text(EMPLOYEES, encoding="utf-8-sig")  # as Excel's "CSV UTF-8" saves it
    app.upload(str(file), within=panel)
    app.click("取り込む", within=panel)

    expect(panel.get_by_text("取り込み完了: 作成 2 件、更新 0 件、変更なし 0 件、エラー 1 件")).to_be_visible()
    expect(panel.get_by_text("社員一覧.csv の次の行は取り込みませんでした")).to_be_visible()
    errors = dataframe_rows(panel.get_by_test_id("stDataFrame"))
    assert len(errors) == 1
    assert errors[0]["行"] == "4"
    assert "メールアドレスの形式が正しくありません" in errors[0]["理由"]
    assert "not-an-email" in errors[0]["理由"]

    # new employees have no password: setup codes, offered once, let them sign in and choose one
    expect(panel.get_by_text("パスワード未設定のアカウント: 2 件")).to_be_visible()
    app.click("2 件にセットアップコードを発行", within=panel)
    download = app.download("セットアップコード一覧をダウンロード", within=panel)
    rows = list(csv.DictReader(io.StringIO(download.path().read_bytes().decode("utf-8-sig"))))
    assert sorted(r["email"] for r in rows) == ["hanako.sato@example.com", "ichiro.yamada@example.com"]

    # the list tab now holds the imported employees, and not the rejected row
    listed = dataframe_rows(app.tab("一覧と編集").get_by_test_id("stDataFrame"))
    assert {r["メール"] for r in listed} == {"kanri@example.com", "ichiro.yamada@example.com", "hanako.sato@example.com"}
    assert not any("鈴木" in r["氏名"] for r in listed)

    ichiro = next(r for r in rows if r["email"] == "ichiro.yamada@example.com")
    employee = new_app(portal)
    employee.sign_in("E100", ichiro["setup_code"])  # the employee id works as the login name
    expect(employee.title()).to_have_text("パスワード変更")
    expect(employee.main.get_by_text("セットアップコードでサインインしています")).to_be_visible()
    employee.fill("現在のパスワード(またはセットアップコード)", ichiro["setup_code"])
    employee.fill("新しいパスワード", "Green-field-73-sun")
    employee.fill("新しいパスワード(確認)", "Green-field-73-sun")
    employee.click("変更する")
    expect(employee.sidebar.get_by_role("link", name="用語集")).to_be_visible()  # the whole course is open now
    # the code is used up: signing in with it again fails
    again = new_app(portal)
    again.sign_in("E100", ichiro["setup_code"], success=False)
    expect(again.title()).to_have_text("AI リテラシーポータル")
