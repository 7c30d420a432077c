"""Every code the portal and the toezicht pages show has its plain Dutch words: a new purpose, role, legal basis
or audit outcome without them would show as a code (or, for the outcome filter, not be offered at all)."""

from gateway.audit.schemas import Outcome
from gateway.core.vocabulary import LegalBasis, Purpose, Role
from gateway.portal import labels


def test_every_code_has_its_words() -> None:
    assert set(Purpose) <= labels.PURPOSES.keys()
    assert set(Role) <= labels.ROLES.keys()
    assert set(LegalBasis) - {LegalBasis.consent} <= labels.BASES.keys()  # a consent is shown by its own words
    assert labels.OUTCOMES.keys() == set(Outcome)


def test_a_young_person_is_told_of_themselves_not_of_their_child() -> None:
    for code, words in labels.ACTIONS.items():
        assert ("uw kind" in words) == (code in labels.ACTIONS_ABOUT_YOU), code
        assert "uw kind" not in labels.action(code, "child") and labels.action(code, "custodian") == words
