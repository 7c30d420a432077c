"""The embedded engine (regorus) and OPA itself decide a generated corpus of inputs identically."""

import asyncio
import random
from typing import Any

from gateway.core.vocabulary import OrgType, Purpose, Role
from gateway.policy.engine import DEFAULT_POLICY_DIR, EmbeddedRegoEngine, policy_sources
from tests.fixtures.opa import opa_engine, opa_value

ACTIONS = ["involvement.register", "involvement.end", "child.lookup", "child.read", "involvements.list",
           "event.report", "case.read", "worklist.read", "regisseur.set", "child.delete"]
EVENTS = ["unauthorised-absence", "enrolment", "de-enrolment", "vrijstelling-5a", "passend-aanbod", "joint-decision",
          "interventieteam-plan", "doorzettingsmacht", "no-place", "nonsense"]
PORTAL_ACTIONS = ["portal.child", "portal.consent.give", "portal.consent.confirm", "portal.consent.refuse",
                  "portal.consent.withdraw", "portal.consent.receipts"]
CORPUS_SIZE = 800
# Fields a partial or hostile input may lack. Rego's `not` is where engines part (OPA evaluates the arguments of a
# negated call outside the negation, open-policy-agent/opa#5793), so some inputs leave one out.
OPTIONAL = [("subject", "properties", "role"), ("subject", "properties", "organisation_type"),
            ("context", "purpose"), ("resource", "properties", "event"), ("action", "name"),
            ("resource", "properties", "consents"), ("context", "region")]


def corpus(size: int, seed: int = 42) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    inputs = []
    for _ in range(size):
        org_type = rng.choice(list(OrgType)).value
        purpose = rng.choice([*list(Purpose), "nonsense"])
        consents = [{"id": f"c-{i}", "status": rng.choice(["active", "withdrawn", "refused"]),
                     "purpose": rng.choice(list(Purpose)).value,
                     "valid_from": rng.choice(["2026-01-01", "2026-11-23", "2026-12-01"]),
                     "valid_until": rng.choice([None, "2026-11-22", "2026-11-23", "2027-01-01"])}
                    for i in range(rng.randrange(3))]
        resource = {"caller_involved": rng.random() < 0.6, "target_involved": rng.random() < 0.5,
                    "owner": rng.choice(["org-a", "org-b"]), "consents": consents,
                    "partner_type": rng.choice(list(OrgType)).value, "event": rng.choice(EVENTS),
                    "subject_organisation": rng.choice(["org-a", "org-b", None]),
                    "regisseur": rng.choice(["org-a", "org-b", None]),
                    "categories": rng.sample(["jgz-contact", "attendance-summary", "support", "dossier"], 2)}
        policy_input = {
            "subject": {"type": "professional", "id": "p", "properties": {
                "organisation": "org-a", "organisation_type": org_type, "role": rng.choice(list(Role)).value}},
            "action": {"name": rng.choice(ACTIONS)},
            "resource": {"type": "child", "properties": resource},
            "context": {"purpose": str(purpose), "today": "2026-11-23", "region": rng.choice(["utrecht", "elders"])},
        }
        if rng.random() < 0.25:
            *parents, leaf = rng.choice(OPTIONAL)
            holder: Any = policy_input
            for key in parents:
                holder = holder[key]
            del holder[leaf]
        entrypoint = rng.choice(["inbeeld.index.decision"] * 4 + [
            "inbeeld.index.match_notification", "inbeeld.index.step_notification", "inbeeld.details.decision"])
        inputs.append((entrypoint, policy_input))
        inputs.append(("inbeeld.portal.decision", {  # a parent's or child's step in the portal
            "subject": {"type": "person", "id": "custodian:p",
                        "properties": {"relation": rng.choice(["custodian", "child", "neighbour"])}},
            "action": {"name": rng.choice([*PORTAL_ACTIONS, "portal.export"])},
            "resource": {"type": "child", "properties": {
                "age": rng.choice([None, 5, 11, 12, 15, 16, 17]), "custodian_has_gezag": rng.random() < 0.8,
                "is_self": rng.random() < 0.7}},
            "context": {"today": "2026-11-23"},
        }))
        if rng.random() < 0.25:
            del inputs[-1][1]["subject"]["properties"]["relation"]
    return inputs


def test_regorus_and_opa_decide_alike() -> None:
    embedded = EmbeddedRegoEngine()
    opa = opa_engine(policy_sources(DEFAULT_POLICY_DIR))
    differences, allows = [], 0
    loop = asyncio.new_event_loop()
    for entrypoint, policy_input in corpus(CORPUS_SIZE):
        ours, _ = loop.run_until_complete(embedded.evaluate(entrypoint, policy_input))
        theirs = opa_value(opa, entrypoint, policy_input)
        if ours != theirs:
            differences.append((entrypoint, policy_input, ours, theirs))
        allows += bool(ours and ours["allow"])
    loop.close()
    assert not differences, "\n".join(f"{e}: regorus {o} / OPA {t} for {i}" for e, i, o, t in differences[:3])
    assert 100 < allows < CORPUS_SIZE - 100  # the corpus exercises both outcomes
