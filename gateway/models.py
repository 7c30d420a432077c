"""Every table, imported in one place for Alembic and the test suite."""

from consent.models import Consent, ConsentReceipt
from gateway.audit.models import AuditCheckpoint, AuditHead, AuditRecord, PolicySource
from gateway.auth.models import OAuthClient, UsedAssertion
from gateway.cases.models import CaseEvent, CaseStep, ThuiszitterCase
from gateway.index.models import Child, Involvement
from gateway.notifications.models import OutboxMessage
from gateway.organisations.models import Organisation
from gateway.portal.models import PortalVisit
from gateway.routekaart.models import RoutekaartEntry

__all__ = [
    "AuditCheckpoint", "AuditHead", "AuditRecord", "CaseEvent", "CaseStep", "Child", "Consent", "ConsentReceipt",
    "Involvement", "OAuthClient", "Organisation", "OutboxMessage", "PolicySource", "PortalVisit", "RoutekaartEntry",
    "ThuiszitterCase", "UsedAssertion",
]
