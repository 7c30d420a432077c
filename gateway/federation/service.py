"""Gateways of neighbouring regions answer each other. The asking gateway decides under its own policy whether
its partner may look further, then asks every peer in parallel over mutual TLS with a signed request (the BSN in
the body, as from a partner); each peer pseudonymises with its own keys, decides under its own policy and audits
the exchange; the asking gateway audits its side and gives back what came within the deadline."""

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.http import bounded_body
from gateway.audit.service import ALLOWED, NOT_FOUND, AuditEntry
from gateway.auth import repository as auth
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.crypto import CryptoError
from gateway.core.errors import Unauthorized
from gateway.index import repository as index
from gateway.index.service import decide_lookup
from gateway.notifications.signing import signature_headers, verify
from gateway.policy.enforce import require_permit

from .schemas import FederatedAnswer, FederatedLookup, PeerAnswer, PeerConfig, PeerInvolvement, PeerRequest

log = logging.getLogger("inbeeld.federation")
ENTRYPOINT = "inbeeld.federation.decision"
MAX_PEER_ANSWER_BYTES = 64 * 1024
"""One child's involvements in one region: a few kilobytes. A longer answer is refused before it is all read."""
REGION_HEADER = "inbeeld-peer-region"


def peers_of(raw: str) -> dict[str, PeerConfig]:
    return {p.region: p for p in (PeerConfig.model_validate(x) for x in json.loads(raw or "[]"))}


def _transport_reason(error: httpx.TransportError) -> str:
    text = str(error).upper()
    if any(word in text for word in ("SSL", "CERTIFICATE", "ALERT")):
        return "tls"
    return "disconnected" if isinstance(error, httpx.RemoteProtocolError) else "connection"


async def _ask(client: httpx.AsyncClient, context: AppContext, peer: PeerConfig, body: bytes) -> PeerAnswer:
    kid, key = context.keys.current().signing[-1]
    headers = {"content-type": "application/json", REGION_HEADER: context.settings.region,
               **signature_headers(message_id=str(uuid.uuid4()), body=body, key_id=kid, key=key)}
    deadline = context.settings.federation_timeout_seconds
    try:
        # httpx's own timeouts end a slow peer cleanly; the outer one is a backstop, never a hang.
        async with asyncio.timeout(deadline + 1), client.stream(
                "POST", f"{peer.url.rstrip('/')}/federation/v1/lookup", content=body, headers=headers,
                timeout=httpx.Timeout(deadline)) as response:
            status = response.status_code
            content = await bounded_body(response, MAX_PEER_ANSWER_BYTES) if status in (200, 403) else b""
        if status not in (200, 403):
            return PeerAnswer(region=peer.region, status="unavailable", reasons=[f"http-{status}"])
        answer = json.loads(content) if content is not None else None
        if not isinstance(answer, dict):
            return _bad_answer(peer, "too long" if content is None else "not an object")
        if status == 403:  # the peer's own policy said no
            return PeerAnswer.model_validate({"region": peer.region, "status": "refused",
                                              "reasons": answer.get("reasons", [])})
        return PeerAnswer.model_validate({**answer, "region": peer.region})
    except (TimeoutError, httpx.TimeoutException):
        return PeerAnswer(region=peer.region, status="unavailable", reasons=["timeout"])
    except httpx.TransportError as error:  # refused, reset, or our certificate refused after the handshake
        return PeerAnswer(region=peer.region, status="unavailable", reasons=[_transport_reason(error)])
    except (httpx.HTTPError, ValueError) as error:  # not JSON, a field that does not pass, a broken stream
        return _bad_answer(peer, type(error).__name__)


def _bad_answer(peer: PeerConfig, fault: str) -> PeerAnswer:
    """The operator learns which peer and what kind of fault; never the answer, which may hold anything."""
    log.warning("peer answer refused", extra={"peer": peer.region, "fault": fault})
    return PeerAnswer(region=peer.region, status="unavailable", reasons=["bad-answer"])


