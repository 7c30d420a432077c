"""Delivers outbox messages: signed, idempotent, retried with exponential backoff, never redirected.

Runs as a task in every replica; leases keep two replicas off the same message. A message that is
claimed but not acknowledged (crash, timeout) is claimed again when its lease runs out.
"""

import asyncio
import contextlib
import logging
import random
from datetime import timedelta

import httpx

from gateway.context import AppContext

from . import repository
from .signing import signature_headers
from .urls import WebhookUrlRefused, check_webhook_url

log = logging.getLogger("inbeeld.outbox")


def backoff(attempts: int, *, base: float, cap: float = 3600.0) -> float:
    """Seconds to wait after `attempts` failed deliveries: exponential with jitter."""
    return min(cap, base * 2.0 ** (attempts - 1)) * random.uniform(0.5, 1.0)  # noqa: S311


class OutboxWorker:
    def __init__(self, context: AppContext, client: httpx.AsyncClient, *, batch: int = 20) -> None:
        settings = context.settings
        self._context = context
        self._client = client
        # A pass tries its messages one after another, each for at most the webhook timeout (and a commit): it
        # claims no more than it can try before their lease runs out and another replica claims them too.
        self._batch = max(1, min(batch, int(settings.outbox_lease_seconds // (settings.webhook_timeout_seconds + 1))))
        self._lease = timedelta(seconds=settings.outbox_lease_seconds)

    async def deliver_due(self) -> int:
        """One pass: claim due messages, try each once. Returns how many were attempted."""
        ctx = self._context
        async with ctx.db.engine.begin() as conn:
            claimed = await repository.claim_due(conn, now=ctx.clock(), lease=self._lease, limit=self._batch)
        for message in claimed:
            error = await self._post(message.id, message.payload, message.webhook_url)
            async with ctx.db.engine.begin() as conn:
                now = ctx.clock()
                if error is None:
                    await repository.mark_delivered(conn, message.id, now)
                elif message.attempts >= ctx.settings.outbox_max_attempts:
                    await repository.mark_failed(conn, message.id, now=now, error=error)
                    log.warning("outbox message failed for good", extra={"error": error})
                else:
                    delay = backoff(message.attempts, base=ctx.settings.outbox_retry_base_seconds)
                    await repository.mark_retry(conn, message.id, at=now + timedelta(seconds=delay),
                                                error=error)
        return len(claimed)

    async def _post(self, message_id: object, payload: str, url: str | None) -> str | None:
        """Returns None when delivered, else a short error code."""
        if url is None:
            return "no-webhook-url"
        relaxed = self._context.settings.relaxed
        body = payload.encode()
        kid, key = self._context.keys.current().signing[-1]
        headers = {"content-type": "application/json",
                   **signature_headers(message_id=str(message_id), body=body, key_id=kid, key=key)}
        try:
            # The status is all a receiver has to say: its body is not read, and no receiver (one that answers a
            # byte at a time, say) holds the outbox up beyond the timeout.
            check_webhook_url(url, relaxed=relaxed)  # as registered, against today's rules; names: `PublicAddresses`
            async with asyncio.timeout(self._context.settings.webhook_timeout_seconds):
                async with self._client.stream("POST", url, content=body, headers=headers,
                                               follow_redirects=False) as response:
                    status = response.status_code
        except WebhookUrlRefused:
            return "url-refused"
        except (TimeoutError, httpx.TimeoutException):
            return "timeout"
        except (httpx.HTTPError, OSError):
            return "connection-error"
        return None if 200 <= status < 300 else f"http-{status}"

    async def drain(self, deadline_seconds: float) -> None:
        """At shutdown: deliver what is due, within the deadline. What is left (or was cut off mid-delivery) stays
        in the outbox and goes out from another replica or after the restart, under the same idempotency key."""
        try:
            async with asyncio.timeout(deadline_seconds):
                while await self.deliver_due():
                    pass
        except TimeoutError:
            log.warning("outbox not drained before shutdown")
        except Exception as exc:
            log.warning("outbox drain failed", extra={"error_type": type(exc).__name__})

    async def run(self, stop: asyncio.Event) -> None:
        interval = self._context.settings.outbox_poll_seconds
        while not stop.is_set():
            try:
                attempted = await self.deliver_due()
            except Exception as exc:  # the database may be briefly unavailable; try again next round
                # The type only: driver messages can quote statement parameters.
                log.warning("outbox pass failed", extra={"error_type": type(exc).__name__})
                attempted = 0
            if attempted < self._batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval)
