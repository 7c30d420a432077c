"""The parent portal over real HTTP: login through the DigiD-like provider, who sees which child, consent given,
confirmed, refused and withdrawn by the people the law names, its effect on the very next partner request, the
access list, CSRF and session limits, and no BSN left behind."""

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from consent.receipts import verify_receipt
from consent.rules import age_on
from gateway.core.vocabulary import Role
from gateway.demo.data import young_people
from tests.fixtures.portal import DemoGateway, child_number, csrf_token, demo_gateway, hidden_fields, log_in

PURPOSE = "afstemming-kernteam"
READERS = (("swv-vo-utrecht", Role.consulent), ("swv-po-utrecht", Role.consulent),
           ("buurtteam-utrecht", Role.jeugdprofessional))


@pytest.fixture
def gw(tmp_path: Path, database_url: str) -> Iterator[DemoGateway]:
    with demo_gateway(tmp_path, database_url) as gateway:
        yield gateway


def _lookup(gw: DemoGateway, org: str, role: Role, bsn: str) -> httpx.Response:
    return gw.api(org, role).post("/v1/children/lookup", json={"bsn": bsn, "purpose": PURPOSE})


def _uninvolved_reader(gw: DemoGateway, bsn: str) -> tuple[str, Role]:
    """A partner that may not look this child up yet (not involved, no consent)."""
    for org, role in READERS:
        if _lookup(gw, org, role, bsn).status_code == 403:
            return org, role
    raise LookupError("every reader is involved")


def _give(gw: DemoGateway, browser: httpx.Client, number: int, recipient: str, *, decision: str = "give",
          until: str | None = None, csrf: str | None = None, origin: str | None = None) -> httpx.Response:
    return browser.post(f"/portaal/kind/{number}/toestemming", headers={"origin": origin or gw.url}, data={
        "csrf": csrf if csrf is not None else csrf_token(browser, number), "purpose": PURPOSE,
        "recipient": recipient, "valid_until": until or (gw.today() + timedelta(days=200)).isoformat(),
        "decision": decision})


def _consents(gw: DemoGateway) -> list[tuple[str, str, str]]:
    return [(r.status, r.obtained_via, r.given_by) for r in gw.rows(
        "SELECT status, obtained_via, given_by FROM consent ORDER BY created_at")]


def _consent_id(browser: httpx.Client, number: int) -> str:
    return re.findall(r"/toestemming/([0-9a-f-]{36})/bewijs", browser.get(f"/portaal/kind/{number}").text)[-1]


def test_a_single_custodian_consents_alone_and_the_withdrawal_counts_from_the_next_request(gw: DemoGateway) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    reader, role = _uninvolved_reader(gw, child_bsn)
    browser = log_in(gw, parent.bsn)
    number = child_number(browser, gw.people[child_bsn].given_name)

    given = _give(gw, browser, number, reader)
    assert (given.status_code, given.headers["location"]) == (303, f"/portaal/kind/{number}?gedaan=active")
    assert _consents(gw)[-1][:2] == ("active", "portal")
    allowed = _lookup(gw, reader, role, child_bsn)
    assert allowed.status_code == 200, allowed.text

    page = browser.get(f"/portaal/kind/{number}").text
    assert "Uw toestemming" in page and "Zocht uw kind op" in page  # the reader's access, with its basis

    consent_id = _consent_id(browser, number)
    check = browser.get(f"/portaal/kind/{number}/toestemming/{consent_id}/intrekken")
    assert "Weet u zeker" in check.text
    withdrawn = browser.post(f"/portaal/kind/{number}/toestemming/{consent_id}/intrekken",
                             data={"csrf": hidden_fields(check.text)["csrf"]}, headers={"origin": gw.url})
    assert withdrawn.headers["location"].endswith("gedaan=withdrawn")
    denied = _lookup(gw, reader, role, child_bsn)
    assert denied.status_code == 403 and denied.json()["reasons"] == ["no-involvement-or-statutory-task"]

    receipts = browser.get(f"/portaal/kind/{number}/toestemming/{consent_id}/bewijs")
    assert "attachment" in receipts.headers["content-disposition"]
    jwks = httpx.get(f"{gw.url}/v1/webhooks/jwks").json()
    assert [verify_receipt(r, jwks)["action"] for r in receipts.json()] == ["grant", "withdrawal"]
    tampered = json.loads(json.dumps(receipts.json()[0]).replace('"grant"', '"withdrawal"'))
    with pytest.raises(Exception, match="does not verify"):
        verify_receipt(tampered, jwks)


