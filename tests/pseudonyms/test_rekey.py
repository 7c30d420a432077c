"""Key rotation: a new pseudonym key, a re-key in batches while serving, every child still found."""

from pathlib import Path

import pytest

from gateway.core.keys import KeyRingSource, load_key_ring
from gateway.pseudonyms.rekey import rekey
from tests.fixtures.gateway import BSNS, gateway_settings, running_gateway

pytestmark = pytest.mark.anyio


async def test_rotation_and_rekey_while_serving(database_url: str, tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, database_url)
    async with running_gateway(settings) as gw:
        refs = {bsn: (await gw.register("leerplicht", bsn, purpose="leerplicht-handhaving")).json()["child_ref"]
                for bsn in BSNS}
        before = {tuple(r) for r in await gw.rows("SELECT id, index_key, key_id FROM child")}

        old_kid = load_key_ring(settings).pseudonym[-1].kid
        load_key_ring(settings).with_new_pseudonym_key().save(settings.key_file)  # `inbeeld keys rotate`
        keys = KeyRingSource(settings)
        gw.app.state.context.keys._next_check = 0  # the running gateway notices the file at its next check
        new_kid = keys.current().pseudonym[-1].kid
        assert new_kid != old_kid

        # Half-way: some rows lifted, some not; every child is still found, under the same reference.
        assert await rekey(gw.app.state.context.db, keys, batch=3) == len(BSNS)
        after = {tuple(r) for r in await gw.rows("SELECT id, index_key, key_id FROM child")}
        assert {r[0] for r in after} == {r[0] for r in before}
        assert {r[2] for r in after} == {new_kid}
        assert not {r[1] for r in after} & {r[1] for r in before}  # every stored value changed

        for bsn, ref in refs.items():
            found = await gw.client.post("/v1/children/lookup", headers=gw.auth("leerplicht"),
                                         json={"bsn": bsn, "purpose": "leerplicht-handhaving"})
            assert found.json() == {"child_ref": ref}
        # A child registered now is keyed with the new key and not duplicated.
        await gw.register("school-a", BSNS[0])
        assert await gw.count("child") == len(BSNS)
        assert await rekey(gw.app.state.context.db, keys) == 0


async def test_partial_rekey_keeps_old_rows_findable(database_url: str, tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, database_url)
    async with running_gateway(settings) as gw:
        for bsn in BSNS[:2]:
            await gw.register("leerplicht", bsn, purpose="leerplicht-handhaving")
        load_key_ring(settings).with_new_pseudonym_key().save(settings.key_file)
        gw.app.state.context.keys._next_check = 0
        # Nothing lifted yet: the gateway already writes with the new key but finds rows under the old one.
        second = await gw.register("school-a", BSNS[0])
        assert second.status_code == 201 and await gw.count("child") == 2
        new_child = await gw.register("school-a", BSNS[4])
        assert new_child.status_code == 201
        kids = sorted(r.key_id for r in await gw.rows("SELECT key_id FROM child"))
        assert len(set(kids)) == 2
