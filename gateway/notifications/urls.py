"""Webhook URLs are an SSRF risk: https only, no credentials, and never an internal address —
checked when registered and again, after DNS, before each delivery. Demo, development and test
mode allow http and loopback for local receivers. Redirects are never followed (see the worker)."""

import asyncio
import ipaddress
import socket

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


async def check_resolved(url: str, *, relaxed: bool) -> None:
    """Resolve the host and refuse if any address is internal (DNS may have changed since registration)."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    infos = await asyncio.get_running_loop().getaddrinfo(parsed.host, port, type=socket.SOCK_STREAM)
    for info in infos:
        if _forbidden_address(ipaddress.ip_address(info[4][0]), relaxed=relaxed):
            raise WebhookUrlRefused("The webhook host resolves to an internal address.")
