"""Synthetic people of the demo region as the BRP would know them: the demo children (the same BSNs as the
index, `data.synthetic_bsns`), their parents or guardians, names, birth dates and gezag. Made again from the
seed at every start; the birth dates are relative to today, so ages stay realistic."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from consent.rules import age_on
from gateway.core.vocabulary import AttendanceStatus

from .data import BSNS_PER_CHILD, DEMO_CHILDREN, PO, SEED, VO, situations, synthetic_bsns, young_people

GIVEN = ("Sanne", "Daan", "Noor", "Sem", "Lotte", "Finn", "Emma", "Milan", "Julia", "Levi", "Tess", "Luuk",
         "Fenna", "Bram", "Yara", "Mohammed", "Zoë", "Adam", "Saar", "Jesse", "Lina", "Thijs", "Nora", "Ayoub")
ADULTS = ("Marieke", "Jeroen", "Fatima", "Peter", "Esther", "Hakan", "Annemiek", "Rik", "Samira", "Joost",
          "Ingrid", "Kees", "Naima", "Wouter", "Linda", "Youssef")
FAMILY = ("de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Smit", "Yilmaz", "Mulder", "de Boer", "Bos",
          "Vos", "Peters", "Hendriks", "van Dijk", "Kaya", "Dekker")

# BRP gezag types, with how often the demo uses them.
CUSTODY_MIX = (("TweehoofdigOuderlijkGezag", 0.70), ("EenhoofdigOuderlijkGezag", 0.22), ("Voogdij", 0.04),
               ("GezagNietTeBepalen", 0.04))


@dataclass(frozen=True)
class DemoPerson:
    bsn: str
    given_name: str
    family_name: str
    birth_date: date
    custody: str | None = None
    """Gezag over this minor (BRP type); None for adults."""
    custodians: tuple[str, ...] = ()
    children: tuple[str, ...] = ()


def _age_range(partners: tuple[str, ...], status: AttendanceStatus) -> tuple[int, int]:
    if any(p in VO for p in partners):
        return 12, 17
    if any(p in PO for p in partners):
        return 4, 11
    return (5, 5) if status is AttendanceStatus.vrijstelling_5a else (6, 16)


def demo_people(today: date, *, children: int = DEMO_CHILDREN, seed: int = SEED) -> dict[str, DemoPerson]:
    """Every demo child and adult by BSN. Some families have two children in the demo."""
    rng = random.Random(seed + 3)
    bsns = [b.digits for b in synthetic_bsns(children * BSNS_PER_CHILD, seed=seed)]
    kids, adults = bsns[:children], iter(bsns[children:])
    people: dict[str, DemoPerson] = {}
    family: tuple[str, tuple[str, ...], str] | None = None  # name, custodians, custody of the previous child
    for bsn, situation in zip(kids, situations(children, seed=seed), strict=True):
        low, high = _age_range(situation.partners, situation.status)
        born = today - timedelta(days=rng.randrange(low * 365 + 30, high * 365 + 330))
        if family is None or rng.random() > 0.2:  # a new family, or a sibling of the previous child
            custody = rng.choices([c for c, _ in CUSTODY_MIX], [w for _, w in CUSTODY_MIX])[0]
            count = {"TweehoofdigOuderlijkGezag": 2, "GezagNietTeBepalen": 0}.get(custody, 1)
            family = (rng.choice(FAMILY), tuple(next(adults) for _ in range(count)), custody)
            adult_names = rng.sample(ADULTS, 2)  # two parents never share a first name
        name, custodians, custody = family
        people[bsn] = DemoPerson(bsn, rng.choice(GIVEN), name, born, custody, custodians)
        for adult, adult_name in zip(custodians, adult_names, strict=False):
            known = people.get(adult)
            people[adult] = DemoPerson(
                adult, known.given_name if known else adult_name, name,
                known.birth_date if known else today - timedelta(days=rng.randrange(28 * 365, 50 * 365)),
                children=(*(known.children if known else ()), bsn))
    for young in young_people(today, seed=seed):  # adults or nearly: no gezag over them
        people[young.bsn.digits] = DemoPerson(young.bsn.digits, rng.choice(GIVEN), rng.choice(FAMILY),
                                              young.birth_date,
                                              None if age_on(young.birth_date, today) >= 18 else "GezagNietTeBepalen")
    return people
