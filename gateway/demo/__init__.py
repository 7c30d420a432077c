"""A synthetic Utrecht-like region for `inbeeld serve --demo`. Every BSN is a test number (9999…)."""
