"""axe-core (Deque's accessibility engine) in the browser journeys.

axe-core is not vendored: it is installed from the npm registry at test time, once, into a cache
folder (``$PORTAL_E2E_CACHE``, default ``~/.cache/portal-e2e``), pinned to :data:`AXE_VERSION`.
A second run reuses it; two test processes installing at once are serialised by a file lock.
``PORTAL_E2E_AXE_JS=/path/to/axe.min.js`` uses a copy you already have instead (no npm needed).
Without npm (and without that file) the accessibility checks are skipped with the reason, or fail
when ``PORTAL_E2E_REQUIRE_BROWSER=1`` (CI). axe-core is MPL-2.0; it only runs in the test browser
and is never shipped with the portal.

``audit(page)`` injects axe into the page and runs it with the WCAG 2.0/2.1 level A and AA rules.
``check(page, name)`` fails on any *serious* or *critical* violation that is not on
:data:`ALLOWED` (Streamlit's own markup that the portal cannot change), and records every
violation, whatever its impact, in ``test-results/axe/<name>.json`` (the per-page counts the
notes report come from there).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from e2e.harness import REPO

AXE_VERSION = "4.10.3"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
RESULTS = REPO / "test-results" / "axe"


@dataclass(frozen=True)
class Allowed:
    """A violation in Streamlit's own markup: the rule, where (the ``data-testid`` of the element
    or of one of its ancestors: Streamlit's generated class names change between releases), why
    the portal cannot fix it and the upstream issue."""

    rule: str
    within: str
    reason: str
    upstream: str

    def covers(self, rule: str, testids: list[str]) -> bool:
        return rule == self.rule and self.within in testids


# Keep this list short: each entry is something in Streamlit's frontend, not in the portal.
ALLOWED: tuple[Allowed, ...] = (
    Allowed("list", "stSidebarNavItems",
            "st.navigation with sections (学ぶ / 試す / 管理 / アカウント) renders each section as a <div> with "
            "a header directly inside the sidebar's <ul>; the links keep their names and the sections "
            "their visible headers. Only Streamlit's frontend can change the markup.",
            "none found in streamlit/streamlit's tracker (searched 2026-12-03); to be filed"),
    Allowed("listitem", "stSidebarNavItems",
            "the same markup: the <li> of each page sits in that section <div>, not directly in the <ul>",
            "as above"),
)


class AxeUnavailable(RuntimeError):
    """axe-core could not be found or installed (the message says why and what to do)."""


def cache_dir() -> Path:
    root = os.environ.get("PORTAL_E2E_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "portal-e2e")
    return Path(root)


@cache
def axe_source() -> str:
    """The text of axe.min.js: ``PORTAL_E2E_AXE_JS``, or the cached npm install (made if missing)."""
    given = os.environ.get("PORTAL_E2E_AXE_JS")
    if given:
        path = Path(given)
        if not path.is_file():
            raise AxeUnavailable(f"PORTAL_E2E_AXE_JS={given} is not a file")
        return path.read_text(encoding="utf-8")
    prefix = cache_dir() / f"axe-core-{AXE_VERSION}"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if script.is_file():
        return script.read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        raise AxeUnavailable(
            f"npm is not installed, so axe-core {AXE_VERSION} cannot be installed for the accessibility "
            "checks (Debian: apt-get install npm; or set PORTAL_E2E_AXE_JS to an axe.min.js)")
    prefix.mkdir(parents=True, exist_ok=True)
    with (prefix / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be installing it right now
        if not script.is_file():
            done = subprocess.run(
                [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund",
                 "--no-package-lock", "--loglevel", "error", f"axe-core@{AXE_VERSION}"],
                capture_output=True, text=True, timeout=300,
            )
            if done.returncode or not script.is_file():
                raise AxeUnavailable(f"npm install axe-core@{AXE_VERSION} into {prefix} failed "
                                     f"(exit {done.returncode}):\n{done.stderr[-2000:]}")
    return script.read_text(encoding="utf-8")


def audit(page) -> list[dict]:
    """Run axe on the page as it is now; its violations (each with ``id``, ``impact``, ``help``,
    ``helpUrl`` and ``nodes`` with ``target`` and ``failureSummary``)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;void 0")
    return page.evaluate(
        """async tags => {
            const result = await window.axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => {
                    const testids = [];
                    for (let e = document.querySelector(n.target.join(' ')); e; e = e.parentElement) {
                        if (e.dataset && e.dataset.testid) testids.push(e.dataset.testid);
                    }
                    return {target: n.target.join(' '), html: n.html.slice(0, 300), impact: n.impact,
                            failureSummary: n.failureSummary, testids};
                }),
            }));
        }""",
        WCAG_TAGS,
    )


def split(violations: list[dict]) -> tuple[list[tuple[dict, dict]], list[tuple[dict, dict, Allowed]]]:
    """(ours, allowed): each failing node with its violation, and those covered by ALLOWED."""
    ours, allowed = [], []
    for violation in violations:
        for node in violation["nodes"]:
            if (node.get("impact") or violation["impact"]) not in FAILING_IMPACTS:
                continue
            entry = next((a for a in ALLOWED if a.covers(violation["id"], node.get("testids") or [])), None)
            if entry is None:
                ours.append((violation, node))
            else:
                allowed.append((violation, node, entry))
    return ours, allowed


def counts(violations: list[dict]) -> dict[str, int]:
    """Failing nodes per impact, as recorded for the notes."""
    out: dict[str, int] = {}
    for violation in violations:
        for node in violation["nodes"]:
            impact = node.get("impact") or violation["impact"] or "unknown"
            out[impact] = out.get(impact, 0) + 1
    return out


def check(page, name: str) -> str:
    """The serious / critical violations that are ours, as a report ("" when there are none);
    everything found is recorded in test-results/axe/<name>.json."""
    violations = audit(page)
    ours, allowed = split(violations)
    RESULTS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    (RESULTS / f"{slug}.json").write_text(json.dumps({
        "page": name, "url": page.url, "counts": counts(violations),
        "failing": len(ours), "allowed": len(allowed), "violations": violations,
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    if ours:
        lines = [f"{name}: {len(ours)} serious/critical accessibility violation(s) (axe-core {AXE_VERSION}):"]
        for violation, node in ours:
            lines.append(f"- [{node.get('impact') or violation['impact']}] {violation['id']}: {violation['help']} "
                         f"({violation['helpUrl']})\n    at {node['target']}\n    {node['html']}\n"
                         f"    {(node['failureSummary'] or '').replace(chr(10), ' / ')}")
        return "\n".join(lines)
    return ""
