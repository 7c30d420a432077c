"""Consent API end to end: registered after a meeting, checked against the BRP, withdrawn at once, receipts."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from consent.receipts import verify_receipt
from tests.fixtures.brp_server import brp_server
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, problem, running_gateway

pytestmark = pytest.mark.anyio
TWO_PARENTS, ONE_PARENT_14, GUARDIAN, SEVENTEEN, UNKNOWN_GEZAG = BSNS[:5]
MOTHER, FATHER, PARENT, VOOGD = "999990111", "999990123", "999990135", "999990147"


@pytest.fixture
async def gw(database_url: str, tmp_path: Path) -> AsyncIterator[Gateway]:
    with brp_server() as brp:
        async with running_gateway(gateway_settings(tmp_path, database_url, brp_url=brp.url)) as gateway:
            for bsn in BSNS[:5]:
                for org in ("school-a", "ggd"):
                    assert (await gateway.register(org, bsn)).status_code == 201
            yield gateway


def _grant(bsn: str, child: bool, custodians: list[str], recipients: tuple[str, ...] = ("school-a",)) -> dict:  # type: ignore[type-arg]
    return {"bsn": bsn, "purpose": "afstemming-kernteam", "recipients": list(recipients),
            "given_by": {"child": child, "custodians": custodians}}


async def _card(gw: Gateway, bsn: str) -> dict:  # type: ignore[type-arg]
    ref = (await gw.client.post("/v1/children/lookup", headers=gw.auth("school-a"),
                                json={"bsn": bsn, "purpose": "afstemming-kernteam"})).json()["child_ref"]
    return (await gw.client.get(f"/v1/children/{ref}", params={"purpose": "afstemming-kernteam"},
                                headers=gw.auth("school-a"))).json()  # type: ignore[no-any-return]


async def test_consent_of_both_parents_opens_the_card_and_withdrawal_closes_it_at_once(gw: Gateway) -> None:
    assert "attendance" not in await _card(gw, TWO_PARENTS)
    response = await gw.client.post("/v1/consents", headers=gw.auth("ggd"),
                                    json=_grant(TWO_PARENTS, False, [MOTHER, FATHER], ("school-a", "jeugdteam")))
    assert response.status_code == 201, response.text
    body = response.json()
    assert [c["recipient"] for c in body["consents"]] == ["school-a", "jeugdteam"]
    assert all(c["status"] == "active" and c["obtained_via"] == "organisation" for c in body["consents"])
    jwks = (await gw.client.get("/v1/webhooks/jwks")).json()
    content = verify_receipt(body["receipts"][0], jwks)
    assert content["action"] == "grant" and len(content["given_by"]) == 2
    assert all(MOTHER not in g and FATHER not in g for g in content["given_by"])  # pseudonyms, not BSNs
    assert "attendance" in await _card(gw, TWO_PARENTS)

    consent_id = body["consents"][0]["id"]
    withdrawal = await gw.client.delete(f"/v1/consents/{consent_id}", params={"purpose": "afstemming-kernteam"},
                                        headers=gw.auth("ggd"))
    assert withdrawal.status_code == 200
    assert verify_receipt(withdrawal.json(), jwks)["action"] == "withdrawal"
    assert "attendance" not in await _card(gw, TWO_PARENTS)  # the very next request
    receipts = (await gw.client.get(f"/v1/consents/{consent_id}/receipts", params={"purpose": "afstemming-kernteam"},
                                    headers=gw.auth("school-a"))).json()
    assert [r["receipt"]["action"] for r in receipts] == ["grant", "withdrawal"]
    fhir = (await gw.client.get(f"/v1/consents/{consent_id}/fhir", params={"purpose": "afstemming-kernteam"},
                                headers=gw.auth("school-a"))).json()
    assert fhir["resourceType"] == "Consent" and fhir["status"] == "inactive" and fhir["decision"] == "permit"
    assert fhir["provision"][0]["purpose"][0]["code"] == "afstemming-kernteam"


@pytest.mark.parametrize(("bsn", "child", "custodians", "reason"), [
    (TWO_PARENTS, False, [MOTHER], "custodians-missing"),          # joint custody: both parents
    (TWO_PARENTS, True, [], "custodians-missing"),                 # under 12 the child cannot decide
    (ONE_PARENT_14, True, [], "custodians-missing"),               # under 16 not alone
    (ONE_PARENT_14, False, [PARENT], "child-must-consent"),        # from 12 the child too
    (GUARDIAN, False, [MOTHER], "not-a-custodian"),                # only who has gezag
    (UNKNOWN_GEZAG, False, [MOTHER], "birth-date-unknown"),
])
async def test_consent_that_the_law_does_not_accept_is_refused(
        gw: Gateway, bsn: str, child: bool, custodians: list[str], reason: str) -> None:
    before = await gw.count("consent")
    response = await gw.client.post("/v1/consents", headers=gw.auth("ggd"), json=_grant(bsn, child, custodians))
    assert problem(response, 400, "consent-not-valid")["reason"] == reason
    assert await gw.count("consent") == before and await gw.count("consent_receipt") == 0


@pytest.mark.parametrize(("bsn", "child", "custodians"), [
    (ONE_PARENT_14, True, [PARENT]), (GUARDIAN, False, [VOOGD]), (SEVENTEEN, True, []),
])
async def test_consent_by_the_right_people_per_age_band_and_custody(
        gw: Gateway, bsn: str, child: bool, custodians: list[str]) -> None:
    response = await gw.client.post("/v1/consents", headers=gw.auth("ggd"), json=_grant(bsn, child, custodians))
    assert response.status_code == 201, response.text


async def test_a_refusal_is_recorded_with_a_receipt_and_opens_nothing(gw: Gateway) -> None:
    body = _grant(TWO_PARENTS, False, [MOTHER]) | {"decision": "refused"}  # one parent's no is enough
    response = await gw.client.post("/v1/consents", headers=gw.auth("ggd"), json=body)
    assert response.status_code == 201, response.text
    (consent,) = response.json()["consents"]
    assert consent["status"] == "refused"
    jwks = (await gw.client.get("/v1/webhooks/jwks")).json()
    assert verify_receipt(response.json()["receipts"][0], jwks)["action"] == "refusal"
    assert "attendance" not in await _card(gw, TWO_PARENTS)
    fhir = (await gw.client.get(f"/v1/consents/{consent['id']}/fhir", params={"purpose": "afstemming-kernteam"},
                                headers=gw.auth("school-a"))).json()
    assert fhir["decision"] == "deny"
    withdraw = await gw.client.delete(f"/v1/consents/{consent['id']}", params={"purpose": "afstemming-kernteam"},
                                      headers=gw.auth("ggd"))
    problem(withdraw, 404, "consent-not-found")  # nothing to withdraw
    nobody = await gw.client.post("/v1/consents", headers=gw.auth("ggd"),
                                  json=_grant(TWO_PARENTS, False, []) | {"decision": "refused"})
    assert problem(nobody, 400, "consent-not-valid")["reason"] == "nobody-named"


async def test_uninvolved_partner_cannot_register_consent(gw: Gateway) -> None:
    response = await gw.client.post("/v1/consents", headers=gw.auth("jeugdteam"),
                                    json=_grant(SEVENTEEN, True, []))
    assert problem(response, 403, "policy-denied")["reasons"] == ["no-involvement-or-statutory-task"]
    assert await gw.count("consent") == 0


async def test_expired_consent_is_listed_as_expired_and_gives_nothing(gw: Gateway) -> None:
    body = _grant(SEVENTEEN, True, []) | {"valid_from": "2025-01-01", "valid_until": "2025-12-31"}
    assert (await gw.client.post("/v1/consents", headers=gw.auth("ggd"), json=body)).status_code == 201
    ref = (await gw.client.post("/v1/children/lookup", headers=gw.auth("school-a"),
                                json={"bsn": SEVENTEEN, "purpose": "afstemming-kernteam"})).json()["child_ref"]
    listed = (await gw.client.get(f"/v1/children/{ref}/consents", params={"purpose": "afstemming-kernteam"},
                                  headers=gw.auth("school-a"))).json()
    assert [c["status"] for c in listed["consents"]] == ["expired"]
    assert "attendance" not in await _card(gw, SEVENTEEN)


async def test_recipient_is_told_when_its_consent_changes_and_no_bsn_is_kept(database_url: str, tmp_path: Path) -> None:
    import json

    from tests.fixtures.receiver import webhook_receiver

    with brp_server() as brp, webhook_receiver() as receiver:
        settings = gateway_settings(tmp_path, database_url, brp_url=brp.url)
        async with running_gateway(settings, webhooks={"school-a": receiver.for_org("school-a")}) as gw:
            for org in ("ggd", "school-a"):
                await gw.register(org, TWO_PARENTS)
            await gw.app.state.outbox.deliver_due()  # the match messages
            receiver.deliveries.clear()
            granted = (await gw.client.post("/v1/consents", headers=gw.auth("ggd"),
                                            json=_grant(TWO_PARENTS, False, [MOTHER, FATHER]))).json()
            consent_id = granted["consents"][0]["id"]
            await gw.client.delete(f"/v1/consents/{consent_id}", params={"purpose": "afstemming-kernteam"},
                                   headers=gw.auth("ggd"))
            assert await gw.app.state.outbox.deliver_due() == 2
            school_ref = (await gw.register("school-a", TWO_PARENTS)).json()  # 409, but nothing else to learn
            assert school_ref["code"] == "involvement-exists"
            rows = []
            for table in ("consent", "consent_receipt", "outbox_message", "audit_record"):
                rows += await gw.rows(f"SELECT t.* FROM {table} t")  # noqa: S608
            dump = "\n".join(str(r) for r in rows)
    events = [json.loads(d.body) for d in receiver.to("school-a")]
    assert sorted((e["type"], e["action"], e["consent_id"]) for e in events) == [  # delivery order is not promised
        ("consent.changed", "grant", consent_id), ("consent.changed", "withdrawal", consent_id)]
    for bsn in (TWO_PARENTS, MOTHER, FATHER):
        assert bsn not in dump


async def test_a_region_may_let_one_parent_with_joint_custody_consent_for_a_purpose(
        database_url: str, tmp_path: Path) -> None:
    import shutil

    from gateway.policy.engine import DEFAULT_POLICY_DIR

    policies = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICY_DIR, policies)
    vocabulary = policies / "inbeeld" / "vocabulary" / "vocabulary.rego"
    setting = "one_custodian_suffices := set()"
    assert setting in vocabulary.read_text()
    vocabulary.write_text(vocabulary.read_text().replace(setting, 'one_custodian_suffices := {"signalering"}'))
    with brp_server() as brp:
        settings = gateway_settings(tmp_path, database_url, brp_url=brp.url, policy_dir=policies)
        async with running_gateway(settings) as gw:
            assert (await gw.register("ggd", TWO_PARENTS)).status_code == 201
            one_parent = _grant(TWO_PARENTS, False, [MOTHER])
            signal = await gw.client.post("/v1/consents", headers=gw.auth("ggd"),
                                          json=one_parent | {"purpose": "signalering"})
            assert signal.status_code == 201, signal.text
            weighty = await gw.client.post("/v1/consents", headers=gw.auth("ggd"), json=one_parent)
            assert problem(weighty, 400, "consent-not-valid")["reason"] == "custodians-missing"
