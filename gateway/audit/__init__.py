"""The audit log: one record per request that reads or changes child data, or is refused."""
