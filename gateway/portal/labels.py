"""Plain Dutch for the codes the portal shows (B1 level: short words, no jargon where a plain word exists)."""

PURPOSES = {
    "signalering": "Zorgen over uw kind op tijd delen",
    "afstemming-kernteam": "Overleg tussen school en hulp (kernteam)",
    "actietafel": "Samen zoeken naar een passende plek (actietafel)",
    "interventieteam": "Hulp als het vastloopt (interventieteam)",
    "leerplicht-handhaving": "Leerplicht",
    "jeugdbescherming": "Bescherming van uw kind",
    "voortijdig-schoolverlaten": "Hulp bij school of werk na het voortgezet onderwijs (RMC)",
    "monitoring": "Cijfers voor de regio (zonder namen)",
    "toezicht": "Controle door de privacy-functionaris",
}
# What a parent can give consent for; the other purposes rest on a law, not on consent.
CONSENT_PURPOSES = ("signalering", "afstemming-kernteam", "actietafel", "interventieteam")

ROLES = {
    "zorgcoordinator": "zorgcoördinator", "intern-begeleider": "intern begeleider",
    "verzuimadministratie": "verzuimadministratie", "jeugdarts": "jeugdarts",
    "jeugdverpleegkundige": "jeugdverpleegkundige", "leerplichtambtenaar": "leerplichtambtenaar",
    "jeugdprofessional": "jeugdprofessional", "teammanager": "teammanager", "consulent": "consulent",
    "interventieteam": "interventieteam", "jeugdbeschermer": "jeugdbeschermer",
    "raadsonderzoeker": "raadsonderzoeker", "privacy-officer": "privacy-functionaris",
    "regiobeheerder": "regiobeheerder", "rmc-consulent": "RMC-consulent (hulp na school)",
}

BASES = {
    "leerplichtwet": "Wettelijke taak (Leerplichtwet)",
    "bw-1-jeugdbescherming": "Wettelijke taak (jeugdbescherming)",
    "wet-publieke-gezondheid": "Wettelijke taak (jeugdgezondheidszorg)",
    "jeugdwet-7.1.1-verwijsindex": "Melding van betrokkenheid (Jeugdwet)",
    "wet-passend-onderwijs": "Wettelijke taak (passend onderwijs)",
    "jeugdwet": "Wettelijke taak (jeugdhulp)",
    "leerplichtwet-8a-rmc": "Wettelijke taak (jongeren zonder diploma helpen, RMC)",
}

OUTCOMES = {"allowed": "Toegestaan", "denied": "Geweigerd", "not-found": "Niet gevonden"}
"""Every audit `Outcome` (a test holds them equal)."""

STATUSES = {
    "pending": "Wacht op toestemming van iemand anders", "active": "Geldig", "withdrawn": "Ingetrokken",
    "refused": "Geweigerd", "expired": "Verlopen",
}

ACTIONS = {
    "child.lookup": "Zocht uw kind op", "child.read": "Bekeek de gegevens",
    "involvements.list": "Bekeek wie er betrokken is",
    "involvement.register": "Meldde zich als betrokken", "involvement.end": "Meldde zich af",
    "attendance.report": "Gaf schoolaanwezigheid door", "regisseur.set": "Wees de regisseur aan",
    "consent.register": "Legde een toestemming vast", "consent.withdraw": "Trok een toestemming in",
    "consent.list": "Bekeek de toestemmingen",
    "event.report": "Gaf verzuim of een stap in de aanpak door", "case.read": "Bekeek de aanpak en termijnen",
    "worklist.read": "Zag uw kind op de werklijst", "step.notify": "Kreeg bericht over een termijn",
    "details.read": "Vroeg gegevens op bij de betrokken organisaties (niet bewaard)",
    "child.lookup.peers": "Zocht uw kind ook op in andere regio's", "peer.lookup": "Een andere regio zocht uw kind op",
}

ACTIONS_ABOUT_YOU = {
    "child.lookup": "Zocht u op", "worklist.read": "Zag u op de werklijst",
    "child.lookup.peers": "Zocht u ook op in andere regio's", "peer.lookup": "Een andere regio zocht u op",
}
"""For a young person who logged in about themselves: the `ACTIONS` that name "uw kind"."""


def action(code: str, relation: str) -> str:
    """The words for an audit action, to a parent (`custodian`) or to the young person it is about (`child`)."""
    if relation == "child" and code in ACTIONS_ABOUT_YOU:
        return ACTIONS_ABOUT_YOU[code]
    return ACTIONS.get(code, code)


def basis(code: str | None) -> str:
    if not code:
        return "Geen"
    if code.startswith("consent:"):
        return "Uw toestemming"
    return BASES.get(code, code)
