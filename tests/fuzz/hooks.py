"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.fuzz.hooks): half of the generated 9-digit BSNs get the check digit
that makes them pass the elfproef, so registrations succeed and the stateful phase can follow their links (the
child reference, the involvement id) into reads and deletes; the other half still test the refusal."""

from typing import Any

import schemathesis

from gateway.pseudonyms.bsn import passes_elfproef


def with_check_digit(digits: str) -> str:
    """The same first eight digits and the check digit that passes the elfproef (unchanged when none does)."""
    remainder = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) % 11
    fixed = digits[:8] + str(remainder) if remainder < 10 else digits
    return fixed if passes_elfproef(fixed) else digits


@schemathesis.hook
def map_body(_context: Any, body: Any) -> Any:
    if isinstance(body, dict):
        bsn = body.get("bsn")
        if isinstance(bsn, str) and len(bsn) == 9 and bsn.isascii() and bsn.isdigit() and int(bsn[0]) % 2 == 0:
            body["bsn"] = with_check_digit(bsn)
    return body
