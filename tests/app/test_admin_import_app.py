"""管理 > ユーザー管理: the employee CSV import with its report, then setup codes for the new
accounts, and an employee's first sign-in with one (AppTest, the real app script)."""

import csv
import io

from support.apptest import goto

CSV = (
    "employee_id,name,email,department,role\r\n"
    'E1,"山田 ""タロウ"" 太郎",yamada@example.com,"営業部, 第一課",learner\r\n'
    "E2,佐藤 花子,sato@example.com,総務部,learner\r\n"
    "E3,,nobody@example.com,総務部,learner\r\n"
).encode("cp932")


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_import_report_then_setup_codes_then_first_sign_in_with_a_code(portal):
    portal.user(email="admin@example.com", role="admin", name="管理 太郎")
    at = portal.signed_in("admin@example.com")
    goto(at, "admin-users")
    at.file_uploader[0].set_value(("社員.csv", CSV, "text/csv")).run()
    button(at, "取り込む").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "取り込み完了: 作成 2 件、更新 0 件、変更なし 0 件、エラー 1 件"
    (reasons,) = [df.value.to_dict("records") for df in at.dataframe if "理由" in df.value.columns]
    assert reasons == [{"行": 4, "理由": "氏名(name)が空です"}]
    assert any("パスワード未設定のアカウント: 2 件" in i.value for i in at.info)

    button(at, "2 件にセットアップコードを発行").click().run()
    assert not at.exception, at.exception
    assert any("2 件のセットアップコードを発行しました" in w.value for w in at.warning)
    assert any(d.proto.label == "セットアップコード一覧をダウンロード" for d in at.get("download_button"))
    count, data = at.session_state["setup_codes_csv"]  # what the download button serves
    rows = {r["employee_id"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert count == 2 and set(rows) == {"E1", "E2"}
    assert rows["E1"]["name"] == '山田 "タロウ" 太郎' and rows["E1"]["email"] == "yamada@example.com"

    learner = portal.signed_in("E1", rows["E1"]["setup_code"])
    assert learner.title[0].value == "パスワード変更"  # choosing a password comes first
    assert not portal.signed_in("E1", "wrong-code").title[0].value == "パスワード変更"
