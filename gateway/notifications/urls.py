"""Webhook URLs are an SSRF risk: https only, no credentials, and never an internal address —
checked when registered, again before each delivery, and for a host name in the connection itself
(`PublicAddresses`), so that DNS that changes after a check cannot lead a delivery inside. Demo,
development and test mode allow http and loopback for local receivers. Redirects are never followed
(see the worker)."""

import ipaddress
import socket

import aiohttp
import aiohttp.abc
import httpx

from gateway.core.errors import BadRequest


class WebhookUrlRefused(BadRequest):
    code, title = "webhook-url-refused", "Webhook URL refused"


def _forbidden_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, *, relaxed: bool) -> bool:
    if relaxed and address.is_loopback:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_webhook_url(url: str, *, relaxed: bool) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise WebhookUrlRefused("The webhook URL is not a valid URL.") from None
    allowed_schemes = {"https", "http"} if relaxed else {"https"}
    if parsed.scheme not in allowed_schemes:
        raise WebhookUrlRefused("The webhook URL must use https.")
    if not parsed.host or parsed.userinfo or parsed.fragment:
        raise WebhookUrlRefused("The webhook URL needs a host and no credentials or fragment.")
    try:
        literal = ipaddress.ip_address(parsed.host)
    except ValueError:
        literal = None
    if literal is not None and _forbidden_address(literal, relaxed=relaxed):
        raise WebhookUrlRefused("The webhook URL points at an internal address.")
    internal_name = parsed.host == "localhost" or parsed.host.endswith((".localhost", ".local", ".internal"))
    if internal_name and not relaxed:
        raise WebhookUrlRefused("The webhook URL points at an internal host name.")
    return str(parsed)


class PublicAddresses(aiohttp.abc.AbstractResolver):
    """The system's resolver, refusing a name with any internal address. The delivery's connection is made to
    the addresses it returns: a check and a connection with a DNS lookup of their own between them could be told
    apart by a name that changes its answer (DNS rebinding)."""

    def __init__(self, *, relaxed: bool) -> None:
        self._system = aiohttp.ThreadedResolver()
        self._relaxed = relaxed

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[aiohttp.abc.ResolveResult]:
        found = await self._system.resolve(host, port, family)
        if any(_forbidden_address(ipaddress.ip_address(a["host"]), relaxed=self._relaxed) for a in found):
            raise WebhookUrlRefused("The webhook host resolves to an internal address.")
        return found

    async def close(self) -> None:
        await self._system.close()
