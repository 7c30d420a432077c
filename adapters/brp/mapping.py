"""Pure functions from the Haal Centraal BRP personen v2 response to `Person`."""

from datetime import date
from typing import Any

from adapters.protocols import Custody, Person

FIELDS = ["burgerservicenummer", "geboorte.datum", "gezag"]
PORTAL_FIELDS = [*FIELDS, "naam.voornamen"]

_CUSTODY = {
    "TweehoofdigOuderlijkGezag": Custody.two_parents,
    "EenhoofdigOuderlijkGezag": Custody.one_parent,
    "GezamenlijkGezag": Custody.parent_and_third,
    "Voogdij": Custody.guardian,
    "TijdelijkGeenGezag": Custody.none,
    "GezagNietTeBepalen": Custody.unknown,
}


def request_body(bsn: str, *, for_portal: bool = False) -> dict[str, Any]:
    return {"type": "RaadpleegMetBurgerservicenummer", "burgerservicenummer": [bsn],
            "fields": PORTAL_FIELDS if for_portal else FIELDS}


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


def _minor(entry: dict[str, Any]) -> str | None:
    value = (entry.get("minderjarige") or {}).get("burgerservicenummer")
    return value if isinstance(value, str) else None


def person_from_response(payload: dict[str, Any], bsn: str) -> Person | None:
    """The person with this BSN, or None when the BRP does not know it."""
    for person in payload.get("personen", []):
        if person.get("burgerservicenummer") != bsn:
            continue
        entries = [e for e in person.get("gezag", []) if isinstance(e, dict)]
        # Gezag over others: the entries about a minor that name this person as a custodian.
        in_custody = tuple(m for e in entries if (m := _minor(e)) not in (None, bsn) and bsn in _custodians(e))
        given_name = str((person.get("naam") or {}).get("voornamen") or "").split(" ")[0]
        own = [e for e in entries if _minor(e) in (None, bsn)]
        if not own:
            custody = Custody.none if not entries or in_custody else Custody.unknown
            return Person(birth_date=_birth_date(person), custody=custody, custodians=(), given_name=given_name,
                          minors_in_custody=in_custody)
        entry = own[0]
        return Person(birth_date=_birth_date(person), custody=_CUSTODY.get(entry.get("type", ""), Custody.unknown),
                      custodians=_custodians(entry), given_name=given_name, minors_in_custody=in_custody)
    return None
