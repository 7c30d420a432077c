"""Webhook URLs cannot be aimed at internal services."""

import httpx
import pytest

from adapters.transport import AiohttpTransport
from gateway.notifications.urls import PublicAddresses, WebhookUrlRefused, check_webhook_url
from tests.fixtures.receiver import webhook_receiver


@pytest.mark.parametrize("url", [
    "http://partner.example/hook",  # http outside demo/test
    "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://192.168.0.10/hook", "https://172.16.5.4/hook",
    "https://169.254.169.254/latest/meta-data", "https://[::1]/hook", "https://[fd00::1]/hook",
    "https://[::ffff:10.0.0.1]/hook", "https://localhost/hook", "https://db.internal/hook",
    "https://user:pw@partner.example/hook", "ftp://partner.example/hook", "https:///nohost", "not a url",
])
def test_internal_or_unsafe_urls_are_refused_in_production(url: str) -> None:
    with pytest.raises(WebhookUrlRefused):
        check_webhook_url(url, relaxed=False)


def test_public_https_url_is_accepted() -> None:
    assert check_webhook_url("https://partner.example/hooks/inbeeld", relaxed=False).startswith("https://")


def test_demo_mode_allows_local_http_receivers_only() -> None:
    assert check_webhook_url("http://127.0.0.1:9000/hook", relaxed=True)
    with pytest.raises(WebhookUrlRefused):
        check_webhook_url("http://10.0.0.5/hook", relaxed=True)


@pytest.mark.anyio
async def test_names_resolving_to_loopback_are_refused_by_the_connection_itself() -> None:
    """The check is the resolver the delivery connects with: no second lookup that DNS could answer otherwise."""
    with webhook_receiver() as receiver:
        url = receiver.for_org("ggd").replace("127.0.0.1", "localhost")
        for relaxed in (False, True):
            async with httpx.AsyncClient(transport=AiohttpTransport(resolver=PublicAddresses(relaxed=relaxed))) as http:
                if relaxed:
                    assert (await http.post(url, content=b"{}")).status_code == 204
                else:
                    with pytest.raises(WebhookUrlRefused):
                        await http.post(url, content=b"{}")
    assert receiver.attempts == 1  # only the relaxed one arrived
