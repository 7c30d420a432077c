"""The BSN type: 9 digits passing the elfproef. Its repr never shows the number."""

from typing import Annotated

from pydantic import PlainValidator, WithJsonSchema


def passes_elfproef(digits: str) -> bool:
    """9 digits, weights 9..2 and -1, sum divisible by 11 and not all zeros."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0 and digits != "000000000"


class Bsn(str):
    """A validated BSN. `repr`/`str` in logs show a mask; use `.digits` deliberately."""

    __slots__ = ()

    @property
    def digits(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return "Bsn(*********)"

    def __str__(self) -> str:
        return "*********"

    def __format__(self, spec: str) -> str:
        return "*********"


def _to_bsn(value: object) -> Bsn:
    if not isinstance(value, str) or not passes_elfproef(value):
        raise ValueError("not a valid BSN (9 digits, elfproef)")
    return Bsn(value)


BsnField = Annotated[
    Bsn,
    PlainValidator(_to_bsn),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{9}$", "writeOnly": True,
                    "description": "Burgerservicenummer: 9 digits passing the elfproef"}),
]
