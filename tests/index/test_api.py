"""The case index API end to end, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from consent import repository as consents
from gateway.core.vocabulary import Role
from tests.fixtures.gateway import BSNS, Gateway, problem

pytestmark = pytest.mark.anyio
BSN = BSNS[0]


async def _counts(gw: Gateway) -> tuple[int, int, int, int]:
    return (await gw.count("child"), await gw.count("involvement"), await gw.count("audit_record"),
            await gw.count("outbox_message"))


async def test_register_involvement_returns_id_and_partner_reference(gateway: Gateway) -> None:
    response = await gateway.register("school-a", BSN, contact_point="zorg@school-a.test")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "child_ref", "role", "contact_point", "since", "until", "legal_basis"}
    assert body["role"] == "zorgcoordinator" and body["legal_basis"] == "jeugdwet-7.1.1-verwijsindex"
    assert BSN not in response.text

    lookup = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a"),
                                       json={"bsn": BSN, "purpose": "signalering"})
    assert lookup.json() == {"child_ref": body["child_ref"]}  # stable for this organisation


@pytest.mark.parametrize("bad", ["123456789", "99999001", "9999900199", "99999001x", "", "000000000", 999990019,
                                 None, " 999990019"])
async def test_invalid_bsn_is_refused_and_changes_nothing(gateway: Gateway, bad: object) -> None:
    before = await _counts(gateway)
    response = await gateway.client.post("/v1/involvements", headers=gateway.auth("school-a"),
                                         json={"bsn": bad, "purpose": "signalering"})
    body = problem(response, 422, "validation-failed")
    assert body["errors"][0]["location"] == ["body", "bsn"]
    assert str(bad) not in response.text or bad in ("", None)
    assert await _counts(gateway) == before


async def test_unknown_fields_and_bad_purpose_are_refused(gateway: Gateway) -> None:
    before = await _counts(gateway)
    for payload in ({"bsn": BSN, "purpose": "signalering", "note": "free text about the child"},
                    {"bsn": BSN, "purpose": "nieuwsgierigheid"},
                    {"bsn": BSN}):
        problem(await gateway.client.post("/v1/involvements", headers=gateway.auth("school-a"), json=payload),
                422, "validation-failed")
    problem(await gateway.client.post("/v1/involvements", headers=gateway.auth("school-a"), content=b"{not json",
                                      ), 422, "validation-failed")
    assert await _counts(gateway) == before


async def test_future_since_is_refused(gateway: Gateway) -> None:
    response = await gateway.register("school-a", BSN, since="2999-01-01")
    problem(response, 400, "invalid-period")
    assert await gateway.count("involvement") == 0 and await gateway.count("child") == 0


async def test_partner_references_differ_per_organisation(gateway: Gateway) -> None:
    refs = {org: (await gateway.register(org, BSN)).json()["child_ref"] for org in ("school-a", "ggd", "jeugdteam")}
    assert len(set(refs.values())) == 3
    assert await gateway.count("child") == 1
    # A reference only opens for the organisation it was made for.
    stolen = await gateway.client.get(f"/v1/children/{refs['ggd']}", params={"purpose": "signalering"},
                                      headers=gateway.auth("school-a"))
    problem(stolen, 404, "child-not-found")


async def test_second_registration_by_same_organisation_conflicts(gateway: Gateway) -> None:
    assert (await gateway.register("school-a", BSN)).status_code == 201
    problem(await gateway.register("school-a", BSN), 409, "involvement-exists")
    assert await gateway.count("involvement") == 1


async def test_card_shows_attendance_regisseur_and_minimised_involvements(gateway: Gateway) -> None:
    school_ref = (await gateway.register("school-a", BSN)).json()["child_ref"]
    for org in ("ggd", "jeugdteam", "rvdk"):
        assert (await gateway.register(org, BSN, purpose="jeugdbescherming" if org == "rvdk" else "signalering")
                ).status_code == 201

    attendance = await gateway.client.post(
        f"/v1/children/{school_ref}/events", headers=gateway.auth("school-a"),
        json={"id": str(uuid4()), "purpose": "signalering", "kind": "de-enrolment", "starts_on": "2026-10-01"})
    assert attendance.status_code == 201, attendance.text
    assert attendance.json()["status"] == "absoluut-verzuim"

    jeugd_ref = (await gateway.client.post("/v1/children/lookup", headers=gateway.auth("jeugdteam"),
                                           json={"bsn": BSN, "purpose": "actietafel"})).json()["child_ref"]
    regisseur = await gateway.client.put(
        f"/v1/children/{jeugd_ref}/regisseur", headers=gateway.auth("jeugdteam"),
        json={"purpose": "actietafel", "organisation_id": "jeugdteam"})
    assert regisseur.status_code == 200, regisseur.text

    async def school_card() -> dict[str, Any]:
        response = await gateway.client.get(f"/v1/children/{school_ref}", params={"purpose": "afstemming-kernteam"},
                                            headers=gateway.auth("school-a"))
        return response.json()  # type: ignore[no-any-return]

    card = await school_card()  # on the signal alone: who is involved, nothing more
    assert set(card) == {"child_ref", "involvements"}
    seen = {i["organisation"]["id"] for i in card["involvements"]}
    assert seen == {"school-a", "ggd", "jeugdteam"}  # the school does not learn that the Raad is involved
    own = [i for i in card["involvements"] if i["organisation"]["id"] == "school-a"]
    assert own[0]["id"] and all("id" not in i for i in card["involvements"] if i not in own)

    (child_id,) = [r.id for r in await gateway.rows("SELECT id FROM child")]
    async with gateway.app.state.context.db.engine.begin() as conn:
        consent_id = await consents.add(conn, child_id=child_id, purpose="afstemming-kernteam", recipient_id="school-a",
                                        valid_from=date(2026, 1, 1), valid_until=None, now=datetime.now(UTC))
    card = await school_card()
    assert card["attendance"] == {"status": "absoluut-verzuim", "since": "2026-10-01",
                                  "reported_by": {"id": "school-a", "name": "Test school-a", "type": "school"}}
    assert card["regisseur"]["id"] == "jeugdteam"
    assert {i["organisation"]["id"] for i in card["involvements"]} == {"school-a", "ggd", "jeugdteam", "rvdk"}
    (basis,) = await gateway.rows("SELECT basis FROM audit_record WHERE action='child.read' ORDER BY id DESC LIMIT 1")
    assert basis.basis == f"consent:{consent_id}"

    async with gateway.app.state.context.db.engine.begin() as conn:
        await consents.withdraw(conn, consent_id, datetime.now(UTC))
    assert set(await school_card()) == {"child_ref", "involvements"}  # the very next request

    full = (await gateway.client.get(f"/v1/children/{jeugd_ref}/involvements", params={"purpose": "actietafel"},
                                     headers=gateway.auth("jeugdteam"))).json()
    assert {i["organisation"]["id"] for i in full["involvements"]} == {"school-a", "ggd", "jeugdteam", "rvdk"}
    assert full["involvements"][0]["contact_point"].startswith("team@")


async def test_lookup_without_basis_is_denied_alike_for_known_and_unknown_children(gateway: Gateway) -> None:
    await gateway.register("school-a", BSN)
    known = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-b"),
                                      json={"bsn": BSN, "purpose": "signalering"})
    unknown = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-b"),
                                        json={"bsn": BSNS[1], "purpose": "signalering"})
    assert problem(known, 403, "policy-denied") == problem(unknown, 403, "policy-denied")
    assert problem(known, 403, "policy-denied")["reasons"] == ["no-involvement-or-statutory-task"]


async def test_statutory_lookup_of_unknown_child_is_404(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("leerplicht"),
                                         json={"bsn": BSNS[2], "purpose": "leerplicht-handhaving"})
    problem(response, 404, "child-not-found")
    rows = await gateway.rows("SELECT outcome, basis, child_id FROM audit_record")
    assert [tuple(r) for r in rows] == [("not-found", "leerplichtwet", None)]


async def test_ended_involvement_is_hidden_but_kept(gateway: Gateway) -> None:
    mine = (await gateway.register("school-a", BSN)).json()
    ggd_ref = (await gateway.register("ggd", BSN)).json()["child_ref"]
    other = await gateway.client.delete(f"/v1/involvements/{mine['id']}", params={"purpose": "signalering"},
                                        headers=gateway.auth("ggd"))
    assert problem(other, 403, "policy-denied")["reasons"] == ["not-own-involvement"]

    ended = await gateway.client.delete(f"/v1/involvements/{mine['id']}", params={"purpose": "signalering"},
                                        headers=gateway.auth("school-a"))
    assert ended.status_code == 204
    problem(await gateway.client.delete(f"/v1/involvements/{mine['id']}", params={"purpose": "signalering"},
                                        headers=gateway.auth("school-a")), 404, "involvement-not-found")
    listed = (await gateway.client.get(f"/v1/children/{ggd_ref}/involvements", params={"purpose": "signalering"},
                                       headers=gateway.auth("ggd"))).json()
    assert [i["organisation"]["id"] for i in listed["involvements"]] == ["ggd"]
    assert await gateway.count("involvement") == 2
    # Having ended its involvement, the school has no basis to read the card any more.
    problem(await gateway.client.get(f"/v1/children/{mine['child_ref']}", params={"purpose": "signalering"},
                                     headers=gateway.auth("school-a")), 403, "policy-denied")


async def test_attendance_and_regisseur_deny_paths(gateway: Gateway) -> None:
    ggd_ref = (await gateway.register("ggd", BSN)).json()["child_ref"]
    before = await gateway.rows("SELECT attendance_status, regisseur_id FROM child")
    denied = await gateway.client.post(f"/v1/children/{ggd_ref}/events", headers=gateway.auth("ggd"), json={
        "id": str(uuid4()), "purpose": "signalering", "kind": "de-enrolment", "starts_on": "2026-10-01"})
    assert problem(denied, 403, "policy-denied")["reasons"] == ["event-not-allowed-for-role"]
    not_involved = await gateway.client.put(
        f"/v1/children/{ggd_ref}/regisseur", headers=gateway.auth("ggd"),
        json={"purpose": "afstemming-kernteam", "organisation_id": "swv"})
    assert problem(not_involved, 403, "policy-denied")["reasons"] == ["regisseur-not-involved"]
    assert await gateway.rows("SELECT attendance_status, regisseur_id FROM child") == before


async def test_wrong_role_for_organisation_type_is_denied(gateway: Gateway) -> None:
    await gateway.register("school-a", BSN)
    response = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a", Role.jeugdarts),
                                         json={"bsn": BSN, "purpose": "signalering"})
    assert "role-not-valid-for-organisation-type" in problem(response, 403, "policy-denied")["reasons"]


async def test_tampered_or_malformed_reference_is_not_found(gateway: Gateway) -> None:
    ref = (await gateway.register("school-a", BSN)).json()["child_ref"]
    flipped = ref[:-2] + ("A" if ref[-2] != "A" else "B") + ref[-1]
    for bad in (flipped, "r-00000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nodotatallhere"):
        problem(await gateway.client.get(f"/v1/children/{bad}", params={"purpose": "signalering"},
                                         headers=gateway.auth("school-a")), 404, "child-not-found")


async def test_every_outcome_is_audited_and_refusals_survive_rollback(gateway: Gateway) -> None:
    ref = (await gateway.register("school-a", BSN)).json()["child_ref"]
    await gateway.client.get(f"/v1/children/{ref}", params={"purpose": "signalering"},
                             headers=gateway.auth("school-a"))
    await gateway.client.get(f"/v1/children/{ref}", params={"purpose": "monitoring"},
                             headers=gateway.auth("school-a"))
    rows = await gateway.rows(
        "SELECT action, outcome, organisation_id, role, purpose, basis, reasons, fields, policy_revision, child_id "
        "FROM audit_record ORDER BY id")
    assert [(r.action, r.outcome) for r in rows] == [
        ("involvement.register", "allowed"), ("child.read", "allowed"), ("child.read", "denied")]
    register, read, denied = rows
    assert register.basis == "jeugdwet-7.1.1-verwijsindex" and register.child_id is not None
    assert read.purpose == "signalering" and "involvements:ggd" in read.fields and "attendance" not in read.fields
    assert len(read.policy_revision) == 16
    assert denied.reasons == "purpose-not-allowed-for-action" and denied.basis is None
    assert {r.child_id for r in rows} == {register.child_id}


async def test_http_conventions(gateway: Gateway) -> None:
    health = await gateway.client.get("/v1/health")
    assert health.json() == {"status": "ok"} and health.headers["api-version"] == "1.0.0"
    problem(await gateway.client.get("/v1/health/"), 404, "not-found")
    not_allowed = await gateway.client.delete("/v1/children/lookup", headers=gateway.auth("school-a"))
    problem(not_allowed, 405, "method-not-allowed")
    assert not_allowed.headers["allow"] == "POST"
    both = await gateway.client.delete("/v1/routekaart", headers=gateway.auth("school-a"))
    problem(both, 405, "method-not-allowed")
    assert both.headers["allow"] == "GET, PUT"  # every method of the resource, not only its first route's
    spec = await gateway.client.get("/v1/openapi.json")
    assert spec.headers["access-control-allow-origin"] == "*" and spec.json()["openapi"] == "3.1.0"


async def test_bsn_in_url_is_refused_before_routing(gateway: Gateway) -> None:
    for url in (f"/v1/children/{BSN}", f"/v1/children/lookup?bsn={BSN}", "/v1/health?q=999-990-019"):
        body = problem(await gateway.client.get(url, headers=gateway.auth("school-a")), 400, "bsn-in-url")
        assert BSN not in str(body)
    assert await gateway.count("audit_record") == 0


async def test_oversized_body_is_refused(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/v1/involvements", headers=gateway.auth("school-a"),
        content=b'{"bsn": "' + BSN.encode() + b'", "purpose": "signalering", "x": "' + b"a" * 70_000 + b'"}')
    problem(response, 413, "payload-too-large")
    assert await gateway.count("child") == 0


async def test_streamed_oversized_body_is_refused(gateway: Gateway) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"bsn": "' + BSN.encode() + b'", "purpose": "signalering", "x": "'
        for _ in range(20):
            yield b"a" * 4096
        yield b'"}'

    response = await gateway.client.post("/v1/involvements", headers=gateway.auth("school-a"), content=chunks())
    problem(response, 413, "payload-too-large")
    assert await gateway.count("child") == 0


async def test_concurrent_registrations_by_one_organisation_make_one_involvement(gateway: Gateway) -> None:
    import anyio

    statuses: list[int] = []

    async def register() -> None:
        statuses.append((await gateway.register("school-a", BSNS[5])).status_code)

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tasks:
            for _ in range(6):
                tasks.start_soon(register)
    assert sorted(statuses) == [201] + [409] * 5
    assert await gateway.count("involvement") == 1 and await gateway.count("child") == 1