async def lookup_across_regions(
    *, context: AppContext, caller: Caller, meta: RequestMeta, body: FederatedLookup, client: httpx.AsyncClient,
) -> FederatedAnswer:
    """Decided as a lookup here (the caller needs a basis in its own region), then asked of every peer. Decided
    from a snapshot and recorded after the peers answered: nothing holds the database (or SQLite's write lock)
    while a peer takes its time."""
    audit = AuditEntry.of(caller, meta, "child.lookup.peers", body.purpose)
    async with context.audit.reading() as conn:
        child_id, permit = await decide_lookup(conn, context=context, caller=caller, audit=audit,
                                               bsn=body.bsn, purpose=body.purpose)
    request = PeerRequest(bsn=body.bsn, purpose=body.purpose, organisation=caller.organisation_id,
                          organisation_type=caller.organisation_type, role=caller.role,
                          professional=caller.professional)
    payload = json.dumps({**request.model_dump(mode="json"), "bsn": body.bsn.digits}).encode()
    peers = list(peers_of(context.settings.federation_peers_json).values())
    answers = list(await asyncio.gather(*(_ask(client, context, peer, payload) for peer in peers)))
    await audit.record(context.audit, now=context.clock(), outcome=ALLOWED, child_id=child_id,
                       decision=permit.decision, fields=[f"peer:{a.region}:{a.status}" for a in answers])
    return FederatedAnswer(region=context.settings.region, peers=answers,
                           child_ref=context.child_refs().seal(child_id, caller.organisation_id)
                           if child_id is not None else None)


class PeerNotGenuine(Unauthorized):
    code, title = "peer-not-genuine", "The request is not signed by a known peer"


SIGNATURE_TOLERANCE_SECONDS = 300


def check_peer(headers: Mapping[str, str], body: bytes, peers: dict[str, PeerConfig]) -> str:
    """The asking region, when the request is signed by its key and not stale. Whether it is new is
    `spend_message`'s to say."""
    region = headers.get(REGION_HEADER, "")
    peer = peers.get(region)
    if peer is None:
        raise PeerNotGenuine("Not a peer of this gateway.")
    try:
        verify(headers=headers, body=body, jwks=peer.jwks, tolerance_seconds=SIGNATURE_TOLERANCE_SECONDS)
    except CryptoError:
        raise PeerNotGenuine("The signature does not verify.") from None
    return region


async def spend_message(conn: AsyncConnection, *, region: str, headers: Mapping[str, str], now: datetime) -> None:
    """A verified peer request is answered once: its id is kept in the database, which every replica of this
    gateway shares, until its timestamp is past the tolerance (a replay to another replica is refused too)."""
    caller = f"peer:{region}"
    expires = int(headers["webhook-timestamp"]) + SIGNATURE_TOLERANCE_SECONDS + 60
    fresh = await auth.use_assertion(
        conn, jti=headers["webhook-id"], client_id=caller,
        expires_at=datetime.fromtimestamp(expires, UTC), now=now)
    if not fresh:
        raise PeerNotGenuine("This request was seen before.")


async def answer_peer(conn: AsyncConnection, *, context: AppContext, region: str, request: PeerRequest,
                      meta: RequestMeta) -> PeerAnswer:
    """This region's own policy decides what the peer's partner may learn; the exchange is audited here too."""
    audit = AuditEntry(f"{region}:{request.organisation}"[:64], request.role.value, request.professional[:64],
                       meta, "peer.lookup", request.purpose.value)
    keys = context.pseudonymiser.index_keys(request.bsn)
    child_id = await index.find_child_id(conn, keys.all_values)
    decision_input = {
        "subject": {"type": "peer", "id": request.professional, "properties": {
            "region": region, "organisation": request.organisation,
            "organisation_type": request.organisation_type.value, "role": request.role.value}},
        "action": {"name": "peer.lookup"},
        "resource": {"type": "child", "properties": {}},
        "context": {"purpose": request.purpose.value, "region": context.settings.region},
    }
    permit = await require_permit(context, audit, child_id, decision_input, entrypoint=ENTRYPOINT)
    if child_id is None:
        await audit.record(conn, now=context.clock(), outcome=NOT_FOUND, decision=permit.decision)
        return PeerAnswer(region=context.settings.region, status="not-found")
    rows = await index.active_involvements(conn, child_id)
    visible = [PeerInvolvement(organisation=r.organisation_name, organisation_type=r.organisation_type,
                               contact_point=r.contact_point, since=r.since)
               for r in rows if f"involvements:{r.organisation_type}" in permit.fields]
    await audit.allowed(conn, now=context.clock(), child_id=child_id, permit=permit)
    return PeerAnswer(region=context.settings.region, status="found", involvements=visible)

