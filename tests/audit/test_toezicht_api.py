"""The privacy officer's API: the own organisation's records with filters and flags, CSV and JSON export, the
daily activity — under the toezicht policy, itself audited, without a BSN anywhere."""

from pathlib import Path

import pytest

from gateway.core.vocabulary import Role
from tests.fixtures.gateway import BSNS, Gateway, problem

pytestmark = pytest.mark.anyio
TOEZICHT = {"purpose": "toezicht"}


def _officer(gw: Gateway, org: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {gw.token(org, Role.privacy_officer, professional='fg-1')}"}


async def _lookup(gw: Gateway, org: str, bsn: str, purpose: str = "signalering", professional: str = "prof-1") -> int:
    response = await gw.client.post("/v1/children/lookup", json={"bsn": bsn, "purpose": purpose},
                                    headers={"Authorization": f"Bearer {gw.token(org, professional=professional)}"})
    return response.status_code


async def test_the_officer_sees_the_own_organisation_with_filters_and_flags(gateway: Gateway) -> None:
    gw = gateway
    assert (await gw.register("school-a", BSNS[0])).status_code == 201
    for _ in range(6):  # a burst of refusals: school-a asks about children it has nothing to do with
        assert await _lookup(gw, "school-a", BSNS[3], professional="prof-curious") == 403
    for _ in range(24):  # one professional reads far more than the others
        assert await _lookup(gw, "school-a", BSNS[0], professional="prof-busy") == 200
    assert await _lookup(gw, "school-a", BSNS[0], professional="prof-calm") == 200
    assert await _lookup(gw, "ggd", BSNS[0]) == 403  # another organisation: not in school-a's view

    page = (await gw.client.get("/v1/audit/records", params=TOEZICHT, headers=_officer(gw, "school-a"))).json()
    assert {r["organisation_id"] for r in page["records"]} == {"school-a"}
    assert [r["seq"] for r in page["records"]] == sorted((r["seq"] for r in page["records"]), reverse=True)
    kinds = {(f["kind"], f["professional"]) for f in page["flags"]}
    assert {("denial-burst", "prof-curious"), ("unusual-volume", "prof-busy")} <= kinds
    assert ("statutory-access", "prof-busy") not in kinds  # the involvement signal is no statutory task

    refused = (await gw.client.get("/v1/audit/records", headers=_officer(gw, "school-a"), params={
        **TOEZICHT, "outcome": "denied", "professional": "prof-curious", "limit": 4})).json()
    assert len(refused["records"]) == 4 and refused["next_before"] is not None
    rest = (await gw.client.get("/v1/audit/records", headers=_officer(gw, "school-a"), params={
        **TOEZICHT, "outcome": "denied", "professional": "prof-curious", "before": refused["next_before"]})).json()
    assert len(rest["records"]) == 2
    assert all(r["reasons"] for r in refused["records"] + rest["records"])
    for wrong in ("refused", "Denied", "not_found", ""):  # an unknown outcome is a 422, not an empty page
        for path in ("/v1/audit/records", "/v1/audit/records.csv"):
            answer = await gw.client.get(path, headers=_officer(gw, "school-a"), params={**TOEZICHT, "outcome": wrong})
            problem(answer, 422, "validation-failed")
    missing = (await gw.client.get("/v1/audit/records", headers=_officer(gw, "school-a"), params={
        **TOEZICHT, "outcome": "not-found"})).json()
    assert missing["records"] == []  # school-a asked about no unknown child
    answered = (await gw.client.get("/v1/audit/records", headers=_officer(gw, "school-a"), params={
        **TOEZICHT, "outcome": "allowed", "professional": "prof-busy"})).json()
    assert [r["outcome"] for r in answered["records"]] == ["allowed"] * 24

    ref = page["records"][0]["child_ref"]
    about_child = (await gw.client.get("/v1/audit/records", headers=_officer(gw, "school-a"),
                                       params={**TOEZICHT, "child_ref": ref})).json()
    assert {r["child_ref"] for r in about_child["records"]} == {ref}

    activity = (await gw.client.get("/v1/audit/activity", params=TOEZICHT, headers=_officer(gw, "school-a"))).json()
    assert sum(d["allowed"] for d in activity) >= 26 and sum(d["denied"] for d in activity) == 6


async def test_statutory_and_uninvolved_accesses_are_flagged(gateway: Gateway) -> None:
    gw = gateway
    assert (await gw.register("school-a", BSNS[1])).status_code == 201
    assert await _lookup(gw, "leerplicht", BSNS[1], purpose="leerplicht-handhaving") == 200  # statute, no involvement
    page = (await gw.client.get("/v1/audit/records", params=TOEZICHT, headers=_officer(gw, "leerplicht"))).json()
    kinds = {f["kind"] for f in page["flags"]}
    assert {"statutory-access", "no-involvement"} <= kinds
    (read,) = [r for r in page["records"] if r["action"] == "child.lookup"]
    assert read["statutory"] and read["basis"] == "leerplichtwet" and read["processing_activity"]


async def test_only_a_privacy_officer_for_toezicht_reads_the_log_and_each_look_is_audited(gateway: Gateway) -> None:
    gw = gateway
    professional = await gw.client.get("/v1/audit/records", params=TOEZICHT, headers=gw.auth("school-a"))
    assert problem(professional, 403, "policy-denied")["reasons"] == ["action-not-allowed-for-role"]
    wrong_purpose = await gw.client.get("/v1/audit/records", params={"purpose": "signalering"},
                                        headers=_officer(gw, "school-a"))
    problem(wrong_purpose, 422, "validation-failed")
    problem(await gw.client.get("/v1/audit/records", params=TOEZICHT), 401, "unauthorized")
    assert (await gw.client.get("/v1/audit/records", params=TOEZICHT, headers=_officer(gw, "school-a"))
            ).status_code == 200
    looks = await gw.rows("SELECT action, outcome, basis FROM audit_record WHERE action LIKE 'audit.%'")
    assert sorted(tuple(r) for r in looks) == [("audit.read", "allowed", "avg-39-toezicht"),
                                               ("audit.read", "denied", None)]


async def test_exports_hold_no_bsn_and_neutralise_spreadsheet_formulas(gateway: Gateway, tmp_path: Path) -> None:
    gw = gateway
    for bsn in BSNS[:3]:
        assert (await gw.register("school-a", bsn)).status_code == 201
        await _lookup(gw, "school-a", bsn, professional="=HYPERLINK(\"http://evil\")")
    csv_export = await gw.client.get("/v1/audit/records.csv", params=TOEZICHT, headers=_officer(gw, "school-a"))
    assert csv_export.status_code == 200 and csv_export.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK" in csv_export.text and ",=HYPERLINK" not in csv_export.text
    json_export = await gw.client.get("/v1/audit/records", params={**TOEZICHT, "limit": 1000},
                                      headers=_officer(gw, "school-a"))
    for bsn in BSNS:
        assert bsn not in csv_export.text and bsn not in json_export.text
    # The JSON was asked after the CSV, so it also holds the record of the export itself.
    assert len(csv_export.text.splitlines()) - 1 == len(json_export.json()["records"]) - 1


async def test_the_csv_export_streams_the_log_in_batches_as_it_stood(gateway: Gateway,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 3: every record once, in order, up to the export's start (its own record comes after)."""
    import csv
    import io

    from gateway.audit import search

    monkeypatch.setattr(search, "EXPORT_BATCH", 3)
    gw = gateway
    for bsn in BSNS[:4]:
        assert (await gw.register("school-a", bsn)).status_code == 201
        await _lookup(gw, "school-a", bsn)
    expected = [r.seq for r in await gw.rows(
        "SELECT seq FROM audit_record WHERE organisation_id = 'school-a' ORDER BY seq")]
    assert len(expected) > 3 * 2  # more than two batches
    export = await gw.client.get("/v1/audit/records.csv", params=TOEZICHT, headers=_officer(gw, "school-a"))
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [int(r["seq"]) for r in rows] == expected
    own = await gw.rows("SELECT seq FROM audit_record WHERE action = 'audit.export'")
    assert len(own) == 1 and own[0].seq > expected[-1]
