"""Every role × endpoint × purpose × basis state, against one table of what the rules say.

The table below restates the policy independently of the Rego; the test asks the running gateway and
compares the decision and the exact visible fields. Any difference fails, above all an unexpected allow. It runs
twice: with the embedded engine (regorus) and with OPA itself behind its Data API, as the production sidecar.
"""

import contextlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from consent import repository as consents
from consent.models import ConsentStatus
from gateway.core.clock import local_date
from gateway.core.vocabulary import OrgType, Purpose, Role
from gateway.index import repository as index
from gateway.policy.engine import build_bundle
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, running_gateway
from tests.fixtures.opa_server import opa_server

pytestmark = pytest.mark.anyio

# --- the table ----------------------------------------------------------------------------------
ROLES: dict[OrgType, tuple[str, ...]] = {
    OrgType.school: ("zorgcoordinator", "intern-begeleider", "verzuimadministratie", "privacy-officer"),
    OrgType.ggd: ("jeugdarts", "jeugdverpleegkundige", "privacy-officer"),
    OrgType.leerplicht: ("leerplichtambtenaar", "privacy-officer"),
    OrgType.jeugdteam: ("jeugdprofessional", "teammanager", "privacy-officer"),
    OrgType.swv: ("consulent", "interventieteam", "privacy-officer"),
    OrgType.save: ("jeugdbeschermer", "privacy-officer"),
    OrgType.rvdk: ("raadsonderzoeker", "privacy-officer"),
    OrgType.rmc: ("rmc-consulent", "privacy-officer"),
}
CALLER_ORG = {OrgType.school: "school-a", OrgType.ggd: "ggd", OrgType.leerplicht: "leerplicht",
              OrgType.jeugdteam: "jeugdteam", OrgType.swv: "swv", OrgType.save: "save", OrgType.rvdk: "rvdk",
              OrgType.rmc: "rmc"}
PROFESSIONALS = {r for roles in ROLES.values() for r in roles} - {"privacy-officer"}
CASE_ROLES = PROFESSIONALS - {"rmc-consulent"}  # the RMC sees status and schools, never a case
CASE_PURPOSES = {"signalering", "afstemming-kernteam", "actietafel", "interventieteam", "leerplicht-handhaving",
                 "jeugdbescherming", "voortijdig-schoolverlaten"}
ENDPOINTS: dict[str, tuple[set[str], set[str]]] = {  # endpoint: (roles, purposes)
    "lookup": (PROFESSIONALS, CASE_PURPOSES),
    "card": (PROFESSIONALS, CASE_PURPOSES),
    "involvements": (PROFESSIONALS, CASE_PURPOSES),
    "event": ({"zorgcoordinator", "intern-begeleider", "verzuimadministratie", "leerplichtambtenaar"},
              {"signalering", "leerplicht-handhaving", "afstemming-kernteam", "actietafel", "interventieteam"}),
    "case": (CASE_ROLES, CASE_PURPOSES),
    "regisseur": (CASE_ROLES - {"verzuimadministratie"}, {"afstemming-kernteam", "actietafel", "interventieteam"}),
}
STATUTORY = {(OrgType.leerplicht, "leerplicht-handhaving"), (OrgType.save, "jeugdbescherming"),
             (OrgType.rvdk, "jeugdbescherming"), (OrgType.rmc, "voortijdig-schoolverlaten")}
OWN_PURPOSES = {OrgType.rmc: {"voortijdig-schoolverlaten"}}  # no other type acts for them, nor the type for others
SEES_ONLY = {OrgType.rmc: {"school"}}  # whatever its basis; and no regisseur
HIDDEN_ON_SIGNAL = {OrgType.school: {"save", "rvdk"}, OrgType.ggd: {"save", "rvdk"}}
STATES = ("not-involved", "no-consent", "consent-active", "consent-withdrawn", "consent-expired", "consent-only")
UNINVOLVED = {"not-involved", "consent-only"}  # only school-b is involved; in consent-only every caller has consent
INVOLVED_ORGS = set(CALLER_ORG.values())


