"""The shared language: organisation types, roles, purposes, legal bases, attendance statuses.

Which role may do what for which purpose is *policy* (`policies/`), not code; these enums only
make sure a request names known values.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import Field

PlainText = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+$")]
"""Text that people read and exports carry: no control characters (C0 and C1: CR/LF, ANSI escapes), no Unicode
line separators, no bidirectional overrides (text that reads otherwise than it is stored)."""


class OrgType(StrEnum):
    school = "school"
    ggd = "ggd"
    leerplicht = "leerplicht"
    jeugdteam = "jeugdteam"
    swv = "swv"
    save = "save"
    rvdk = "rvdk"
    rmc = "rmc"
    """The gemeente's Regionaal Meld- en Coördinatiepunt voortijdig schoolverlaten (young people 16-23)."""
    regio = "regio"
    """The region's own office (routekaart, monitor); never involved with a child."""


class Role(StrEnum):
    zorgcoordinator = "zorgcoordinator"
    intern_begeleider = "intern-begeleider"
    verzuimadministratie = "verzuimadministratie"
    jeugdarts = "jeugdarts"
    jeugdverpleegkundige = "jeugdverpleegkundige"
    leerplichtambtenaar = "leerplichtambtenaar"
    jeugdprofessional = "jeugdprofessional"
    teammanager = "teammanager"
    consulent = "consulent"
    interventieteam = "interventieteam"
    jeugdbeschermer = "jeugdbeschermer"
    raadsonderzoeker = "raadsonderzoeker"
    rmc_consulent = "rmc-consulent"
    privacy_officer = "privacy-officer"
    regiobeheerder = "regiobeheerder"


class Purpose(StrEnum):
    signalering = "signalering"
    afstemming_kernteam = "afstemming-kernteam"
    actietafel = "actietafel"
    interventieteam = "interventieteam"
    leerplicht_handhaving = "leerplicht-handhaving"
    jeugdbescherming = "jeugdbescherming"
    voortijdig_schoolverlaten = "voortijdig-schoolverlaten"
    """The RMC's task: keep young people without a startkwalificatie in beeld until 23."""
    monitoring = "monitoring"
    toezicht = "toezicht"


class LegalBasis(StrEnum):
    """Why an organisation may register its involvement (the signal itself needs no consent)."""

    verwijsindex = "jeugdwet-7.1.1-verwijsindex"
    leerplichtwet = "leerplichtwet"
    jeugdwet = "jeugdwet"
    wet_publieke_gezondheid = "wet-publieke-gezondheid"
    passend_onderwijs = "wet-passend-onderwijs"
    jeugdbescherming = "bw-1-jeugdbescherming"
    rmc = "leerplichtwet-8a-rmc"
    """Leerplichtwet art. 8a and WEB art. 8.3.3: the RMC function of the gemeente."""
    consent = "consent"


class AttendanceStatus(StrEnum):
    none = "none"
    zorgwekkend_verzuim = "zorgwekkend-verzuim"
    relatief_verzuim = "relatief-verzuim"
    absoluut_verzuim = "absoluut-verzuim"
    thuiszitter = "thuiszitter"
    vrijstelling_5a = "vrijstelling-5a"
    back_at_school = "back-at-school"
    voortijdig_schoolverlater = "voortijdig-schoolverlater"
    """Left school without a startkwalificatie and not enrolled again by 1 October, under 23."""