def test_joint_custody_needs_both_parents_and_one_refusal_ends_it(gw: DemoGateway) -> None:
    child_bsn, first = gw.family(custody="TweehoofdigOuderlijkGezag", ages=range(4, 12))
    second = gw.people[gw.people[child_bsn].custodians[1]]
    reader, role = _uninvolved_reader(gw, child_bsn)
    name = gw.people[child_bsn].given_name

    one = log_in(gw, first.bsn)
    assert _give(gw, one, child_number(one, name), reader).headers["location"].endswith("gedaan=pending")
    assert _consents(gw)[-1][0] == "pending"
    assert _lookup(gw, reader, role, child_bsn).status_code == 403  # one parent is not enough

    other = log_in(gw, second.bsn)
    number = child_number(other, name)
    page = other.get(f"/portaal/kind/{number}").text
    assert "Ik geef ook toestemming" in page
    consent_id = _consent_id(other, number)
    confirmed = other.post(f"/portaal/kind/{number}/toestemming/{consent_id}/reactie",
                           data={"csrf": csrf_token(other, number), "decision": "give"}, headers={"origin": gw.url})
    assert confirmed.status_code == 303
    assert _consents(gw)[-1][0] == "active" and len(_consents(gw)[-1][2].split(",")) == 2
    assert _lookup(gw, reader, role, child_bsn).status_code == 200

    # A second request for another partner: the other parent refuses it.
    _give(gw, one, child_number(one, name), "rvdk-midden")
    consent_id = _consent_id(other, number)
    other.post(f"/portaal/kind/{number}/toestemming/{consent_id}/reactie",
               data={"csrf": csrf_token(other, number), "decision": "refuse"}, headers={"origin": gw.url})
    assert _consents(gw)[-1][0] == "refused"
    receipts = other.get(f"/portaal/kind/{number}/toestemming/{consent_id}/bewijs").json()
    assert [r["receipt"]["action"] for r in receipts] == ["grant", "refusal"]


def test_a_child_of_12_to_15_cannot_consent_alone_and_a_child_of_16_can(gw: DemoGateway) -> None:
    young, _ = gw.family(custody="TweehoofdigOuderlijkGezag", ages=range(12, 16))
    reader, role = _uninvolved_reader(gw, young)
    browser = log_in(gw, young)
    assert _give(gw, browser, 0, reader).headers["location"].endswith("gedaan=pending")
    assert _lookup(gw, reader, role, young).status_code == 403

    older, parent = next((b, gw.people[gw.people[b].custodians[0]]) for b in gw.seeded
                         if gw.age(b) in (16, 17) and gw.people[b].custodians)
    reader, role = _uninvolved_reader(gw, older)
    assert _give(gw, log_in(gw, older), 0, reader).headers["location"].endswith("gedaan=active")
    assert _lookup(gw, reader, role, older).status_code == 200

    # The parent of a 16-year-old sees that the child decides alone, and cannot open the child's page.
    parent_view = log_in(gw, parent.bsn)
    assert "beslist" in parent_view.get("/portaal").text
    number = next(i for i, c in enumerate(gw.people[parent.bsn].children) if c == older)
    refused = parent_view.get(f"/portaal/kind/{number}")
    assert refused.status_code == 403 and "Vanaf 16 jaar beslist uw kind zelf" in refused.text
    (denial,) = gw.rows("SELECT role, reasons, basis FROM audit_record WHERE organisation_id = 'portaal' "
                        "AND outcome = 'denied'")
    assert tuple(denial) == ("custodian", "child-decides-from-16", None)
    bases = {r.basis for r in gw.rows("SELECT basis FROM audit_record WHERE organisation_id = 'portaal' "
                                      "AND outcome = 'allowed' AND child_id IS NOT NULL")}
    assert bases == {"eigen-gegevens", "ouderlijk-gezag"}  # the policy's basis, on every portal step


