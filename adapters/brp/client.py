"""The BRP personen API over HTTP. The `httpx.AsyncClient` is passed in (auth, TLS and transport are the
caller's); every call has an explicit timeout; errors come out as the adapter error tree."""

import httpx

from adapters.errors import AdapterError, SourceTimeout, SourceUnavailable
from adapters.protocols import Person

from .mapping import person_from_response, request_body

SOURCE = "brp"


class BrpClient:
    def __init__(self, client: httpx.AsyncClient, *, base_url: str, timeout_seconds: float = 5.0) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/personen"
        self._timeout = httpx.Timeout(timeout_seconds)

    async def person(self, bsn: str, *, for_portal: bool = False) -> Person | None:
        try:
            response = await self._client.post(self._url, json=request_body(bsn, for_portal=for_portal),
                                               timeout=self._timeout,
                                               follow_redirects=False)
        except httpx.TimeoutException:
            raise SourceTimeout(SOURCE, "no answer in time") from None
        except httpx.HTTPError as exc:
            raise SourceUnavailable(SOURCE, type(exc).__name__) from None
        if response.status_code >= 500:
            raise SourceUnavailable(SOURCE, f"http {response.status_code}")
        if response.status_code != 200:
            raise AdapterError(SOURCE, f"http {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise AdapterError(SOURCE, "not JSON") from None
        return person_from_response(payload, bsn)
