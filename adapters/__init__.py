"""Adapters to partner source systems, one package per kind, behind one Protocol (federation issue)."""
