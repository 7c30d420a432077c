"""Synthetic region: PO and VO schools, GGD, leerplicht, buurtteam, two SWVs, SAVE, RvdK, and a few
hundred children in realistic situations. BSNs come from the 9999xxxxx test range and pass the
elfproef; they are made again from the seed, never stored."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.assertion import generate_client_key
from gateway.auth.service import enrol_client
from gateway.cases import repository as case_events
from gateway.cases.rules import RuleSet
from gateway.cases.status import assess
from gateway.core.vocabulary import AttendanceStatus, LegalBasis, OrgType, Role
from gateway.demo.cases import demo_events
from gateway.index import repository as index
from gateway.organisations.repository import add as add_organisation
from gateway.pseudonyms.bsn import Bsn, passes_elfproef
from gateway.pseudonyms.service import Pseudonymiser
from gateway.retention.service import retain_until
from gateway.routekaart.service import seed_defaults as seed_routekaart

SEED = 2026


@dataclass(frozen=True)
class DemoOrg:
    id: str
    name: str
    type: OrgType
    identifier: str
    roles: tuple[Role, ...]
    contact_point: str
    gemeente: str = "Utrecht"
    school_type: str | None = None


ORGANISATIONS = (
    DemoOrg("po-de-regenboog", "Basisschool De Regenboog", OrgType.school, "99AA",
            (Role.intern_begeleider,), "zorgteam@regenboog.demo.inbeeld.nl", "Utrecht", "po"),
    DemoOrg("po-het-kompas", "Basisschool Het Kompas", OrgType.school, "99AB",
            (Role.intern_begeleider,), "ib@kompas.demo.inbeeld.nl", "Nieuwegein", "po"),
    DemoOrg("po-de-wilgen", "Kindcentrum De Wilgen", OrgType.school, "99AC",
            (Role.intern_begeleider,), "zorg@dewilgen.demo.inbeeld.nl", "Houten", "po"),
    DemoOrg("vo-stedelijk-lyceum", "Stedelijk Lyceum (demo)", OrgType.school, "99BA",
            (Role.zorgcoordinator, Role.verzuimadministratie), "zorgcoordinatie@lyceum.demo.inbeeld.nl",
            "Utrecht", "vo"),
    DemoOrg("vo-vakcollege", "Vakcollege Midden (demo)", OrgType.school, "99BB",
            (Role.zorgcoordinator, Role.verzuimadministratie), "zorg@vakcollege.demo.inbeeld.nl",
            "Nieuwegein", "vo"),
    DemoOrg("vo-christelijk-college", "Christelijk College (demo)", OrgType.school, "99BC",
            (Role.zorgcoordinator,), "ondersteuning@cc.demo.inbeeld.nl", "Zeist", "vo"),
    DemoOrg("ggd-regio-utrecht", "GGD regio (demo)", OrgType.ggd, "00000099000000000001",
            (Role.jeugdarts, Role.jeugdverpleegkundige), "jgz-team-west@ggd.demo.inbeeld.nl"),
    DemoOrg("leerplicht-utrecht", "Leerplicht gemeente (demo)", OrgType.leerplicht, "00000099000000000002",
            (Role.leerplichtambtenaar,), "leerplicht@gemeente.demo.inbeeld.nl"),
    DemoOrg("buurtteam-utrecht", "Buurtteam Jeugd en Gezin (demo)", OrgType.jeugdteam, "00000099000000000003",
            (Role.jeugdprofessional,), "buurtteam-oost@demo.inbeeld.nl"),
    DemoOrg("swv-po-utrecht", "Samenwerkingsverband PO (demo)", OrgType.swv, "00000099000000000004",
            (Role.consulent,), "consulenten@swv-po.demo.inbeeld.nl"),
    DemoOrg("swv-vo-utrecht", "Samenwerkingsverband VO (demo)", OrgType.swv, "00000099000000000005",
            (Role.consulent, Role.interventieteam), "loket@swv-vo.demo.inbeeld.nl"),
    DemoOrg("save-utrecht", "SAVE team (demo)", OrgType.save, "00000099000000000006",
            (Role.jeugdbeschermer,), "save-intake@demo.inbeeld.nl"),
    DemoOrg("rvdk-midden", "Raad voor de Kinderbescherming (demo)", OrgType.rvdk, "00000099000000000007",
            (Role.raadsonderzoeker,), "rvdk-midden@demo.inbeeld.nl"),
    DemoOrg("regio-utrecht", "Regio Utrecht, bureau thuiszitters (demo)", OrgType.regio, "00000099000000000008",
            (Role.regiobeheerder,), "thuiszitters@regio.demo.inbeeld.nl"),
)
_BY_ID = {o.id: o for o in ORGANISATIONS}
PO = ("po-de-regenboog", "po-het-kompas", "po-de-wilgen")
VO = ("vo-stedelijk-lyceum", "vo-vakcollege", "vo-christelijk-college")


def synthetic_bsns(count: int, *, seed: int = SEED) -> list[Bsn]:
    """Distinct test BSNs (9999xxxxx) passing the elfproef, the same for the same seed. There are some 9,090."""
    if count > 9000:
        raise ValueError("there are only some 9,090 test BSNs of the form 9999xxxxx")
    rng, found = random.Random(seed), dict[str, None]()
    while len(found) < count:
        candidate = f"9999{rng.randrange(100000):05d}"
        if passes_elfproef(candidate):
            found[candidate] = None
    return [Bsn(b) for b in found]


@dataclass(frozen=True)
class Situation:
    partners: tuple[str, ...]
    status: AttendanceStatus
    regisseur: str | None


def situations(count: int, *, seed: int = SEED) -> Iterator[Situation]:
    """Mostly a school alone; then worrying absence, thuiszitters, absoluut verzuim, child protection."""
    rng = random.Random(seed + 1)
    for _ in range(count):
        vo = rng.random() < 0.5
        school = rng.choice(VO if vo else PO)
        swv = "swv-vo-utrecht" if vo else "swv-po-utrecht"
        roll = rng.random()
        if roll < 0.50:
            yield Situation((school,), AttendanceStatus.none, None)
        elif roll < 0.58:
            yield Situation((school, "ggd-regio-utrecht"), AttendanceStatus.zorgwekkend_verzuim, None)
        elif roll < 0.65:
            yield Situation((school, "leerplicht-utrecht", swv), AttendanceStatus.back_at_school, swv)
        elif roll < 0.75:
            yield Situation((school, "leerplicht-utrecht"), AttendanceStatus.relatief_verzuim, "leerplicht-utrecht")
        elif roll < 0.87:
            yield Situation((school, "leerplicht-utrecht", swv, "buurtteam-utrecht"),
                            AttendanceStatus.thuiszitter, rng.choice((swv, "buurtteam-utrecht")))
        elif roll < 0.92:
            yield Situation(("leerplicht-utrecht", swv), AttendanceStatus.absoluut_verzuim, "leerplicht-utrecht")
        elif roll < 0.95:
            yield Situation(("leerplicht-utrecht",), AttendanceStatus.vrijstelling_5a, None)
        else:
            yield Situation((school, "buurtteam-utrecht", "save-utrecht", "rvdk-midden"),
                            AttendanceStatus.thuiszitter, "save-utrecht")


async def seed_demo(conn: AsyncConnection, *, pseudonymiser: Pseudonymiser, region: str, now: datetime,
                    rules: RuleSet, children: int = 300) -> dict[str, dict[str, Any]]:
    """Organisations with their partner systems' keys, then the children. Returns the private keys by
    organisation: in the demo the gateway plays every partner."""
    private_keys = {}
    for org in ORGANISATIONS:
        await add_organisation(conn, {
            "id": org.id, "name": org.name, "type": org.type, "identifier": org.identifier,
            "region": region, "contact_point": org.contact_point, "webhook_url": None, "created_at": now,
            "gemeente": org.gemeente, "school_type": org.school_type})
        private, public = generate_client_key(f"{org.id}-1")
        await enrol_client(conn, organisation_id=org.id, jwks={"keys": [public]}, now=now)
        private_keys[org.id] = private
    await seed_routekaart(conn, region=region, now=now)
    rng = random.Random(SEED + 2)
    today = now.date()
    for bsn, situation in zip(synthetic_bsns(children), situations(children), strict=True):
        keys = pseudonymiser.index_keys(bsn)
        [child_id] = await index.find_or_create_children(
            conn, index_keys=[keys.all_values], key_id=keys.current[0], now=now)
        await index.insert_involvements(conn, [
            {"id": uuid4(), "child_id": child_id, "organisation_id": org_id,
             "professional_role": rng.choice(_BY_ID[org_id].roles), "contact_point": _BY_ID[org_id].contact_point,
             "since": today - timedelta(days=rng.randrange(7, 400)), "until": None,
             "legal_basis": _basis(_BY_ID[org_id].type), "created_at": now} for org_id in situation.partners])
        school = next((p for p in situation.partners if _BY_ID[p].type is OrgType.school), None)
        age = rng.randrange(12, 16) if school in VO else rng.randrange(6, 12)
        birth_month = date(today.year - age, rng.randrange(1, 13), 1)
        await index.record_birth(conn, child_id=child_id, birth_month=birth_month,
                                 until=retain_until(birth_month, 23))
        for event in demo_events(situation.status, school=school, leerplicht="leerplicht-utrecht", rng=rng,
                                 today=today):
            await case_events.insert_event(conn, {"child_id": child_id, "fingerprint": event["id"].bytes * 2,
                                                  "received_at": now, **event})
        if situation.regisseur:
            await index.set_regisseur(conn, child_id=child_id, organisation_id=situation.regisseur)
        events = await case_events.events_of(conn, child_id)
        await case_events.save_assessment(
            conn, child_id=child_id, assessment=assess(events, await case_events.birth_month(conn, child_id), today,
                                                       rules),
            today=today, place=await case_events.monitor_place(conn, child_id, events))
    return private_keys



def _basis(org_type: OrgType) -> LegalBasis:
    return {
        OrgType.leerplicht: LegalBasis.leerplichtwet, OrgType.save: LegalBasis.jeugdbescherming,
        OrgType.rvdk: LegalBasis.jeugdbescherming, OrgType.ggd: LegalBasis.wet_publieke_gezondheid,
        OrgType.jeugdteam: LegalBasis.jeugdwet, OrgType.swv: LegalBasis.passend_onderwijs,
    }.get(org_type, LegalBasis.verwijsindex)


def first_demo_bsn_with(status: AttendanceStatus) -> tuple[Bsn, Situation]:
    for bsn, situation in zip(synthetic_bsns(300), situations(300), strict=True):
        if situation.status is status:
            return bsn, situation
    raise LookupError(status)
