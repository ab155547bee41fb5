"""Browser tests: the system Chromium (Playwright, never a downloaded browser) driving the whole running system
through the simulator's control panel, where the app sits in an iframe as it does in BigCommerce.

Each test module gets its own system (tests/conftest.py) with the gateway's CSP allowing the simulator's panel
as a frame ancestor. Screenshots go to test-logs/browser/; `axe_scan` injects axe-core (from the UI's npm
packages) into the app's frame."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Frame, FrameLocator, Page, async_playwright

from cartio_platform.testing import Infra, TempDatabases
from cartio_platform.testing.system import Merchant, System

CHROMIUM = Path("/usr/bin/chromium")  # scripts/ensure-browser.sh installs it (make test runs it)
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "services/gateway/ui/node_modules/axe-core/axe.min.js"  # scripts/build-ui.sh installs it
SHOTS = ROOT / "test-logs" / "browser"
# The panel's port is only known once the system starts; any port of this host may frame the app in the tests.
FRAME_ANCESTORS = "'self' http://127.0.0.1:*"

# The violations as a test failure shows them: rule, impact, and the first few elements with what is wrong.
AXE_RUN = """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']})).violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 3).map(n => [n.target, n.html.slice(0, 160), n.failureSummary]),
}))"""

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def system(infra: Infra, namespace: str, databases: TempDatabases, request: pytest.FixtureRequest
                 ) -> AsyncIterator[System]:
    name = "ui_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    sys_ = System(infra, f"{namespace}.{name}", databases, name=name,
                  process_env={"gateway": {"CARTIO_FRAME_ANCESTORS": FRAME_ANCESTORS}})
    try:
        await sys_.start()
        yield sys_
    finally:
        await sys_.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.exists(), "run scripts/ensure-browser.sh (make test does)"
    assert AXE.exists(), "run scripts/build-ui.sh (make test does)"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
async def store(system: System) -> str:
    return await system.install()


@pytest.fixture(scope="module")
async def merchant(system: System, store: str) -> Merchant:
    """The same store's owner through the API, to set up and check what the screens show."""
    return await system.merchant(store)


@dataclass
class Panel:
    """The control panel page and the app inside its iframe."""

    page: Page
    app: FrameLocator
    requests: list[str]

    @property
    def frame(self) -> Frame:
        frame = self.page.frame(name="cartio")
        assert frame is not None, "the control panel has no app frame"
        return frame

    async def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    async def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations of the app's current page (WCAG 2 A and AA)."""
        frame = self.frame
        # The resting page, not the hover colour of the button the test just clicked.
        await self.page.mouse.move(0, 0)
        if not await frame.evaluate("typeof window.axe !== 'undefined'"):
            await frame.add_script_tag(path=str(AXE))
            # Colours are judged as they settle, not halfway through a hover or enable transition.
            await frame.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        result = await frame.evaluate(AXE_RUN)
        return [v for v in result if v["impact"] in ("serious", "critical")]

    async def assert_accessible(self, name: str) -> None:
        await self.shot(name)
        violations = await self.axe_violations()
        assert violations == [], json.dumps(violations, indent=1)


async def choose(panel: Panel, field: str, option: str) -> None:
    """Pick `option` in BigDesign's Select labelled `field`."""
    await panel.app.get_by_role("combobox", name=field).click()
    await panel.app.get_by_role("option", name=option, exact=True).click()


@pytest.fixture
async def panel(browser: Browser, system: System, store: str) -> AsyncIterator[Panel]:
    """A merchant at a laptop opens Apps > My Apps > Cartio in the store's control panel."""
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    await page.goto(f"{system.sim}/_sim/panel?store={store}")
    app = page.frame_locator("#app")
    await app.get_by_role("tab", name="Cart Monitoring").wait_for()
    try:
        yield Panel(page, app, requests)
    finally:
        await context.close()
