"""Debian's Chromium driven by Playwright against one live server over a small store (once per session).

The browser is the system's (``/usr/bin/chromium``, installed by ``make test``), never a download. Every page
a test opens records its console errors, uncaught exceptions and any request to another host (those are also
refused, so a page that needs one fails visibly). ``axe`` runs axe-core (from node_modules, pinned in
package-lock.json) in the page through the DevTools protocol, which the page's CSP does not govern.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.store import build_store
from tests.conftest import REPO
from tests.live_server import serving

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = pytest.mark.server


@dataclass(frozen=True)
class Live:
    url: str
    token: str
    env: dict[str, str]


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Live]:
    if not (REPO / "api" / "web" / "static" / "lib" / "vega-embed.min.js").is_file():
        pytest.fail("the chart assets are missing: run `make assets` (npm ci, then copied to api/web/static/lib)")
    root = tmp_path_factory.mktemp("pages")
    _settings, env, token = build_store(root, shared_data)
    with serving(env) as url:
        yield Live(url, token, env)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file() and shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page and what went wrong in it: console errors, uncaught exceptions, requests to other hosts."""

    page: Any
    base: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path, wait_until="networkidle")
        assert response is not None and response.status == 200, (path, response and response.status)
        return response

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign

    def axe(self) -> list[dict[str, Any]]:
        """The serious and critical violations axe-core finds on the page as it is now (WCAG 2.1 A and AA)."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found = self.page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target).slice(0, 5)}))")
        return [v for v in found if v["impact"] in ("serious", "critical")]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def watched(browser: Any, live: Live) -> Iterator[Watched]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    own = urlsplit(live.url).netloc
    found = Watched(page, live.url)

    def refuse_foreign(route: Any) -> None:
        if urlsplit(route.request.url).netloc != own and not route.request.url.startswith(("data:", "blob:")):
            found.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", refuse_foreign)
    page.on("console", lambda message: found.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: found.errors.append(str(error)))
    yield found
    context.close()
