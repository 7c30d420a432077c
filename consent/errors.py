from adapters.errors import AdapterError
from gateway.core.errors import BadRequest, InbeeldError, NotFound, ServiceUnavailable


class ConsentNotValid(BadRequest):
    code, title = "consent-not-valid", "These people cannot give this consent"


class ConsentNotFound(NotFound):
    code, title = "consent-not-found", "Consent not found"


class RegistryUnavailable(ServiceUnavailable):
    code, title = "person-registry-unavailable", "The BRP could not be asked"


class SourceFailed(InbeeldError):
    """A source system answered wrongly (502) or not in time (504)."""

    code, title = "source-failed", "A source system failed"

    def __init__(self, error: AdapterError) -> None:
        super().__init__(f"The {error.source} did not answer properly.")
        self.status = error.status  # type: ignore[misc]
