from gateway.core.errors import BadRequest, ServiceUnavailable


class ProofOutOfRange(BadRequest):
    code, title = "proof-out-of-range", "No proof for these positions"


class AuditUnavailable(ServiceUnavailable):
    code, title = "audit-unavailable", "The audit log cannot be written"
