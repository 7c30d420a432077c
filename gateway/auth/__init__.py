"""Who is calling: access tokens (RFC 9068 JWTs signed by the gateway) and the `Caller` dependency."""
