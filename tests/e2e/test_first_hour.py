"""Journey 14: the first hour, where Streamlit's own screens used to show through. A mistyped or
old address, a page of another role, a sign-in page while signed in: each lands on a page of ours
that says in Japanese what happened and where to go (never Streamlit's English "Page not
found" dialog), and a new learner's empty results page points to the course."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.i18n import t

PASSWORD = "Green-tea-2024-cup"


def no_streamlit_dialog(app) -> None:
    app.wait_idle()
    expect(app.page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0)


def test_unknown_addresses_land_on_pages_of_ours(portal, app):
    portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD)

    # signed out: a mistyped address explains itself above the sign-in form
    app.goto("lesons")
    no_streamlit_dialog(app)
    expect(app.main.get_by_text(t("notfound.unknown.signed_out", path="/lesons"))).to_be_visible()
    expect(app.main.get_by_label(t("login.field.login"))).to_be_visible()
    # a page that needs a sign-in says so
    app.goto("admin-dashboard")
    no_streamlit_dialog(app)
    expect(app.main.get_by_text(t("notfound.sign_in", path="/admin-dashboard"))).to_be_visible()
    # the default pages' own paths are sent to "/" (Streamlit serves them only there)
    app.goto("course")
    no_streamlit_dialog(app)
    expect(app.title()).to_have_text("AI リテラシーポータル")
    assert app.page.url.rstrip("/") == app.base_url

    app.sign_in("hanako@example.com", PASSWORD)
    # a learner at an admin page: told it is for administrators, with the way back
    app.goto("admin-users")
    no_streamlit_dialog(app)
    expect(app.title()).to_have_text(t("notfound.title.admin_only"))
    expect(app.main.get_by_text(t("notfound.admin_only", path="/admin-users"))).to_be_visible()
    app.follow(t("notfound.home"))
    expect(app.title()).to_have_text(t("course.title"))
    # a mistyped address while signed in
    app.goto("glosary")
    no_streamlit_dialog(app)
    expect(app.title()).to_have_text(t("notfound.title.unknown"))
    # an old bookmark of the sign-in page: the course, no complaint
    app.goto("login")
    no_streamlit_dialog(app)
    expect(app.title()).to_have_text(t("course.title"))
    app.goto("course")
    no_streamlit_dialog(app)
    expect(app.title()).to_have_text(t("course.title"))

    # the first visit to 成績: what it will hold, and the link to the course
    app.nav("成績")
    expect(app.main.get_by_text(t("results.empty"))).to_be_visible()
    app.follow(t("results.go_course"))
    expect(app.title()).to_have_text(t("course.title"))
