"""The BRP personen API over HTTP. The `httpx.AsyncClient` is passed in (auth, TLS and transport are the
caller's); every call has an explicit timeout; errors come out as the adapter error tree."""

import httpx

from adapters.errors import AdapterError
from adapters.http import request_json
from adapters.protocols import Person

from .mapping import person_from_response, request_body

SOURCE = "brp"


class BrpClient:
    def __init__(self, client: httpx.AsyncClient, *, base_url: str, timeout_seconds: float = 5.0) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/personen"
        self._timeout = httpx.Timeout(timeout_seconds)

    async def person(self, bsn: str, *, for_portal: bool = False) -> Person | None:
        payload = await request_json(self._client, SOURCE, "POST", self._url, limits=self._timeout,
                                     body=request_body(bsn, for_portal=for_portal))
        try:
            return person_from_response(payload, bsn)
        except (AttributeError, TypeError):  # an object or list where the response shape has none
            raise AdapterError(SOURCE, "malformed answer") from None
