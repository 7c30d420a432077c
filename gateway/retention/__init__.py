"""Retention: involvement signals and children leave the index when their time is up; audit records are emptied
after their term, leaving their hashes and a purge record in the log so verification still holds."""
