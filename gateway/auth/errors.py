from gateway.core.errors import BadRequest, Conflict, NotFound


class InvalidJwks(BadRequest):
    code, title = "invalid-jwks", "Invalid JWKS"


class ClientExists(Conflict):
    code, title = "client-exists", "Client already enrolled"


class ClientNotFound(NotFound):
    code, title = "client-not-found", "Client not found"