def test_consent_ends_on_its_last_day(gw: DemoGateway) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    reader, role = _uninvolved_reader(gw, child_bsn)
    browser = log_in(gw, parent.bsn)
    number = child_number(browser, gw.people[child_bsn].given_name)
    _give(gw, browser, number, reader, until=(gw.today() + timedelta(days=3)).isoformat())
    assert _lookup(gw, reader, role, child_bsn).status_code == 200
    gw.clock.offset = timedelta(days=4)
    assert _lookup(gw, reader, role, child_bsn).status_code == 403
    assert "Verlopen" in log_in(gw, parent.bsn).get(f"/portaal/kind/{number}").text


def test_forms_without_the_session_token_or_from_another_site_change_nothing(gw: DemoGateway) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = log_in(gw, parent.bsn)
    number = child_number(browser, gw.people[child_bsn].given_name)
    before = _consents(gw)
    for response in (_give(gw, browser, number, "rvdk-midden", csrf=""),
                     _give(gw, browser, number, "rvdk-midden", csrf="forged-token"),
                     _give(gw, browser, number, "rvdk-midden", origin="https://evil.example")):
        assert response.status_code == 403 and "verlopen of komt niet van deze website" in response.text
    assert _consents(gw) == before
    # Another person's session token does not fit this session either.
    other_child, other_parent = gw.family(custody="TweehoofdigOuderlijkGezag", ages=range(4, 12))
    stranger = log_in(gw, other_parent.bsn)
    their_token = csrf_token(stranger, child_number(stranger, gw.people[other_child].given_name))
    assert _give(gw, browser, number, "rvdk-midden", csrf=their_token).status_code == 403
    assert _consents(gw) == before


def test_sessions_end_when_idle_forged_or_logged_out(gw: DemoGateway) -> None:
    _, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = log_in(gw, parent.bsn)
    assert "Mijn kinderen" in browser.get("/portaal").text
    cookie = browser.cookies["inbeeld_portaal"]
    forged = gw.browser(cookies={"inbeeld_portaal": cookie[:-4] + "AAAA"})
    assert forged.get("/portaal/kind/0").headers["location"] == "/portaal"
    gw.clock.offset = timedelta(minutes=16)  # idle longer than 15 minutes
    assert browser.get("/portaal/kind/0").headers["location"] == "/portaal"
    gw.clock.offset = timedelta()
    again = log_in(gw, parent.bsn)
    assert again.post("/portaal/uitloggen").status_code == 200
    assert again.get("/portaal/kind/0").headers["location"] == "/portaal"
    headers = again.get("/portaal").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and headers["cache-control"] == "no-store"
    set_cookie = log_in(gw, parent.bsn).get("/portaal").headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie and "path=/portaal" in set_cookie


def test_login_refuses_a_forged_state_a_replayed_code_and_a_wrong_verifier(gw: DemoGateway) -> None:
    _, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = gw.browser()
    start = browser.get("/portaal/inloggen")
    picker = browser.get(start.headers["location"])
    fields = hidden_fields(picker.text)
    chosen = browser.post("/demo/idp/authorize", data={**fields, "bsn": parent.bsn})
    callback = chosen.headers["location"]
    forged = browser.get(callback.replace(f"state={fields['state']}", "state=forged"))
    assert forged.status_code == 400 and "Inloggen is niet gelukt" in forged.text
    assert "inbeeld_portaal" not in browser.cookies

    code = re.search(r"code=([^&]+)", callback).group(1)  # type: ignore[union-attr]
    token = f"{gw.url}/demo/idp/token"
    from gateway.app import portal_client_secret
    from gateway.core.keys import KeyRingSource

    auth = ("inbeeld-portaal", portal_client_secret(gw.settings, KeyRingSource(gw.settings)))
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": f"{gw.url}/portaal/terug"}
    wrong = httpx.post(token, auth=auth, data={**form, "code_verifier": "x" * 43})
    assert wrong.status_code == 400 and wrong.json()["error_description"] == "PKCE verification failed"
    assert httpx.post(token, auth=("inbeeld-portaal", "guess"), data=form).status_code == 401
    # A login without its own browser cookie (a link sent by someone else) is refused.
    assert httpx.get(callback).status_code == 400
    # An unknown client or redirect never reaches the picker.
    bad = browser.get(start.headers["location"].replace("client_id=inbeeld-portaal", "client_id=evil"))
    assert bad.status_code == 400 and "Testpersonen" not in bad.text


