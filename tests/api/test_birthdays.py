"""Ages change at midnight in Amsterdam, not in UTC: who must consent at 12 and 16, and the index keeping a child
until the month after it turns 23, decided on either side of that midnight, in winter and in summer time.
(Kwalificatieplicht ending at 18: tests/cases/test_status.py, `test_age_decides_who_counts`.)"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fixtures.brp_server import brp_server
from tests.fixtures.gateway import BSNS, gateway_settings, problem, running_gateway

pytestmark = pytest.mark.anyio
SIXTEEN_ON_1_FEB_2025 = BSNS[3]  # the BRP: born 2009-02-01, no one else has gezag
TWELVE_ON_30_SEP_2024 = BSNS[1]  # born 2012-09-30, one parent with gezag
PARENT = "999990135"


@dataclass
class SetClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("bsn", "instant", "child", "custodians", "reason"), [
    # 23:59:59 CET on 31 January: still 15, and no one with gezag can consent for the child
    (SIXTEEN_ON_1_FEB_2025, "2025-01-31T22:59:59", True, [], "no-custodian"),
    # 00:00 CET on 1 February (still 31 January in UTC): 16, the child decides alone
    (SIXTEEN_ON_1_FEB_2025, "2025-01-31T23:00:00", True, [], None),
    # 23:59:59 CEST on 29 September: 11, the parent decides
    (TWELVE_ON_30_SEP_2024, "2024-09-29T21:59:59", False, [PARENT], None),
    # 00:00 CEST on 30 September: 12, the child must consent too
    (TWELVE_ON_30_SEP_2024, "2024-09-29T22:00:00", False, [PARENT], "child-must-consent"),
])
async def test_who_must_consent_changes_at_midnight_in_amsterdam(
        database_url: str, tmp_path: Path, bsn: str, instant: str, child: bool, custodians: list[str],
        reason: str | None) -> None:
    clock = SetClock(utc(instant))
    with brp_server() as brp:
        settings = gateway_settings(tmp_path, database_url, brp_url=brp.url)
        async with running_gateway(settings, clock=clock) as gw:
            assert (await gw.register("ggd", bsn)).status_code == 201
            response = await gw.client.post("/v1/consents", headers=gw.auth("ggd"), json={
                "bsn": bsn, "purpose": "afstemming-kernteam", "recipients": ["school-a"],
                "given_by": {"child": child, "custodians": custodians}})
            if reason is None:
                assert response.status_code == 201, response.text
                assert await gw.count("consent") == 1
            else:
                assert problem(response, 400, "consent-not-valid")["reason"] == reason
                assert await gw.count("consent") == 0 and await gw.count("consent_receipt") == 0


@pytest.mark.parametrize(("instant", "birth_date", "kept"), [
    ("2026-11-30T22:59:59", "2003-11-15", True),   # 23:59:59 on 30 November in Amsterdam: still this month
    ("2026-11-30T23:00:00", "2003-11-15", False),  # 00:00 on 1 December: the month after turning 23
    ("2026-12-01T10:00:00", "2003-12-01", True),   # turns 23 today: kept until 1 January
    ("2026-12-31T22:59:59", "2003-12-01", True),
    ("2026-12-31T23:00:00", "2003-12-01", False),
    # a leap-day child turns 23 on 1 March, so is kept until 1 April (summer time by then: UTC+2)
    ("2027-03-31T21:59:59", "2004-02-29", True),
    ("2027-03-31T22:00:00", "2004-02-29", False),
])
async def test_a_child_past_the_index_age_is_not_registered(database_url: str, tmp_path: Path, instant: str,
                                                            birth_date: str, kept: bool) -> None:
    async with running_gateway(gateway_settings(tmp_path, database_url), clock=SetClock(utc(instant))) as gw:
        response = await gw.register("school-a", BSNS[0], birth_date=birth_date)
        if kept:
            assert response.status_code == 201, response.text
        else:
            problem(response, 400, "beyond-retention-age")
            assert await gw.count("child") == 0 and await gw.count("involvement") == 0
