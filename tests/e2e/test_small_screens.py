"""Journey 13: a small laptop (1280×720) and a 640-px-wide window (what a 1280-px screen shows at
200 % zoom): the lesson text, the sandbox's checklist and the dashboard fit the width (no
horizontal scrolling, nothing cut off at the right edge), the charts keep their titles, and each
page is saved as a screenshot in test-results/screens/ (a CI artefact, looked at by a person).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import RESULTS
from e2e.harness import REPO
from e2e.quiz_answers import complete_lesson_1
from e2e.streamlit_page import dataframe_rows
from portal.i18n import t
from portal.learning.content import load_course

ADMIN_PASSWORD = "Blue-river-42-sky"
PASSWORD = "Green-tea-2024-cup"
SCREENS = RESULTS / "screens"

# everything drawn in the page body: its right edge must stay inside the body (1 px rounding)
OVERFLOW_JS = """main => {
    const limit = main.getBoundingClientRect().right + 1;
    const cut = [];
    for (const e of main.querySelectorAll('p, li, h1, h2, h3, td, th, button, label, svg, canvas, img')) {
        const r = e.getBoundingClientRect();
        if (r.width && r.right > limit) cut.push(`${e.tagName} ${Math.round(r.right)} > ${Math.round(limit)}: ` +
                                                 (e.innerText || e.getAttribute('aria-label') || '').slice(0, 40));
    }
    const page = document.scrollingElement;
    return {cut, pageScrolls: page.scrollWidth > page.clientWidth + 1,
            bodyScrolls: main.scrollWidth > main.clientWidth + 1};
}"""


def _fits(app, name: str, width: int) -> None:
    app.wait_idle()
    found = app.main.evaluate(OVERFLOW_JS)
    SCREENS.mkdir(parents=True, exist_ok=True)
    # the page body scrolls inside the window, so a full-page screenshot shows one screenful:
    # for the artefact, make the window as tall as the body (same width, same layout), then back
    size = app.page.viewport_size
    tall = app.main.evaluate("e => Math.ceil(e.getBoundingClientRect().height) + 200")
    app.page.set_viewport_size({"width": size["width"], "height": max(size["height"], tall)})
    app.page.screenshot(path=str(SCREENS / f"{width}px-{name}.png"))
    app.page.set_viewport_size(size)
    assert not found["pageScrolls"] and not found["bodyScrolls"], (name, width, found)
    assert not found["cut"], (name, width, found["cut"][:10])


@pytest.mark.parametrize("viewport", [(1280, 720), (640, 900)], ids=["1280x720", "640px"])
def test_pages_fit_small_screens_and_high_zoom(portal, new_app, viewport):
    width = viewport[0]
    lesson = load_course(REPO / "content" / "ja").lessons[0]
    portal.create_user(name="管理 太郎", email="kanri@example.com", password=ADMIN_PASSWORD, role="admin",
                       department="人事部")
    learner = portal.create_user(name="学習 花子", email="hanako@example.com", password=PASSWORD, department="営業部")
    complete_lesson_1(portal.database_url, learner)
    app = new_app(portal, viewport=viewport)
    _fits(app, "sign-in", width)
    app.sign_in("kanri@example.com", ADMIN_PASSWORD)
    if width < 700:  # a narrow window starts with the sidebar folded away, over the page when open
        expect(app.sidebar).to_have_attribute("data-collapsed", "true")

    app.goto(f"lesson?id={lesson.id}")
    expect(app.title()).to_have_text(lesson.title)
    _fits(app, "lesson", width)

    app.goto("sandbox")
    app.chat("次のあて先に案内を送ってください。メールアドレス: tanaka.ichiro@example.co.jp")
    table = app.main.get_by_test_id("stDataFrame")
    # colour is not the only carrier: each highlighted number is listed with its category in words
    assert any(row.get("種類") == "メールアドレス" for row in dataframe_rows(table)), dataframe_rows(table)
    # ... and the highlight itself is followed by its number, category and judgement in words
    marker = app.main.get_by_text("①メールアドレス・要確認", exact=True)
    expect(marker).to_be_visible()
    _fits(app, "sandbox-checklist", width)

    app.goto("admin-dashboard")
    expect(app.title()).to_have_text(t("stats.title"))
    charts = app.main.get_by_test_id("stVegaLiteChart")
    expect(charts.first).to_be_visible()
    for name in (t("stats.overview.per_lesson"), t("stats.overview.heatmap")):
        # the title is drawn in the chart; the axes are announced with their titles
        expect(charts.filter(has_text=name)).to_have_count(1)
    expect(charts.first.locator("[role='graphics-symbol'][aria-label*='titled']").first).to_be_attached()
    _fits(app, "dashboard", width)
