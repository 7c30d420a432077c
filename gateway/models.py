"""Every table, imported in one place for Alembic and the test suite."""

from consent.models import Consent, ConsentReceipt
from gateway.audit.models import AuditCheckpoint, AuditHead, AuditRecord, PolicySource
from gateway.auth.models import OAuthClient, UsedAssertion
from gateway.index.models import Child, Involvement
from gateway.notifications.models import OutboxMessage
from gateway.organisations.models import Organisation
from gateway.portal.models import PortalVisit

__all__ = [
    "AuditCheckpoint", "AuditHead", "AuditRecord", "Child", "Consent", "ConsentReceipt", "Involvement",
    "OAuthClient", "Organisation", "OutboxMessage", "PolicySource", "PortalVisit", "UsedAssertion",
]
