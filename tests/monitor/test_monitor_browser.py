"""The monitor page in Debian's chromium: a leerplicht policy officer logs in through the demo's employee login
and reads the month's figures and the trend chart over the demo region's synthetic cases; small counts show
as "–"; a screenshot in tests/artifacts/monitor/, axe-core clean; the log itself stays closed to this role."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures.browser import Walk
from tests.fixtures.portal import DemoGateway, demo_gateway


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[DemoGateway]:
    with demo_gateway(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}", children=300) as gateway:
        yield gateway


def test_the_monitor_page(gw: DemoGateway, page: Page) -> None:
    walk = Walk(page, "monitor")
    page.goto(f"{gw.url}/toezicht")
    page.get_by_role("link", name="Inloggen").click()
    page.get_by_role("button", name="Beleidsmedewerker leerplicht, Leerplicht gemeente (demo)").click()

    month = gw.clock().strftime("%Y-%m")
    expect(page.get_by_role("heading", name=f"Monitor thuiszitters, {month}")).to_be_visible()
    by_gemeente = page.get_by_role("table", name="Per gemeente en duur")
    expect(by_gemeente).to_be_visible()
    total_row = by_gemeente.locator("tbody tr").last
    expect(total_row.locator("th")).to_have_text("totaal")
    total = int(total_row.locator("td").last.inner_text())
    assert total >= 20  # the demo's thuiszitters and absoluut verzuim
    cells = [c.strip() for c in by_gemeente.locator("td").all_inner_texts()]
    assert all(c == "–" or c == "0" or int(c) >= 5 for c in cells), cells
    expect(page.get_by_role("img", name="Kinderen thuis aan het einde van elke maand")).to_be_visible()
    expect(page.get_by_role("table", name="Verloop in cijfers").locator("tbody tr")).to_have_count(12)
    walk.check("monitor")

    page.goto(f"{gw.url}/toezicht")  # the log is for privacy officers only
    expect(page.get_by_text("U mag het logboek niet inzien")).to_be_visible()
    print("\n".join(walk.report))
