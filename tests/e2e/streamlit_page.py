"""Driving a Streamlit page with Playwright without fixed sleeps.

Streamlit's own end-to-end tests wait for the app to be idle (``wait_for_app_run``): connected,
script not running, no skeleton. Right after a click, though, the page may still look idle
because the rerun request has not reached the server yet; Streamlit's helper covers that gap
with a short fixed wait. Here the gap is closed with a signal instead: every websocket frame
from the server is decoded (``ForwardMsg``), and an interaction waits for the
``script_finished`` message of the run it caused, then for the idle page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, WebSocket, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from portal.i18n import t

RUN_TIMEOUT_MS = 45_000
UNEXPECTED_ERROR = t("app.error.unexpected")
# a run that completed (or a fragment run); FINISHED_EARLY_FOR_RERUN is followed by another run
_DONE = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}


def run_finished(payload: bytes | str) -> bool:
    """True for the server's message that ends a script run."""
    if isinstance(payload, str):
        return False
    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload)
    except Exception:  # not a ForwardMsg: ignore
        return False
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished in _DONE


class App:
    """One browser tab on the portal, with Streamlit-aware waits and widget helpers."""

    def __init__(self, page: Page, base_url: str, server_log: Callable[[], str] | None = None,
                 lang: str = "ja") -> None:
        self.page = page
        self.lang = lang  # the language the app speaks to this browser (labels are looked up in it)
        self.base_url = base_url.rstrip("/")
        self.server_log = server_log or (lambda: "")
        self._ws: WebSocket | None = None
        self._recorders: list[list[ForwardMsg]] = []
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, ws: WebSocket) -> None:
        if ws.url.endswith("/_stcore/stream"):
            self._ws = ws
            ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload: bytes | str) -> None:
        if not self._recorders or isinstance(payload, str):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:
            return
        for frames in self._recorders:
            frames.append(msg)

    @contextmanager
    def recording(self) -> Iterator[list[ForwardMsg]]:
        """Collect every message the server sends meanwhile (to see *how* something arrived)."""
        frames: list[ForwardMsg] = []
        self._recorders.append(frames)
        try:
            yield frames
        finally:
            self._recorders.remove(frames)

    # ------------------------------------------------------------------ waiting

    def wait_idle(self, timeout: float = RUN_TIMEOUT_MS) -> None:
        """Connected, not running, nothing stale or loading, and no exception on the page."""
        app = self.page.locator("[data-testid='stApp']")
        expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
        expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
        expect(self.page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)
        expect(self.page.locator("[data-stale='true']")).to_have_count(0, timeout=timeout)
        self.assert_no_exception()

    def assert_no_exception(self) -> None:
        """Fail at once, with the server log, when the page shows a crash (a traceback element
        or the app's own "unexpected error" message) instead of waiting for a later timeout."""
        shown = self.page.get_by_test_id("stException").or_(self.page.get_by_text(UNEXPECTED_ERROR))
        if shown.count():
            raise AssertionError(
                f"the page shows an error:\n{shown.first.inner_text()}\n--- server log ---\n{self.server_log()[-6000:]}"
            )

    @contextmanager
    def rerun(self, timeout: float = RUN_TIMEOUT_MS) -> Iterator[None]:
        """Wrap an interaction that makes the script run: wait for that run to finish, then idle."""
        ws = self._ws
        if ws is None or ws.is_closed():
            yield
            self.wait_idle(timeout)
            return
        try:
            with ws.expect_event("framereceived", predicate=run_finished, timeout=timeout):
                yield
        except PlaywrightError as exc:
            # the run sent the browser to another URL (sign-in cookie handoff, sign-out): the old
            # connection closed before its last message; the new page is awaited below instead
            if not ws.is_closed() or isinstance(exc, PlaywrightTimeoutError):
                raise
        self.wait_idle(timeout)

    def goto(self, path: str = "") -> None:
        """Load a URL, as typing it in the address bar does: a new Streamlit session (a sign-in
        survives only through the app's session cookie)."""
        self.page.goto(f"{self.base_url}/{path.lstrip('/')}")
        self.wait_idle()
        expect(self.main).not_to_be_empty()

    # ------------------------------------------------------------------ regions

    @property
    def main(self) -> Locator:
        """The page body (``stMain`` holds it, or ``stAppScrollToBottomContainer`` on a chat page)."""
        return self.page.get_by_test_id("stMainBlockContainer")

    @property
    def sidebar(self) -> Locator:
        return self.page.get_by_test_id("stSidebar")

    def block(self, *has: Locator) -> Locator:
        """The innermost layout block (a bordered container, a row of columns, ...) holding all of
        ``has`` (page-rooted locators such as ``page.get_by_text(...)``, matched inside each block)."""
        found = self.main.locator("[data-testid='stVerticalBlock'], [data-testid='stHorizontalBlock']")
        for part in has:
            found = found.filter(has=part)
        return found.last

    def title(self) -> Locator:
        return self.main.locator("h1").first

    # ------------------------------------------------------------------ actions

    def click(self, name: str | re.Pattern[str], *, within: Locator | None = None, exact: bool = True) -> None:
        """Press a button (by its visible label) and wait for the run it causes."""
        scope = within if within is not None else self.main
        button = scope.get_by_role("button", name=name, exact=exact) if isinstance(name, str) else \
            scope.get_by_role("button", name=name)
        with self.rerun():
            button.click()

    def tab(self, name: str, *, reruns: bool = False) -> Locator:
        """Open a tab by its label and return its panel. ``reruns``: the tabs run the script on
        change (``st.tabs(on_change="rerun")``), so wait for that run."""
        tab = self.main.get_by_role("tab", name=name, exact=True)
        if reruns:
            with self.rerun():
                tab.click()
        else:
            tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        return self.main.get_by_role("tabpanel", name=name, exact=True)

    def nav(self, label: str) -> None:
        """Follow a sidebar navigation link (keeps the browser session, unlike goto)."""
        link = self.page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)
        with self.rerun():
            link.click()

    def follow(self, label: str, *, within: Locator | None = None) -> Locator:
        """Follow a link in the page (an st.page_link) from the keyboard: focus it, press Enter,
        wait for the run it causes. Returns the link (as found before the run)."""
        scope = within if within is not None else self.main
        link = scope.get_by_role("link", name=label, exact=True)
        link.focus()
        with self.rerun():
            link.press("Enter")
        return link

    def fill(self, label: str, value: str, *, within: Locator | None = None, submit: bool = False) -> None:
        """Type into a text input or area found by its label. With ``submit`` the value is
        committed (Enter / blur) and the rerun it causes is awaited."""
        scope = within if within is not None else self.main
        box = scope.get_by_label(label, exact=True)
        box.fill(value)
        if submit:
            with self.rerun():
                box.press("Tab")

    def upload(self, path: str, *, within: Locator | None = None) -> None:
        """Choose a file in the (only) file uploader of ``within`` and wait for the run it causes."""
        scope = within if within is not None else self.main
        with self.rerun():
            scope.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)
        expect(scope.get_by_text(Path(path).name, exact=True)).to_be_visible()

    def download(self, name: str, *, within: Locator | None = None):
        """Press a download button; returns Playwright's Download (``.path()``, ``.suggested_filename``)."""
        scope = within if within is not None else self.main
        with self.page.expect_download() as info:
            scope.get_by_role("button", name=name, exact=True).click()
        return info.value

    @property
    def chat_input(self) -> Locator:
        return self.page.get_by_test_id("stChatInputTextArea")

    def chat(self, prompt: str) -> None:
        """Type into the chat input at the bottom of the page and press Enter, as a learner does."""
        self.chat_input.fill(prompt)
        with self.rerun():
            self.chat_input.press("Enter")

    def sign_in(self, login: str, password: str, *, success: bool = True) -> None:
        """Sign in through the form. A successful sign-in may reload the page (the session cookie
        handoff): wait for the signed-in navigation to appear, then for the idle app."""
        self.fill(t("login.field.login", lang=self.lang), login)
        self.fill(t("login.field.password", lang=self.lang), password)
        self.click(t("login.submit", lang=self.lang))
        if success:
            self.expect_signed_in()

    def expect_signed_in(self, caption: str | re.Pattern[str] = re.compile("さん")) -> None:
        """The sidebar shows who is signed in ("<name> さん(<role>)"); then wait for idle."""
        expect(self.sidebar.get_by_text(caption)).to_be_visible()
        self.wait_idle()


