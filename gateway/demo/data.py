"""Synthetic region: PO, VO and MBO schools, GGD, leerplicht, buurtteam, two SWVs, SAVE, RvdK, the RMC, a few
hundred children in realistic situations and a dozen young people after VO (the overstap to MBO, some
voortijdig schoolverlaters). BSNs come from the 9999xxxxx test range and pass the
elfproef; they are made again from the seed, never stored."""

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.assertion import generate_client_key
from gateway.auth.service import enrol_client
from gateway.cases import repository as case_events
from gateway.cases.rules import RuleSet
from gateway.cases.status import WITHOUT_STARTKWALIFICATIE, assess, counting_day
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
    DemoOrg("mbo-roc-midden", "ROC Midden (demo)", OrgType.school, "99CA",
            (Role.zorgcoordinator,), "studentzaken@roc.demo.inbeeld.nl", "Utrecht", "mbo"),
    DemoOrg("rmc-utrecht", "RMC regio Utrecht (demo)", OrgType.rmc, "00000099000000000009",
            (Role.rmc_consulent,), "rmc@gemeente.demo.inbeeld.nl"),
    DemoOrg("regio-utrecht", "Regio Utrecht, bureau thuiszitters (demo)", OrgType.regio, "00000099000000000008",
            (Role.regiobeheerder,), "thuiszitters@regio.demo.inbeeld.nl"),
)
_BY_ID = {o.id: o for o in ORGANISATIONS}
PO = ("po-de-regenboog", "po-het-kompas", "po-de-wilgen")
VO = ("vo-stedelijk-lyceum", "vo-vakcollege", "vo-christelijk-college")
MBO, RMC = "mbo-roc-midden", "rmc-utrecht"
DEMO_CHILDREN = 300
"""The most children the demo seeds (and its default)."""
BSNS_PER_CHILD = 3
"""A child's BSN and room for two custodians' (`people.demo_people`)."""
YOUNG_PEOPLE = 12
"""Young people of 17 to 21 who left VO. Their BSNs follow those the demo's children and their parents may take
(fewer children, as in tests, take fewer)."""


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


@dataclass(frozen=True)
class YoungPerson:
    bsn: Bsn
    birth_date: date
    school: str
    left_on: date
    enrolled: bool
    """At the MBO in time (the overstap happened); otherwise a voortijdig schoolverlater the RMC is involved with."""


@functools.cache
def _young_bsns(seed: int) -> tuple[Bsn, ...]:
    taken = DEMO_CHILDREN * BSNS_PER_CHILD
    return tuple(synthetic_bsns(taken + YOUNG_PEOPLE, seed=seed)[taken:])


def young_people(today: date, *, seed: int = SEED) -> list[YoungPerson]:
    """The same for the same day and seed: the BRP (`people.py`) and the index agree on them."""
    rng = random.Random(seed + 4)
    last_july = date(today.year if today >= date(today.year, 10, 1) else today.year - 1, 7, 10)
    found = []
    for n, bsn in enumerate(_young_bsns(seed)):
        age = 17 + n % 5
        born = date(today.year - age, rng.randrange(1, 13), rng.randrange(1, 29))
        found.append(YoungPerson(bsn, born, rng.choice(VO), last_july, enrolled=n % 3 == 0))
    return found


async def seed_demo(conn: AsyncConnection, *, pseudonymiser: Pseudonymiser, region: str, now: datetime,
                    rules: RuleSet, children: int = DEMO_CHILDREN) -> dict[str, dict[str, Any]]:
    """Organisations with their partner systems' keys, then the children. Returns the private keys by
    organisation: in the demo the gateway plays every partner."""
    if children > DEMO_CHILDREN:
        raise ValueError(f"the demo has at most {DEMO_CHILDREN} children (the young people's BSNs follow theirs)")
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
        await _assess(conn, child_id, today, rules)
    for young in young_people(today):
        await _seed_young_person(conn, pseudonymiser, young, now=now, rules=rules, rng=rng)
    return private_keys


async def _assess(conn: AsyncConnection, child_id: int, today: date, rules: RuleSet) -> None:
    events = await case_events.events_of(conn, child_id)
    await case_events.save_assessment(
        conn, child_id=child_id, assessment=assess(events, await case_events.birth_month(conn, child_id), today,
                                                   rules),
        today=today, place=await case_events.monitor_place(conn, child_id, events))


async def _seed_young_person(conn: AsyncConnection, pseudonymiser: Pseudonymiser, young: YoungPerson, *,
                             now: datetime, rules: RuleSet, rng: random.Random) -> None:
    """Left VO last July without a startkwalificatie: enrolled at the MBO since, or on the RMC's list."""
    today = now.date()
    keys = pseudonymiser.index_keys(young.bsn)
    [child_id] = await index.find_or_create_children(conn, index_keys=[keys.all_values], key_id=keys.current[0],
                                                     now=now)
    partners = (young.school, MBO) if young.enrolled else (young.school, RMC)
    await index.insert_involvements(conn, [
        {"id": uuid4(), "child_id": child_id, "organisation_id": org_id,
         "professional_role": _BY_ID[org_id].roles[0], "contact_point": _BY_ID[org_id].contact_point,
         "since": young.left_on - timedelta(days=rng.randrange(30, 900)) if org_id == young.school
         else counting_day(young.left_on) + timedelta(days=rng.randrange(1, 19)),
         "until": None, "legal_basis": _basis(_BY_ID[org_id].type), "created_at": now} for org_id in partners])
    birth_month = young.birth_date.replace(day=1)
    await index.record_birth(conn, child_id=child_id, birth_month=birth_month, until=retain_until(birth_month, 23))
    events = [
        {"kind": "enrolment", "organisation_id": young.school, "starts_on": young.left_on - timedelta(days=1500),
         "subject_organisation": young.school},
        {"kind": "school-leaving", "organisation_id": young.school, "starts_on": young.left_on,
         "detail": WITHOUT_STARTKWALIFICATIE, "subject_organisation": MBO},
    ]
    if young.enrolled:
        events.append({"kind": "enrolment", "organisation_id": MBO, "starts_on": young.left_on + timedelta(days=45),
                       "subject_organisation": MBO})
    for event in events:
        event_id = UUID(int=rng.getrandbits(128))
        await case_events.insert_event(conn, {"id": event_id, "child_id": child_id, "fingerprint": event_id.bytes * 2,
                                              "received_at": now, **event})
    await _assess(conn, child_id, today, rules)



def _basis(org_type: OrgType) -> LegalBasis:
    return {
        OrgType.leerplicht: LegalBasis.leerplichtwet, OrgType.save: LegalBasis.jeugdbescherming,
        OrgType.rvdk: LegalBasis.jeugdbescherming, OrgType.ggd: LegalBasis.wet_publieke_gezondheid,
        OrgType.jeugdteam: LegalBasis.jeugdwet, OrgType.swv: LegalBasis.passend_onderwijs,
        OrgType.rmc: LegalBasis.rmc,
    }.get(org_type, LegalBasis.verwijsindex)


def first_demo_bsn_with(status: AttendanceStatus) -> tuple[Bsn, Situation]:
    for bsn, situation in zip(synthetic_bsns(DEMO_CHILDREN), situations(DEMO_CHILDREN), strict=True):
        if situation.status is status:
            return bsn, situation
    raise LookupError(status)