def test_parents_see_only_their_own_children_and_hear_of_new_partners(gw: DemoGateway) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = log_in(gw, parent.bsn)
    overview = browser.get("/portaal").text
    assert gw.people[child_bsn].given_name in overview and "nieuw" not in overview
    assert browser.get("/portaal/kind/7").status_code == 403
    # A partner reports its involvement; on the next visit the parent is told.
    reader, role = _uninvolved_reader(gw, child_bsn)
    registered = gw.api(reader, role).post("/v1/involvements", json={"bsn": child_bsn, "purpose": "signalering"})
    assert registered.status_code == 201, registered.text
    later = log_in(gw, parent.bsn).get("/portaal").text
    assert "nieuwe organisatie" in later and 'class="badge">nieuw' in later
    # A person without children under their gezag (here a child under 12) sees nothing.
    young = next(b for b in gw.seeded if gw.age(b) < 12)
    assert "geen kinderen" in log_in_refused(gw, young)


def log_in_refused(gw: DemoGateway, bsn: str) -> str:
    browser = gw.browser()
    picker = browser.get(browser.get("/portaal/inloggen").headers["location"])
    chosen = browser.post("/demo/idp/authorize", data={**hidden_fields(picker.text), "bsn": bsn})
    return browser.get(chosen.headers["location"]).text


def test_no_bsn_reaches_the_database_or_the_cookies(gw: DemoGateway, tmp_path: Path) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = log_in(gw, parent.bsn)
    reader, _ = _uninvolved_reader(gw, child_bsn)
    _give(gw, browser, child_number(browser, gw.people[child_bsn].given_name), reader)
    assert all(parent.bsn not in value and child_bsn not in value for value in browser.cookies.values())
    tables = ("child", "involvement", "consent", "consent_receipt", "audit_record", "portal_visit", "outbox_message")
    dump = "\n".join(str(tuple(row)) for table in tables
                     for row in gw.rows(f"SELECT * FROM {table}"))  # noqa: S608  (constant table names)
    for bsn in (parent.bsn, child_bsn):
        assert bsn not in dump
    database = tmp_path / "inbeeld.db"
    if database.exists():
        raw = database.read_bytes()
        assert parent.bsn.encode() not in raw and child_bsn.encode() not in raw


def test_a_guardian_consents_alone_and_without_known_gezag_nobody_can(gw: DemoGateway) -> None:
    ward, guardian = gw.family(custody="Voogdij", ages=range(0, 18))
    reader, role = _uninvolved_reader(gw, ward)
    browser = log_in(gw, guardian.bsn)
    assert _give(gw, browser, child_number(browser, gw.people[ward].given_name), reader
                 ).headers["location"].endswith("gedaan=active")
    assert _lookup(gw, reader, role, ward).status_code == 200

    unknown, _ = gw.family(custody="GezagNietTeBepalen", ages=range(12, 16))  # logs in about themselves
    before = _consents(gw)
    refused = _give(gw, log_in(gw, unknown), 0, reader)
    assert refused.status_code == 403 and "niet vaststaat wie het gezag heeft" in refused.text
    assert _consents(gw) == before


