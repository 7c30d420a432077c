"""The done-when walk in a real browser (Debian's chromium, headless, driven by Playwright): a parent logs in
through the DigiD-like provider, sees the child, gives and then withdraws a consent; the partner's next request
for that purpose is denied and the access list shows the earlier access. Every page is screenshotted into
tests/artifacts/portal/ and checked with axe-core: no serious or critical accessibility violation."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from gateway.core.vocabulary import Role
from tests.fixtures.browser import Walk
from tests.fixtures.portal import DemoGateway, demo_gateway

PURPOSE = "afstemming-kernteam"


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[DemoGateway]:
    with demo_gateway(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}") as gateway:
        yield gateway


def test_parent_withdraws_consent_in_the_browser_and_the_partner_is_denied_next(gw: DemoGateway, page: Page) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    child = gw.people[child_bsn].given_name
    reader, role = next((o, r) for o, r in (("swv-vo-utrecht", Role.consulent), ("swv-po-utrecht", Role.consulent))
                        if gw.api(o, r).post("/v1/children/lookup", json={"bsn": child_bsn, "purpose": PURPOSE})
                        .status_code == 403)
    reader_name = gw.rows("SELECT name FROM organisation WHERE id = :id", id=reader)[0].name
    walk = Walk(page, "portal")

    page.goto(f"{gw.url}/portaal")
    walk.check("start")
    page.get_by_role("link", name="Inloggen met DigiD").click()
    expect(page.get_by_role("heading", name="Inloggen met DigiD (test)")).to_be_visible()
    walk.check("digid-test-kies-persoon")
    page.get_by_label("Of vul het BSN van een andere testpersoon in").fill(parent.bsn)
    page.get_by_role("button", name="Inloggen", exact=True).click()

    expect(page.get_by_role("heading", name="Mijn kinderen")).to_be_visible()
    walk.check("mijn-kinderen")
    page.get_by_role("link", name=f"Bekijk {child}").click()
    expect(page.get_by_role("heading", name="Wie is betrokken")).to_be_visible()
    walk.check("kind")

    page.get_by_role("link", name="Toestemming geven of weigeren").click()
    walk.check("toestemming-kiezen")
    page.get_by_label("Waarvoor").select_option(PURPOSE)
    page.get_by_label("Aan welke organisatie").select_option(reader)
    page.get_by_role("button", name="Verder").click()
    walk.check("toestemming-controleren")
    page.get_by_role("button", name="Ja, ik geef toestemming").click()
    expect(page.get_by_role("status")).to_contain_text("geldt vanaf nu")
    walk.check("toestemming-gegeven")

    # The partner looks with the consent; the parent sees that access, with the consent as its basis.
    assert gw.api(reader, role).post("/v1/children/lookup", json={"bsn": child_bsn, "purpose": PURPOSE}
                                     ).status_code == 200
    page.reload()
    access = page.get_by_role("table", name="Wie heeft de gegevens bekeken")
    expect(access.get_by_role("row").filter(has_text=reader_name).filter(has_text="Uw toestemming")).to_have_count(1)

    with page.expect_download() as download:
        page.get_by_role("link", name="Bewijs downloaden").first.click()
    assert download.value.suggested_filename.endswith("-bewijs.json")

    page.get_by_role("link", name="Intrekken").first.click()
    expect(page.get_by_role("heading", name="Weet u zeker dat u deze toestemming wilt intrekken?")).to_be_visible()
    walk.check("intrekken-bevestigen")
    page.get_by_role("button", name="Ja, intrekken").click()
    expect(page.get_by_role("status")).to_contain_text("ingetrokken")
    walk.check("toestemming-ingetrokken")

    denied = gw.api(reader, role).post("/v1/children/lookup", json={"bsn": child_bsn, "purpose": PURPOSE})
    assert denied.status_code == 403 and denied.json()["reasons"] == ["no-involvement-or-statutory-task"]
    page.reload()
    rows = page.get_by_role("table", name="Wie heeft de gegevens bekeken").get_by_role("row").filter(
        has_text=reader_name)
    expect(rows.filter(has_text="Uw toestemming")).to_have_count(1)  # the earlier access stays visible
    expect(rows.filter(has_text="Nee, geweigerd")).to_have_count(2)  # refused before the consent and after it
    walk.check("wie-keek-na-intrekken")

    page.goto(f"{gw.url}/portaal/kind/9")
    walk.check("foutmelding")
    page.goto(f"{gw.url}/portaal")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="U bent uitgelogd")).to_be_visible()
    walk.check("uitgelogd")
    print("\n".join(walk.report))
    assert walk.count == 12
