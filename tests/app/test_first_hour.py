"""The first hour on an empty portal (AppTest): the first admin right after the setup, with no
learners, no attempts and no sandbox use, and a new learner with nothing done yet. Every empty
table, chart or list says what it means and what to do next, in Japanese."""

from __future__ import annotations

from support.apptest import goto

from portal.i18n import t
from portal.ui.pages import not_found

ADMIN = "admin@example.com"
DASHBOARD_TABS = ["概要", "期限", "受講者", "クイズ分析", "サンドボックス", "エクスポート"]
IMPORT_LINK = "ユーザー管理で社員CSVを取り込む"


def first_admin(portal):
    portal.user(email=ADMIN, role="admin", name="管理 太郎", department="人事部")
    return portal.signed_in(ADMIN)


def texts(at) -> str:
    return "\n".join(str(e.value) for e in [*at.info, *at.warning, *at.caption, *at.markdown, *at.success])


def test_every_dashboard_tab_of_an_empty_portal_points_to_the_csv_import(portal):
    at = first_admin(portal)
    for tab in DASHBOARD_TABS:
        at.session_state["dash_tab"] = tab
        goto(at, "admin-dashboard")
        assert not at.exception and not at.error, (tab, at.exception, [e.value for e in at.error])
        assert t("stats.empty.no_learners") in [i.value for i in at.info], tab
        # the hint is a link to the page that fixes it, not only words
        links = [link for link in at.get("page_link") if link.proto.label == IMPORT_LINK]
        assert links, tab
        assert not at.get("vega_lite_chart"), tab  # no empty chart frames


def test_users_page_with_only_the_first_admin_says_how_to_add_learners(portal):
    at = first_admin(portal)
    goto(at, "admin-users")
    assert not at.exception
    hint = next(i.value for i in at.info if "まだ受講者がいません" in i.value)
    assert "「CSV一括登録」タブ" in hint
    table = at.dataframe[0].value
    assert list(table["役割"]) == ["管理者"]  # a word, not the code "admin"
    assert table["最終サインイン"].iloc[0].count(":") == 1  # Japan time to the minute, no "+00:00"


def test_users_page_hint_goes_once_a_learner_exists(portal):
    portal.user()
    at = first_admin(portal)
    goto(at, "admin-users")
    assert not any("まだ受講者がいません" in i.value for i in at.info)
    assert sorted(at.dataframe[0].value["役割"]) == ["受講者", "管理者"]


def test_dashboard_with_learners_but_no_activity_says_what_fills_each_tab(portal):
    portal.user()
    at = first_admin(portal)
    expected = {"クイズ分析": "受講者が確認クイズを提出すると", "サンドボックス": "プロンプトを送信すると"}
    for tab, next_step in expected.items():
        at.session_state["dash_tab"] = tab
        goto(at, "admin-dashboard")
        assert not at.exception
        assert any(next_step in i.value and "期間" in i.value for i in at.info), (tab, [i.value for i in at.info])
        assert not [link for link in at.get("page_link") if link.proto.label == IMPORT_LINK], tab
    at.session_state["dash_tab"] = "概要"
    goto(at, "admin-dashboard")
    assert "受講者がレッスンを読んだりクイズを提出したりすると" in texts(at)


def test_a_new_learner_s_results_page_points_to_the_course(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "results")
    assert not at.exception
    assert any("まだクイズを受けていません" in i.value for i in at.info)
    link = next(link for link in at.get("page_link") if link.proto.label == t("results.go_course"))
    assert link.proto.page == ""  # the course: the default page, served at "/"
    assert "修了証(PDF)をダウンロードできます" in texts(at)


def test_the_quiz_picker_speaks_japanese(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "quiz")
    picker = at.selectbox[0]
    assert picker.value is None
    assert picker.proto.placeholder == t("quiz.pick.placeholder")
    assert "Choose" not in picker.proto.placeholder


def test_unknown_paths_are_explained_by_who_asks():
    """The catch-all page's reasons, over the paths the navigation really builds (the browser
    journey 14 checks the page itself)."""
    import json

    from streamlit.testing.v1 import AppTest

    from portal.accounts.roles import CurrentUser

    def script() -> None:  # st.Page needs a script run
        import streamlit as st

        from portal.ui import navigation

        found = navigation.portal_paths()
        st.json({"signed_in": sorted(found.signed_in), "admin": sorted(found.admin)})

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception, at.exception
    shown = json.loads(at.json[0].value)
    built = not_found.PortalPaths(signed_in=frozenset(shown["signed_in"]), admin=frozenset(shown["admin"]))
    assert {"admin-dashboard", "admin-users", "admin-policy"} <= built.admin
    assert {"course", "lesson", "quiz", "results", "glossary", "sandbox", "password"} <= built.signed_in

    learner = CurrentUser(id=2, name="学習 花子", email="h@example.com", department="営業部", role="learner")
    admin = CurrentUser(id=1, name="管理 太郎", email="a@example.com", department="人事部", role="admin")
    fresh = CurrentUser(id=3, name="新人", email="n@example.com", department="", role="learner",
                        must_change_password=True)
    assert not_found.reason("course", None, built) == "sign_in"
    assert not_found.reason("admin-dashboard", None, built) == "sign_in"
    assert not_found.reason("nosuchpage", None, built) == "unknown"
    assert not_found.reason("admin-users", learner, built) == "admin_only"
    assert not_found.reason("admin-users", admin, built) == "unknown"  # (an admin has it: never asked)
    assert not_found.reason("login", learner, built) == "signed_in"
    assert not_found.reason("lesson", fresh, built) == "password_first"
    assert not_found.reason("nosuchpage", learner, built) == "unknown"


def test_an_old_quiz_link_says_so_and_offers_the_list(portal):
    portal.user()
    at = portal.signed_in()
    goto(at, "quiz", id="q99-gone")
    assert not at.exception
    assert at.warning[0].value == "クイズ「q99-gone」は見つかりませんでした(古いリンクかもしれません)。下の一覧から選んでください。"
    assert at.selectbox[0].options  # the quizzes to choose from
