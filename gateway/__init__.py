"""Inbeeld gateway: a minimal, pseudonymous regional case index behind OAuth2 and Rego policies."""

API_VERSION = "1.0.0"