def dataframe_rows(frame: Locator) -> list[dict[str, str]]:
    """The rows an ``st.dataframe`` shows, as {column header: cell text}.

    The grid is drawn on a canvas; its accessible table (what a screen reader reads) holds the
    header and the rendered rows, which is all of them for the small tables of these journeys."""
    table = frame.locator("table[role='grid']")
    expect(table).to_be_attached()
    header, *rows = table.evaluate(
        "t => [...t.rows].map(r => [...r.cells].map(c => (c.textContent || '').trim()))"
    )
    return [dict(zip(header, row)) for row in rows]


def markdown_updates(frames: list[ForwardMsg]) -> dict[tuple[int, ...], list[str]]:
    """Markdown element bodies sent during a recording, per element position (delta path), in
    the order they arrived. A streamed answer shows up as one position with a growing body."""
    bodies: dict[tuple[int, ...], list[str]] = {}
    for msg in frames:
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            continue
        element = msg.delta.new_element
        if element.WhichOneof("type") == "markdown":
            bodies.setdefault(tuple(msg.metadata.delta_path), []).append(element.markdown.body)
    return bodies


def streamed(frames: list[ForwardMsg], final_text: str) -> list[str]:
    """The successive versions of the element that ended up showing ``final_text`` (stripped)."""
    for versions in markdown_updates(frames).values():
        if versions and versions[-1].strip() == final_text.strip():
            return versions
    return []


