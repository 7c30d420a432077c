"""Webhook notifications through a transactional outbox: written with the change, delivered later."""