def expected(org_type: OrgType, role: str, endpoint: str, purpose: str, state: str) -> tuple[int, frozenset[str]]:
    """(status, visible fields) by the table."""
    roles, purposes = ENDPOINTS[endpoint]
    statutory = (org_type, purpose) in STATUTORY
    involved = state not in UNINVOLVED
    opened_by_consent = state == "consent-only" and endpoint in ("lookup", "card", "involvements", "case")
    owner = next((t for t, own in OWN_PURPOSES.items() if purpose in own), None)
    own_purpose = owner in (None, org_type) and purpose in OWN_PURPOSES.get(org_type, {purpose})
    allowed = role in roles and purpose in purposes and own_purpose and (involved or statutory or opened_by_consent)
    if endpoint == "case":  # the clocks are more than the signal: a statutory task, zorgplicht or consent
        allowed = allowed and (statutory or org_type in (OrgType.school, OrgType.swv)
                               or state in ("consent-active", "consent-only"))
    if endpoint == "regisseur":
        allowed = allowed and involved  # the caller names itself; it must be involved
    if not allowed:
        return 403, frozenset()
    beyond_signal = statutory or state in ("consent-active", "consent-only")
    if endpoint == "lookup":
        return 200, frozenset({"child_ref"})
    if endpoint == "event":
        return 201, frozenset({"attendance"})
    if endpoint == "case":
        return 200, frozenset({"case"})
    if endpoint == "regisseur":
        return 200, frozenset({"regisseur"})
    hidden = set() if beyond_signal else HIDDEN_ON_SIGNAL.get(org_type, set())
    present = {"school"} if state in UNINVOLVED else {t.value for t in CALLER_ORG}  # who is involved
    present &= SEES_ONLY.get(org_type, present)
    fields = {f"involvements:{t}" for t in present if t not in hidden}
    if endpoint == "card" and beyond_signal:
        fields |= {"attendance"} if org_type in SEES_ONLY else {"attendance", "regisseur"}
    return 200, frozenset(fields)


# --- the gateway --------------------------------------------------------------------------------
def _visible(endpoint: str, body: dict[str, Any]) -> frozenset[str]:
    if endpoint == "lookup":
        return frozenset(k for k in body if k == "child_ref")
    if endpoint == "event":
        return frozenset({"attendance"} if "status" in body else set())
    if endpoint == "case":
        return frozenset({"case"} if "episodes" in body else set())
    fields = {k for k in body if k in {"attendance", "regisseur"}}
    fields |= {f"involvements:{i['organisation']['type']}" for i in body.get("involvements") or []}
    return frozenset(fields)


async def _seed(gw: Gateway) -> dict[str, int]:
    """One child per basis state; in all but the first every caller organisation is involved."""
    children = {}
    today = local_date(datetime.now(UTC))
    for state, bsn in zip(STATES, BSNS, strict=False):
        orgs = ["school-b"] if state in UNINVOLVED else sorted(INVOLVED_ORGS)
        for org in orgs:
            purpose = {"save": "jeugdbescherming", "rvdk": "jeugdbescherming",
                       "rmc": "voortijdig-schoolverlaten"}.get(org, "signalering")
            assert (await gw.register(org, bsn, purpose=purpose)).status_code == 201
        (row,) = await gw.rows("SELECT id FROM child ORDER BY id DESC LIMIT 1")
        children[state] = row.id
        async with gw.app.state.context.db.engine.begin() as conn:
            await index.set_regisseur(conn, child_id=row.id, organisation_id=orgs[0])
            if state.startswith("consent-"):
                for org in INVOLVED_ORGS:
                    for purpose in Purpose:
                        await consents.add(
                            conn, child_id=row.id, purpose=purpose.value, recipient_id=org,
                            valid_from=date(2026, 1, 1),
                            valid_until=today - timedelta(days=1) if state == "consent-expired" else None,
                            status=ConsentStatus.withdrawn if state == "consent-withdrawn"
                            else ConsentStatus.active,
                            now=datetime.now(UTC))
    return children


