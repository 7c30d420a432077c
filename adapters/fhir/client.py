"""A FHIR R4 server, e.g. the GGD's youth-health system, asked whether a jeugdarts consult is planned or took place.

The child is the FHIR `Patient` with the identifier `https://inbeeld.nl/fhir/child-ref|<the GGD's reference>`.
Planned: an `Appointment` with status proposed/pending/booked; took place: a `finished` `Encounter`. Only dates and
yes/no come out — the reason of a consult only when the caller asks for the `reason` field (and policy allows it)."""

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from adapters.errors import AdapterError
from adapters.http import get_json
from adapters.protocols import Scalar, SourceAnswer

CHILD_REF_SYSTEM = "https://inbeeld.nl/fhir/child-ref"
CATEGORY = "jgz-contact"
_PLANNED = {"proposed", "pending", "booked"}


class FhirSource:
    def __init__(self, client: httpx.AsyncClient, *, source: str, base_url: str, timeout_seconds: float) -> None:
        self._client, self._source = client, source
        self._base = base_url.rstrip("/")
        self._timeout = httpx.Timeout(timeout_seconds)

    async def _search(self, resource: str, child_ref: str) -> list[dict[str, Any]]:
        bundle = await get_json(self._client, self._source, f"{self._base}/{resource}", params={
            "patient.identifier": f"{CHILD_REF_SYSTEM}|{child_ref}", "_count": "50"}, limits=self._timeout)
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise AdapterError(self._source, "not a FHIR Bundle")
        resources = [e.get("resource") for e in bundle.get("entry") or [] if isinstance(e, dict)]
        if not all(isinstance(r, dict) and r.get("resourceType") == resource for r in resources):
            raise AdapterError(self._source, f"not a Bundle of {resource}")
        return resources  # type: ignore[return-value]

    async def details(self, child_ref: str, categories: Sequence[str], *, purpose: str) -> SourceAnswer:
        if CATEGORY not in categories:
            return SourceAnswer({})
        appointments, encounters = await asyncio.gather(self._search("Appointment", child_ref),
                                                        self._search("Encounter", child_ref))
        def day(value: Any) -> date:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                raise AdapterError(self._source, "a date that is not a date") from None

        planned = sorted(day(a.get("start")) for a in appointments if a.get("status") in _PLANNED)
        held = sorted((e for e in encounters if e.get("status") == "finished"),
                      key=lambda e: day((e.get("period") or {}).get("start")))
        fields: dict[str, Scalar] = {
            "planned": bool(planned), "next_contact_on": planned[0].isoformat() if planned else None,
            "took_place": bool(held),
            "last_contact_on": day((held[-1].get("period") or {}).get("start")).isoformat() if held else None,
            "reason": _reason(held[-1]) if held else None,
        }
        return SourceAnswer({CATEGORY: fields})


def _reason(encounter: dict[str, Any]) -> str | None:
    codes = encounter.get("reasonCode") or []
    text = codes[0].get("text") if codes and isinstance(codes[0], dict) else None
    return str(text)[:200] if text else None
