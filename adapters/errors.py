"""Adapter errors, one tree, mapped to problems by the gateway:

    AdapterError (502 bad-gateway: the source answered wrongly)
    ├── SourceUnavailable (502: refused, failed, or 5xx)
    └── SourceTimeout (504: no answer in time)
"""

from typing import ClassVar


class AdapterError(Exception):
    status: ClassVar[int] = 502
    code: ClassVar[str] = "source-error"

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source, self.reason = source, reason


class SourceUnavailable(AdapterError):
    code = "source-unavailable"


class SourceTimeout(AdapterError):
    status, code = 504, "source-timeout"
