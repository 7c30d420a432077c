"""A FHIR R4 server, e.g. the GGD's youth-health system, asked whether a jeugdarts consult is planned or took place.

The child is the FHIR `Patient` with the identifier `https://inbeeld.nl/fhir/child-ref|<the GGD's reference>`.
Planned: an `Appointment` with status proposed/pending/booked; took place: a `finished` `Encounter`. Only dates and
yes/no come out — the reason of a consult only when the caller asks for the `reason` field (and policy allows it).

Both searches go in one FHIR `batch` (R4 §3.1.0.11 of the RESTful API): one request instead of two, and the
reference travels in the body, not in a URL the server's access log keeps."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx

from adapters.errors import AdapterError
from adapters.http import request_json
from adapters.protocols import Scalar, SourceAnswer

CHILD_REF_SYSTEM = "https://inbeeld.nl/fhir/child-ref"
CATEGORY = "jgz-contact"
_PLANNED = {"proposed", "pending", "booked"}
_SEARCHED = ("Appointment", "Encounter")


class FhirSource:
    def __init__(self, client: httpx.AsyncClient, *, source: str, base_url: str, timeout_seconds: float) -> None:
        self._client, self._source = client, source
        self._base = base_url.rstrip("/")
        self._timeout = httpx.Timeout(timeout_seconds)

    async def _search(self, child_ref: str) -> list[list[dict[str, Any]]]:
        """The Appointments and the Encounters of the child's Patient, by one batch."""
        query = urlencode({"patient.identifier": f"{CHILD_REF_SYSTEM}|{child_ref}", "_count": "50"})
        answer = await request_json(self._client, self._source, "POST", self._base, limits=self._timeout, body={
            "resourceType": "Bundle", "type": "batch",
            "entry": [{"request": {"method": "GET", "url": f"{resource}?{query}"}} for resource in _SEARCHED]})
        if not isinstance(answer, dict) or answer.get("resourceType") != "Bundle" \
                or answer.get("type") != "batch-response" or len(answer.get("entry") or []) != len(_SEARCHED):
            raise AdapterError(self._source, "not a FHIR batch-response Bundle")
        return [self._searchset(resource, entry) for resource, entry in zip(_SEARCHED, answer["entry"], strict=True)]

    def _searchset(self, resource: str, entry: Any) -> list[dict[str, Any]]:
        status = str(((entry or {}).get("response") or {}).get("status", "")) if isinstance(entry, dict) else ""
        if not status.startswith("200"):
            raise AdapterError(self._source, f"the {resource} search failed")
        bundle = entry.get("resource")
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise AdapterError(self._source, "not a FHIR Bundle")
        resources = [e.get("resource") for e in bundle.get("entry") or [] if isinstance(e, dict)]
        if not all(isinstance(r, dict) and r.get("resourceType") == resource for r in resources):
            raise AdapterError(self._source, f"not a Bundle of {resource}")
        return resources  # type: ignore[return-value]

    async def details(self, child_ref: str, categories: Sequence[str], *, purpose: str) -> SourceAnswer:
        if CATEGORY not in categories:
            return SourceAnswer({})
        appointments, encounters = await self._search(child_ref)
        try:
            return SourceAnswer({CATEGORY: _contacts(appointments, encounters)})
        except (AttributeError, TypeError, ValueError):  # a field not of FHIR's shape, or a date that is not one
            raise AdapterError(self._source, "a resource of the wrong shape") from None


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _contacts(appointments: list[dict[str, Any]], encounters: list[dict[str, Any]]) -> dict[str, Scalar]:
    planned = sorted(_day(a.get("start")) for a in appointments if a.get("status") in _PLANNED)
    held = sorted((e for e in encounters if e.get("status") == "finished"),
                  key=lambda e: _day((e.get("period") or {}).get("start")))
    return {
        "planned": bool(planned), "next_contact_on": planned[0].isoformat() if planned else None,
        "took_place": bool(held),
        "last_contact_on": _day((held[-1].get("period") or {}).get("start")).isoformat() if held else None,
        "reason": _reason(held[-1]) if held else None,
    }


def _reason(encounter: dict[str, Any]) -> str | None:
    codes = encounter.get("reasonCode") or []
    if not isinstance(codes, list):
        raise TypeError("reasonCode is a list of CodeableConcepts")
    text = codes[0].get("text") if codes else None
    return str(text)[:200] if text else None
