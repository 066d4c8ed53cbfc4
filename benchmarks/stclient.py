"""A small client that speaks Streamlit's websocket protocol, as the browser's frontend does.

It opens ``/_stcore/stream`` (with the browser's cookies), asks for script runs with a
``BackMsg.rerun_script`` carrying the page, the query string and widget states, and reads the
``ForwardMsg`` replies until the run's ``script_finished``. The elements of the last run are
kept, so a test can find a button by its label and "press" it (a trigger value, as the frontend
sends), fill a form (string values with the submit trigger), or follow an ``st.page_link``.

Used by bench_concurrency.py to load a server with many learners without the CPU of a browser per
learner: what it measures is the server (and the socket), which is what a load test is after.
What it does not do: render anything, run components, upload files.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

_DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
         ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
_HANDOFF = re.compile(r"/auth/session\?code=([A-Za-z0-9_-]+)")


class ProtocolError(RuntimeError):
    pass


@dataclass
class Run:
    elements: list = field(default_factory=list)  # (delta path, Element) in arrival order
    seconds: float = 0.0
    messages: int = 0  # ForwardMsgs received for this run (each costs the server a wake-up)
    kinds: dict = field(default_factory=dict)  # ForwardMsg type (delta: its delta type) -> count

    def of_type(self, kind: str) -> list:
        return [e for _, e in self.elements if e.WhichOneof("type") == kind]

    def button(self, label: str):
        for element in self.of_type("button"):
            if element.button.label == label:
                return element.button
        raise ProtocolError(f"no button {label!r}; buttons: {[e.button.label for e in self.of_type('button')]}")

    def text_input(self, label: str):
        for element in self.of_type("text_input"):
            if element.text_input.label == label:
                return element.text_input
        raise ProtocolError(f"no text input {label!r}")

    def page_link(self, label: str):
        for element in self.of_type("page_link"):
            if element.page_link.label == label:
                return element.page_link
        raise ProtocolError(f"no page link {label!r}")

    def texts(self) -> str:
        out = []
        for _, e in self.elements:
            kind = e.WhichOneof("type")
            if kind == "markdown":
                out.append(e.markdown.body)
            elif kind == "alert":
                out.append(e.alert.body)
            elif kind == "html":
                out.append(e.html.body)
            elif kind == "exception":
                out.append("EXCEPTION " + e.exception.message)
        return "\n".join(out)


class Session:
    """One browser tab: a websocket, the current page and query string, the cookies."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.ws_url = "ws" + self.base_url[len("http"):] + "/_stcore/stream"
        self.cookies: dict[str, str] = {}
        self.page_hash = ""
        self.page_name = ""
        self.query = ""
        self.timeout = timeout
        self.ws = None
        self.last = Run()

    async def open(self, path: str = "") -> Run:
        """Load a URL (a new Streamlit session, as a page load is)."""
        await self.close()
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], additional_headers=headers,
                                           max_size=None, open_timeout=self.timeout)
        path, _, query = path.partition("?")
        self.page_hash, self.page_name, self.query = "", path.strip("/"), query
        return await self._rerun([])

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def _rerun(self, states: list[WidgetState], page_hash: str | None = None, query: str | None = None) -> Run:
        msg = BackMsg()
        client = msg.rerun_script
        client.query_string = self.query if query is None else query
        client.page_script_hash = self.page_hash if page_hash is None else page_hash
        client.page_name = self.page_name if not client.page_script_hash else ""
        client.widget_states.widgets.extend(states)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        run = Run()
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=self.timeout)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            run.messages += 1
            key = f"delta.{fwd.delta.WhichOneof('type')}" if kind == "delta" else kind
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                key = f"element.{fwd.delta.new_element.WhichOneof('type')}"
            run.kinds[key] = run.kinds.get(key, 0) + 1
            if kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash
                run = Run()  # a new run starts (after a rerun request or st.switch_page)
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                run.elements.append((tuple(fwd.metadata.delta_path), fwd.delta.new_element))
            elif kind == "script_finished" and fwd.script_finished in _DONE:
                run.seconds = time.perf_counter() - start
                self.last = run
                return run

    async def click(self, label: str, values: dict[str, str] | None = None) -> Run:
        """Press a button; ``values`` fills text inputs (by label) sent with it (a form)."""
        button = self.last.button(label)
        states = []
        for input_label, value in (values or {}).items():
            state = WidgetState(id=self.last.text_input(input_label).id)
            state.string_value = value
            states.append(state)
        trigger = WidgetState(id=button.id)
        trigger.trigger_value = True
        states.append(trigger)
        return await self._rerun(states)

    async def follow(self, label: str) -> Run:
        link = self.last.page_link(label)
        return await self._rerun([], page_hash=link.page_script_hash, query=link.query_string)

    async def follow_or_click(self, label: str) -> Run:
        """Follow a page link, or press the button of that label where the page has one instead
        (the bare baseline app has buttons where the portal has links)."""
        try:
            return await self.follow(label)
        except ProtocolError:
            return await self.click(label)

    async def handoff(self) -> Run | None:
        """After a sign-in, follow the app's redirect to /auth/session (it sets the session cookie
        and sends the browser home), as the browser does; None when there is none."""
        found = _HANDOFF.search(self.last.texts())
        if not found:
            return None
        cookie = await asyncio.to_thread(self._redeem, found.group(1))
        if cookie:
            self.cookies["portal_session"] = cookie
        return await self.open("")

    def _redeem(self, code: str) -> str | None:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(f"{self.base_url}/auth/session?code={urllib.parse.quote(code)}")
        try:
            response = opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:  # the 303 arrives as an "error" without redirects
            response = exc
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "portal_session":
                return rest.split(";", 1)[0]
        return None
