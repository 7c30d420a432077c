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
