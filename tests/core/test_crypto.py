"""Crypto fails closed: tampered references, another organisation's reference, a foreign key ring."""

import json

import pytest

from gateway.core.crypto import ChildRefCipher, CryptoError, KeyRing, onion_layers, unb64url
from gateway.notifications.signing import signature_headers, verify
from gateway.pseudonyms.bsn import Bsn, passes_elfproef


def test_child_reference_is_stable_per_organisation_and_unlinkable_across() -> None:
    cipher = ChildRefCipher(KeyRing.generate().child_ref)
    a1, a2, b = cipher.seal(42, "school-a"), cipher.seal(42, "school-a"), cipher.seal(42, "ggd")
    assert a1 == a2 and a1 != b
    assert cipher.open(a1, "school-a") == 42 and cipher.open(b, "ggd") == 42
    with pytest.raises(CryptoError):
        cipher.open(a1, "ggd")  # bound to its organisation
    body = bytearray(unb64url(a1.split(".")[1]))
    body[3] ^= 1
    from gateway.core.crypto import b64url
    with pytest.raises(CryptoError):
        cipher.open(a1.split(".")[0] + "." + b64url(bytes(body)), "school-a")
    with pytest.raises(CryptoError):
        ChildRefCipher(KeyRing.generate().child_ref).open(a1, "school-a")  # another gateway's keys


def test_new_child_ref_key_issues_new_references_and_old_ones_still_open() -> None:
    old = KeyRing.generate()
    cipher_old = ChildRefCipher(old.child_ref)
    ref = cipher_old.seal(7, "school-a")
    newer = KeyRing.generate().child_ref
    cipher = ChildRefCipher((*old.child_ref, *newer))
    assert cipher.open(ref, "school-a") == 7
    assert cipher.seal(7, "school-a").startswith(newer[0].kid + ".")


def test_onion_rotation_lifts_without_the_bsn() -> None:
    ring = KeyRing.generate().with_new_pseudonym_key()
    layers = onion_layers(ring.pseudonym, b"999990019")
    first_only = onion_layers(ring.pseudonym[:1], b"999990019")
    assert layers[0] == first_only[0] and layers[1][1] != layers[0][1]


def test_key_ring_round_trips_and_rejects_garbage() -> None:
    ring = KeyRing.generate()
    again = KeyRing.from_json(ring.to_json())
    assert again.pseudonym == ring.pseudonym and again.child_ref == ring.child_ref
    for bad in ("{}", "not json", json.dumps({"pseudonym": [], "child_ref": [], "signing": [], "token": []})):
        with pytest.raises(CryptoError):
            KeyRing.from_json(bad)


def test_webhook_signature_fails_on_any_change() -> None:
    from gateway.core.crypto import public_jwk

    kid, key = KeyRing.generate().signing[0]
    jwks = {"keys": [public_jwk(kid, key)]}
    headers = signature_headers(message_id="m1", body=b"{}", key_id=kid, key=key)
    assert verify(headers=headers, body=b"{}", jwks=jwks) == "m1"
    for changed in ({**headers, "webhook-id": "m2"}, {**headers, "webhook-timestamp": "1"},
                    {**headers, "webhook-key-id": "other"}, {**headers, "webhook-signature": "v1a,AAAA"}):
        with pytest.raises(CryptoError):
            verify(headers=changed, body=b"{}", jwks=jwks)
    with pytest.raises(CryptoError):
        verify(headers=headers, body=b"{ }", jwks=jwks)


@pytest.mark.parametrize(("digits", "valid"), [
    ("999990019", True), ("111222333", True), ("123456782", True),
    ("123456789", False), ("000000000", False), ("99999001", False), ("9999900190", False), ("99999001a", False),
    ("٩٩٩٩٩٠٠١٩", False),  # non-ASCII digits
])
def test_elfproef(digits: str, valid: bool) -> None:
    assert passes_elfproef(digits) is valid


def test_bsn_never_shows_itself() -> None:
    bsn = Bsn("999990019")
    assert "999990019" not in f"{bsn} {bsn!r} {bsn!s} {[bsn]}" and bsn.digits == "999990019"


def test_token_key_rotation_keeps_issued_tokens_valid() -> None:
    from gateway.auth.tokens import Caller, mint_access_token, verify_access_token
    from gateway.core.vocabulary import OrgType, Role

    caller = Caller(organisation_id="o", organisation_type=OrgType.ggd, role=Role.jeugdarts, professional="p")
    old = KeyRing.generate()
    issued = mint_access_token(old, issuer="https://i", audience="https://i/v1", caller=caller)
    rotated = old.with_new_token_key()
    assert verify_access_token(rotated, issued, issuer="https://i", audience="https://i/v1") == caller
    fresh = mint_access_token(rotated, issuer="https://i", audience="https://i/v1", caller=caller)
    assert json.loads(unb64url(fresh.split(".")[0]))["kid"] == rotated.token[-1][0] != old.token[0][0]
    assert len(old.with_new_signing_key().signing) == 2
