"""From BSN to index key, at once, behind one interface (today HMAC; later an OPRF service)."""
