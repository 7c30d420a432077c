"""Webhook URLs cannot be aimed at internal services."""

import pytest

from gateway.notifications.urls import WebhookUrlRefused, check_resolved, check_webhook_url


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
async def test_names_resolving_to_loopback_are_refused_at_delivery() -> None:
    with pytest.raises(WebhookUrlRefused):
        await check_resolved("https://localhost/hook", relaxed=False)
    await check_resolved("http://localhost:9/hook", relaxed=True)
