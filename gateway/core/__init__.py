"""Core: settings, database, errors, crypto, clock and HTTP plumbing. Imports nothing of the domains."""
