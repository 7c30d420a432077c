from gateway.core.errors import BadRequest, Conflict, NotFound


class ChildNotFound(NotFound):
    code, title = "child-not-found", "Child not known in the index"


class InvolvementNotFound(NotFound):
    code, title = "involvement-not-found", "Involvement not found or already ended"


class InvolvementExists(Conflict):
    code, title = "involvement-exists", "This organisation is already involved"


class InvalidPeriod(BadRequest):
    code, title = "invalid-period", "Invalid period"


class BeyondRetentionAge(BadRequest):
    code, title = "beyond-retention-age", "The index no longer keeps this child"


class UnknownOrganisation(BadRequest):
    code, title = "unknown-organisation", "Unknown organisation"
