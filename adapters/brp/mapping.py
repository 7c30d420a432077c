"""Pure functions from the Haal Centraal BRP personen v2 response to `Person`."""

from datetime import date
from typing import Any

from adapters.protocols import Custody, Person

FIELDS = ["burgerservicenummer", "geboorte.datum", "gezag"]

_CUSTODY = {
    "TweehoofdigOuderlijkGezag": Custody.two_parents,
    "EenhoofdigOuderlijkGezag": Custody.one_parent,
    "GezamenlijkGezag": Custody.parent_and_third,
    "Voogdij": Custody.guardian,
    "TijdelijkGeenGezag": Custody.none,
    "GezagNietTeBepalen": Custody.unknown,
}


def request_body(bsn: str) -> dict[str, Any]:
    return {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [bsn], "fields": FIELDS}


def _birth_date(person: dict[str, Any]) -> date | None:
    value = person.get("geboorte", {}).get("datum", {})
    if value.get("type") != "Datum":  # DatumOnbekend, JaarDatum, JaarMaandDatum: not exact enough
        return None
    try:
        return date.fromisoformat(value["datum"])
    except (KeyError, ValueError):
        return None


def _custodians(entry: dict[str, Any]) -> tuple[str, ...]:
    people = [*entry.get("ouders", []), entry.get("ouder"), entry.get("derde"), *entry.get("derden", [])]
    return tuple(p["burgerservicenummer"] for p in people if isinstance(p, dict) and p.get("burgerservicenummer"))


def person_from_response(payload: dict[str, Any], bsn: str) -> Person | None:
    """The person with this BSN, or None when the BRP does not know it."""
    for person in payload.get("personen", []):
        if person.get("burgerservicenummer") != bsn:
            continue
        entries = [e for e in person.get("gezag", []) if isinstance(e, dict)]
        minors = [e for e in entries if (e.get("minderjarige") or {}).get("burgerservicenummer") in (None, bsn)]
        if not minors:
            return Person(birth_date=_birth_date(person), custody=Custody.none if not entries else Custody.unknown,
                          custodians=())
        entry = minors[0]
        return Person(birth_date=_birth_date(person), custody=_CUSTODY.get(entry.get("type", ""), Custody.unknown),
                      custodians=_custodians(entry))
    return None
