"""The privacy officer's dashboard in Debian's chromium: login through the demo's employee login, the log of
the own organisation with flags and a chart, a filter, CSV and JSON downloads, logout; a screenshot of every
page in tests/artifacts/toezicht/, axe-core clean, and no BSN on any page or in any download."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from gateway.core.vocabulary import Role
from tests.fixtures.browser import Walk
from tests.fixtures.portal import DemoGateway, demo_gateway


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[DemoGateway]:
    with demo_gateway(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}") as gateway:
        yield gateway


def test_privacy_officer_reviews_the_log_in_the_browser(gw: DemoGateway, page: Page) -> None:
    leerplicht = gw.api("leerplicht-utrecht", Role.leerplichtambtenaar)
    for bsn in gw.seeded[:8]:  # statutory reads, no involvement needed
        assert leerplicht.post("/v1/children/lookup", json={"bsn": bsn, "purpose": "leerplicht-handhaving"}
                               ).status_code == 200
    for bsn in gw.seeded[8:14]:  # a burst of refusals: a purpose no lookup may serve
        assert leerplicht.post("/v1/children/lookup", json={"bsn": bsn, "purpose": "monitoring"}
                               ).status_code == 403
    walk = Walk(page, "toezicht")

    page.goto(f"{gw.url}/toezicht")
    walk.check("start")
    page.get_by_role("link", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Inloggen als medewerker (test)")).to_be_visible()
    walk.check("inloggen-medewerker")
    page.get_by_role("button", name="Privacy-functionaris, Leerplicht gemeente (demo)").click()

    expect(page.get_by_role("heading", name="Logboek van leerplicht-utrecht")).to_be_visible()
    expect(page.get_by_text("Wettelijke taak zonder toestemming")).to_be_visible()
    expect(page.get_by_text("Reeks weigeringen")).to_be_visible()
    expect(page.get_by_role("img", name="Opvragingen per dag")).to_be_visible()
    rows = page.get_by_role("table", name="Registraties (nieuwste eerst, hoogstens 100)").locator("tbody tr")
    expect(rows).to_have_count(14)
    walk.check("logboek")

    page.get_by_label("Beslissing").select_option("denied")
    page.get_by_role("button", name="Toon").click()
    expect(rows).to_have_count(6)
    walk.check("logboek-geweigerd")

    downloads = []
    for name in ("CSV downloaden", "JSON downloaden"):
        with page.expect_download() as download:
            page.get_by_role("link", name=name).click()
        downloads.append(Path(download.value.path()).read_text())
    assert downloads[0].count("\n") == 1 + 6  # header and the six refusals
    contents = [page.content(), *downloads]
    for bsn in gw.seeded[:14]:
        assert not any(bsn in text for text in contents)

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="U bent uitgelogd")).to_be_visible()
    walk.check("uitgelogd")
    print("\n".join(walk.report))