async def _ask(gw: Gateway, *, org: str, role: str, endpoint: str, purpose: str, child_id: int, bsn: str) -> Any:
    headers = gw.auth(org, Role(role))
    ref = gw.app.state.context.child_refs().seal(child_id, org)
    if endpoint == "lookup":
        return await gw.client.post("/v1/children/lookup", headers=headers, json={"bsn": bsn, "purpose": purpose})
    if endpoint == "card":
        return await gw.client.get(f"/v1/children/{ref}", headers=headers, params={"purpose": purpose})
    if endpoint == "involvements":
        return await gw.client.get(f"/v1/children/{ref}/involvements", headers=headers, params={"purpose": purpose})
    if endpoint == "event":
        return await gw.client.post(f"/v1/children/{ref}/events", headers=headers, json={
            "id": str(uuid4()), "purpose": purpose, "kind": "unauthorised-absence", "starts_on": "2026-10-05",
            "ends_on": "2026-10-09", "hours": 25})
    if endpoint == "case":
        return await gw.client.get(f"/v1/children/{ref}/case", headers=headers, params={"purpose": purpose})
    return await gw.client.put(f"/v1/children/{ref}/regisseur", headers=headers,
                               json={"purpose": purpose, "organisation_id": org})


# One test per caller type (each on its own seeded gateway), so that the lanes' workers share the matrix.
@pytest.mark.parametrize("org_type", list(ROLES), ids=lambda t: t.value)
@pytest.mark.parametrize("engine", ["embedded", pytest.param("opa", marks=pytest.mark.slow)])  # OPA over HTTP
async def test_authorization_matrix(tmp_path: Path, engine: str, org_type: OrgType) -> None:
    with contextlib.ExitStack() as stack:
        opa_url = stack.enter_context(opa_server(build_bundle())).url if engine == "opa" else ""
        settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'matrix.db'}",
                                    policy_engine=engine, **({"opa_url": opa_url} if opa_url else {}))
        await _check_matrix(settings, org_type)


async def _check_matrix(settings: Any, org_type: OrgType) -> None:
    async with running_gateway(settings) as gw:
        children = await _seed(gw)
        bsn_of = dict(zip(STATES, BSNS, strict=False))
        outcomes: Counter[str] = Counter()
        mismatches = []
        org = CALLER_ORG[org_type]
        for role in ROLES[org_type]:
            for endpoint in ENDPOINTS:
                for purpose in Purpose:
                    for state in STATES:
                        want_status, want_fields = expected(org_type, role, endpoint, purpose.value, state)
                        response = await _ask(gw, org=org, role=role, endpoint=endpoint, purpose=purpose.value,
                                              child_id=children[state], bsn=bsn_of[state])
                        got_fields = _visible(endpoint, response.json()) if response.status_code in (200, 201) \
                            else frozenset()
                        case = (org_type.value, role, endpoint, purpose.value, state)
                        if response.status_code != want_status or got_fields != want_fields:
                            kind = "unexpected allow" if want_status == 403 else "mismatch"
                            mismatches.append((kind, case, response.status_code, sorted(got_fields ^ want_fields)))
                        outcomes["allowed" if response.status_code in (200, 201) else "denied"] += 1
        denied_audited = await gw.count("audit_record")
    total = sum(outcomes.values())
    print(f"authorization matrix ({settings.policy_engine}, {org_type.value}): {total} cases, "
          f"{outcomes['allowed']} allowed, {outcomes['denied']} denied, {len(mismatches)} mismatches")
    assert total == len(ROLES[org_type]) * len(ENDPOINTS) * len(Purpose) * len(STATES)
    assert not mismatches, mismatches[:10]
    least = 15 if org_type in OWN_PURPOSES else 100  # one purpose: 3 endpoints x 6 states for the RMC
    assert outcomes["allowed"] > least and outcomes["denied"] > 400, outcomes
    assert denied_audited >= total  # every request, allowed or denied, left an audit record