# ------------------------------------------------------------------ keyboard only

# every style that can show where the focus is: outline, ring (box-shadow), border, background,
# text colour and underline of the element, its ancestors and (radio, checkbox) its label's parts
_FOCUS_STYLE_JS = """el => {
    const nodes = [];
    for (let e = el, i = 0; e && i < 4; e = e.parentElement, i++) nodes.push(e);
    const label = el.closest('label');
    if (label) nodes.push(label, ...label.querySelectorAll('*'));
    return nodes.map(n => {
        const s = getComputedStyle(n);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderTopColor,
                s.borderBottomColor, s.backgroundColor, s.color, s.textDecorationLine].join('|');
    }).join(';');
}"""
_DESCRIBE_JS = """el => (el.getAttribute('role') || el.tagName.toLowerCase()) + ' "' +
    (el.getAttribute('aria-label') || el.innerText || el.value || '').trim().slice(0, 40).replace(/\\s+/g, ' ') + '"'"""
_NO_TRANSITIONS = ("*, *::before, *::after { transition: none !important; animation: none !important; "
                   "caret-color: transparent !important; }")


class Keyboard:
    """Moves through a page with Tab / Shift+Tab only, as a keyboard user does, and checks on the
    way that the focus is always visible (each element looks different focused and unfocused:
    CSS transitions are switched off in the test browser, so the styles are compared at rest)
    and never trapped (a target is reached within ``limit`` presses)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.page = app.page
        self.path: list[str] = []

    def _prepare(self) -> None:
        if not self.page.evaluate("() => !!document.getElementById('kb-no-transitions')"):
            self.page.add_style_tag(content=_NO_TRANSITIONS)
            self.page.evaluate("() => { document.head.lastElementChild.id = 'kb-no-transitions'; }")

    def focused(self):
        """The focused element (a JSHandle), or None on the page body."""
        handle = self.page.evaluate_handle("() => document.activeElement")
        if self.page.evaluate("e => !e || e === document.body || e === document.documentElement", handle):
            return None
        return handle

    def describe(self, handle) -> str:
        return self.page.evaluate(_DESCRIBE_JS, handle)

    def press(self, key: str = "Tab") -> object:
        """Press Tab or Shift+Tab; assert the element left behind showed its focus. Returns the
        newly focused element (or None)."""
        assert key in ("Tab", "Shift+Tab"), key
        self._prepare()
        before = self.focused()
        focused_style = self.page.evaluate(_FOCUS_STYLE_JS, before) if before else None
        self.page.keyboard.press(key)
        if before is not None and self.page.evaluate("e => e.isConnected", before):
            resting_style = self.page.evaluate(_FOCUS_STYLE_JS, before)
            assert focused_style != resting_style, (
                f"no visible focus on {self.describe(before)} (it looks the same focused and not); "
                f"path so far: {self.path[-8:]}")
        now = self.focused()
        self.path.append(self.describe(now) if now else "(page)")
        return now

    def to(self, target: Locator, *, backwards: bool = False, limit: int = 120, on_stop=None) -> None:
        """Tab (or Shift+Tab) until ``target`` has the focus; ``on_stop(handle)`` is called at
        every stop on the way (to answer a question there, say)."""
        expect(target).to_be_visible()
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            if target.evaluate("e => e === document.activeElement"):
                self.check_visible_here(backwards)
                return
            now = self.press(key)
            if now is not None and on_stop is not None and not target.evaluate("e => e === document.activeElement"):
                on_stop(now)
        raise AssertionError(f"{target} not reached with {limit} × {key} (a focus trap?); last stops: {self.path[-15:]}")

    def check_visible_here(self, backwards: bool) -> None:
        """The element focused now shows it: compare it with itself after one step away and back
        (Shift+Tab then Tab, or the reverse)."""
        here = self.focused()
        assert here is not None
        self._prepare()
        focused_style = self.page.evaluate(_FOCUS_STYLE_JS, here)
        away, back = ("Tab", "Shift+Tab") if backwards else ("Shift+Tab", "Tab")
        self.page.keyboard.press(away)
        resting_style = self.page.evaluate(_FOCUS_STYLE_JS, here)
        self.page.keyboard.press(back)
        assert self.page.evaluate("e => e === document.activeElement", here), \
            f"{away} then {back} did not come back to {self.describe(here)}"
        assert focused_style != resting_style, f"no visible focus on {self.describe(here)}"

    def activate(self, key: str = "Enter") -> None:
        """Press Enter or Space on the focused element and wait for the run it causes."""
        assert key in ("Enter", "Space"), key
        with self.app.rerun():
            self.page.keyboard.press(key)