def test_bad_form_values_get_a_page_in_dutch_and_change_nothing(gw: DemoGateway) -> None:
    child_bsn, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = log_in(gw, parent.bsn)
    number = child_number(browser, gw.people[child_bsn].given_name)
    before = _consents(gw)
    cases = [("2026-13-45", "give", PURPOSE, "rvdk-midden", "geldige datum"),
             ((gw.today() - timedelta(days=1)).isoformat(), "give", PURPOSE, "rvdk-midden", "einddatum"),
             ((gw.today() + timedelta(days=900)).isoformat(), "give", PURPOSE, "rvdk-midden", "einddatum"),
             ((gw.today() + timedelta(days=9)).isoformat(), "maybe", PURPOSE, "rvdk-midden", "geeft of weigert"),
             ((gw.today() + timedelta(days=9)).isoformat(), "give", "toezicht", "rvdk-midden", "geen toestemming"),
             ((gw.today() + timedelta(days=9)).isoformat(), "give", PURPOSE, "nobody", "kennen wij niet")]
    for until, decision, purpose, recipient, message in cases:
        response = browser.post(f"/portaal/kind/{number}/toestemming", headers={"origin": gw.url}, data={
            "csrf": csrf_token(browser, number), "purpose": purpose, "recipient": recipient, "valid_until": until,
            "decision": decision})
        assert response.status_code == 400 and message in response.text, (until, decision, purpose, recipient)
    assert _consents(gw) == before


def test_a_login_below_digid_substantieel_is_refused(gw: DemoGateway) -> None:
    import asyncio

    from gateway.app import portal_client_secret
    from gateway.core.keys import KeyRingSource
    from gateway.portal.oidc import LoginFailed, OidcClient

    _, parent = gw.family(custody="EenhoofdigOuderlijkGezag", ages=range(4, 12))
    browser = gw.browser()

    async def login_requiring(levels: frozenset[str]) -> str:
        async with httpx.AsyncClient() as http:
            client = OidcClient(http, issuer=f"{gw.url}/demo/idp", client_id="inbeeld-portaal",
                                client_secret=portal_client_secret(gw.settings, KeyRingSource(gw.settings)),
                                redirect_uri=f"{gw.url}/portaal/terug", accepted_assurance=levels)
            url, attempt = await client.start(0)
            picker = browser.get(url)
            chosen = browser.post("/demo/idp/authorize", data={**hidden_fields(picker.text), "bsn": parent.bsn})
            code = re.search(r"code=([^&]+)", chosen.headers["location"]).group(1)  # type: ignore[union-attr]
            return await client.finish(code=code, attempt=attempt)

    assert asyncio.run(login_requiring(frozenset({"urn:nl-eid-gdi:1.0:assurance-class:substantial"}))) == parent.bsn
    with pytest.raises(LoginFailed, match="assurance level"):
        asyncio.run(login_requiring(frozenset({"urn:nl-eid-gdi:1.0:assurance-class:high"})))


def test_a_young_person_after_school_sees_their_own_data_up_to_23(gw: DemoGateway) -> None:
    """A voortijdig schoolverlater of 18 or over logs in about themselves, sees the RMC involved and the RMC's
    lookup in their access list; at 23 the portal has nothing to show them."""
    young = next(y for y in young_people(gw.today()) if not y.enrolled and age_on(y.birth_date, gw.today()) >= 18)
    bsn = young.bsn.digits
    rmc = gw.api("rmc-utrecht", Role.rmc_consulent).post(
        "/v1/children/lookup", json={"bsn": bsn, "purpose": "voortijdig-schoolverlaten"})
    assert rmc.status_code == 200, rmc.text
    browser = log_in(gw, bsn)
    page = browser.get("/portaal/kind/0")
    assert page.status_code == 200, page.text[:500]
    assert "RMC regio Utrecht (demo)" in page.text and "RMC-consulent" in page.text
    assert "Zocht u op" in page.text and "uw kind" not in page.text  # the RMC's lookup, in plain words, to them
    assert bsn not in page.text
    # Too old for the index's task: the same person at 23 sees nothing (no children, not a young person).
    gw.clock.offset = timedelta(days=366 * (23 - age_on(young.birth_date, gw.today())))
    assert "geen kinderen" in log_in_refused(gw, bsn)
