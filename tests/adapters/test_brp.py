"""The BRP adapter against a local server speaking the Haal Centraal personen request and response shape."""

from datetime import date

import httpx
import pytest

from adapters.brp.client import BrpClient
from adapters.errors import AdapterError, SourceTimeout, SourceUnavailable
from adapters.protocols import Custody, Person
from tests.fixtures.brp_server import brp_server

pytestmark = pytest.mark.anyio


async def test_children_with_their_gezag() -> None:
    with brp_server() as brp:
        async with httpx.AsyncClient() as http:
            client = BrpClient(http, base_url=brp.url)
            assert await client.person("999990019") == Person(date(2018, 4, 1), Custody.two_parents,
                                                              ("999990111", "999990123"))
            assert await client.person("999990032") == Person(date(2012, 9, 30), Custody.one_parent, ("999990135",))
            assert await client.person("999990044") == Person(date(2015, 1, 15), Custody.guardian, ("999990147",))
            assert await client.person("999990056") == Person(date(2009, 2, 1), Custody.none, ())
            assert await client.person("999990068") == Person(None, Custody.unknown, ())
            assert await client.person("999990081") is None
    assert brp.requests[0] == {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": ["999990019"],
                               "fields": ["burgerservicenummer", "geboorte.datum", "gezag"]}


@pytest.mark.parametrize(("setup", "error"), [
    ({"status": 503}, SourceUnavailable),
    ({"status": 400}, AdapterError),
    ({"raw_body": b"<html>"}, AdapterError),
    ({"raw_body": b"[]"}, AdapterError),
    ({"raw_body": b'{"personen": "999990019"}'}, AdapterError),
    ({"raw_body": b'{"personen": [1]}'}, AdapterError),
    ({"raw_body": b'{"personen": [{"burgerservicenummer": "999990019", "geboorte": []}]}'}, AdapterError),
    ({"raw_body": b'{"personen": [{"burgerservicenummer": "999990019", "gezag": [{"minderjarige": 1}]}]}'},
     AdapterError),
    ({"delay_seconds": 0.5}, SourceTimeout),
])
async def test_source_failures_map_to_the_error_tree(setup: dict[str, object], error: type[AdapterError]) -> None:
    with brp_server() as brp:
        for name, value in setup.items():
            setattr(brp, name, value)
        async with httpx.AsyncClient() as http:
            with pytest.raises(error) as raised:
                await BrpClient(http, base_url=brp.url, timeout_seconds=0.2).person("999990019")
    assert raised.value.status == (504 if error is SourceTimeout else 502)
    assert "999990019" not in str(raised.value)  # no BSN in an error


async def test_unreachable_source() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(SourceUnavailable):
            await BrpClient(http, base_url="http://127.0.0.1:9", timeout_seconds=1).person("999990019")
