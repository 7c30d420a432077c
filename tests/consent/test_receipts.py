"""Signed receipts verify offline, and any change makes them fail."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from consent.receipts import sign_receipt, verify_receipt
from gateway.core.crypto import CryptoError, KeyRing, public_jwk

CONTENT = {"action": "grant", "consent_id": "0b7c…", "child_ref": "r-1.abc", "purpose": "afstemming-kernteam",
           "recipients": ["ggd"], "given_by": ["parent:p-91"], "valid_from": "2026-11-23", "valid_until": None,
           "issued_at": "2026-11-23T09:00:00+00:00"}


@pytest.fixture
def signed() -> tuple[dict[str, object], dict[str, object]]:
    kid, key = KeyRing.generate().signing[0]
    return sign_receipt(CONTENT, key_id=kid, key=key), {"keys": [public_jwk(kid, key)]}


def test_receipt_verifies_and_returns_its_content(signed: tuple[dict[str, object], dict[str, object]]) -> None:
    receipt, jwks = signed
    assert verify_receipt(json.loads(json.dumps(receipt)), jwks)["consent_id"] == CONTENT["consent_id"]


@pytest.mark.parametrize("change", [
    lambda r: r["receipt"].__setitem__("purpose", "actietafel"),
    lambda r: r["receipt"].__setitem__("valid_until", "2030-01-01"),
    lambda r: r["receipt"]["recipients"].append("rvdk"),
    lambda r: r["receipt"].pop("given_by"),
    lambda r: r["signature"].__setitem__("kid", "s-unknown"),
    lambda r: r["signature"].__setitem__("value", "AAAA"),
    lambda r: r["receipt"].__setitem__("version", "other/1"),
])
def test_tampered_receipt_fails(signed: tuple[dict[str, object], dict[str, object]], change) -> None:  # type: ignore[no-untyped-def]
    receipt, jwks = signed
    tampered = copy.deepcopy(receipt)
    change(tampered)
    with pytest.raises(CryptoError):
        verify_receipt(tampered, jwks)


def test_receipt_from_another_gateway_fails(signed: tuple[dict[str, object], dict[str, object]]) -> None:
    receipt, _ = signed
    _, other = KeyRing.generate().signing[0]
    with pytest.raises(CryptoError):
        verify_receipt(receipt, {"keys": [public_jwk(receipt["signature"]["kid"], other)]})  # type: ignore[index]


def test_cli_verifies_offline(signed: tuple[dict[str, object], dict[str, object]], tmp_path: Path) -> None:
    receipt, jwks = signed
    (tmp_path / "r.json").write_text(json.dumps(receipt))
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    cli = Path(sys.executable).parent / "inbeeld"
    ok = subprocess.run([cli, "consent", "verify-receipt", tmp_path / "r.json", "--jwks", tmp_path / "jwks.json"],
                        capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0 and "valid receipt: grant" in ok.stdout
    receipt["receipt"]["purpose"] = "toezicht"  # type: ignore[index]
    (tmp_path / "r.json").write_text(json.dumps(receipt))
    bad = subprocess.run([cli, "consent", "verify-receipt", tmp_path / "r.json", "--jwks", tmp_path / "jwks.json"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 1 and "NOT VALID" in bad.stderr
