"""The register of processing activities (verwerkingsregister, AVG art. 30) that audit records point to, in the
spirit of the Logboek Dataverwerkingen standard: every record names the activity it was part of."""

ACTIVITIES = {
    "inbeeld/verwijsindex": "Betrokkenheid bij een kind melden, beëindigen en opvragen (Jeugdwet art. 7.1.1)",
    "inbeeld/verzuim": "Schoolverzuim en aanwezigheid melden (Leerplichtwet)",
    "inbeeld/regie": "De regisseur van een kind vastleggen",
    "inbeeld/thuiszitters": "Verzuim, thuiszitters, termijnen en werklijsten volgen (Leerplichtwet, passend onderwijs)",
    "inbeeld/monitor": "Cijfers per maand voor het regionale overleg, zonder herkenbaar kind",
    "inbeeld/routekaart": "De routekaart van de regio bijhouden",
    "inbeeld/bronnen": "Gegevens live opvragen bij de systemen van betrokken organisaties, zonder ze te bewaren",
    "inbeeld/regios": "Opvragen bij en door de gateways van andere regio's",
    "inbeeld/toestemming": "Toestemming vastleggen, intrekken en inzien",
    "inbeeld/ouderportaal": "Inzage en toestemming door ouders en kinderen (AVG art. 15)",
    "inbeeld/toezicht": "Toezicht op de verwerking door de privacy-functionaris",
    "inbeeld/beheer": "Beheer van het logboek (bewaartermijnen)",
}

_BY_PREFIX = (
    ("portal.", "inbeeld/ouderportaal"), ("consent.", "inbeeld/toestemming"), ("attendance.", "inbeeld/verzuim"),
    ("event.", "inbeeld/thuiszitters"), ("case.", "inbeeld/thuiszitters"), ("worklist.", "inbeeld/thuiszitters"),
    ("step.", "inbeeld/thuiszitters"), ("monitor.", "inbeeld/monitor"), ("routekaart.", "inbeeld/routekaart"),
    ("details.", "inbeeld/bronnen"), ("child.lookup.peers", "inbeeld/regios"), ("peer.", "inbeeld/regios"),
    ("regisseur.", "inbeeld/regie"), ("audit.purge", "inbeeld/beheer"), ("audit.", "inbeeld/toezicht"),
)


def activity_of(action: str) -> str:
    return next((activity for prefix, activity in _BY_PREFIX if action.startswith(prefix)), "inbeeld/verwijsindex")
