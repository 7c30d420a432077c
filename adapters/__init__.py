"""Adapters to source systems, one package per kind, behind the Protocols in `adapters.protocols`.
Adapters import nothing of the gateway's routes or services; their errors map to 502/504 problems."""
