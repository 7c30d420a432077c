"""A demo BRP: the Haal Centraal "BRP bevragen" personen API (v2 request and response shape) over the
synthetic people of the demo region. Mounted at `/demo/brp` in demo and test mode only."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .people import DemoPerson

_GEZAG_PARTIES = {"TweehoofdigOuderlijkGezag": "ouders", "EenhoofdigOuderlijkGezag": "ouder", "Voogdij": "derden"}


def _gezag_of_minor(person: DemoPerson) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": person.custody, "minderjarige": {"burgerservicenummer": person.bsn}}
    parties = [{"burgerservicenummer": b} for b in person.custodians]
    key = _GEZAG_PARTIES.get(person.custody or "")
    if key == "ouder":
        entry[key] = parties[0]
    elif key:
        entry[key] = parties
    return entry


def brp_person(person: DemoPerson, people: dict[str, DemoPerson], fields: list[str]) -> dict[str, Any]:
    """The person as the personen API answers, limited to the top-level fields asked for."""
    gezag = ([_gezag_of_minor(person)] if person.custody else
             [_gezag_of_minor(people[child]) for child in person.children])
    full = {
        "burgerservicenummer": person.bsn,
        "naam": {"voornamen": person.given_name, "geslachtsnaam": person.family_name},
        "geboorte": {"datum": {"type": "Datum", "datum": person.birth_date.isoformat()}},
        "gezag": gezag,
        "kinderen": [{"burgerservicenummer": c, "naam": {"voornamen": people[c].given_name}}
                     for c in person.children],
    }
    wanted = {f.split(".")[0] for f in fields} or set(full)
    return {k: v for k, v in full.items() if k in wanted}


def create_brp_app(people: dict[str, DemoPerson]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/personen")
    async def personen(request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("type") != "RaadpleegMetBurgerservicenummer" or not isinstance(
                body.get("burgerservicenummer"), list) or len(body["burgerservicenummer"]) > 20:
            return JSONResponse({"title": "Minimale combinatie van parameters moet worden opgegeven.",
                                 "status": 400, "code": "paramsCombination"}, status_code=400,
                                media_type="application/problem+json")
        fields = [str(f) for f in body.get("fields", [])]
        found = [brp_person(people[b], people, fields) for b in body["burgerservicenummer"] if b in people]
        return JSONResponse({"type": "RaadpleegMetBurgerservicenummer", "personen": found})

    return app

