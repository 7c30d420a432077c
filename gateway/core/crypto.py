"""All cryptography of the gateway, in one place, with its key ring.

Key ring (JSON; a file in the embedded default, a secret in production), each key with a key id:

- ``pseudonym``: HMAC-SHA256 keys, oldest first. The index key of a BSN is an *onion*:
  ``HMAC(k_n, … HMAC(k_1, bsn))``. Rotation adds ``k_n+1`` and re-keys stored values by applying one
  more HMAC — no BSN needed — so a leaked old key alone no longer links the stored index.
- ``child_ref``: AES-SIV master keys; per organisation a key is derived with HKDF, and a child
  reference is ``kid.base64url(AES-SIV(k_org, child_id))``: stable per organisation, unlinkable
  across organisations, reversible only here. The newest key issues, all keys read.
- ``signing``: Ed25519 keys that sign webhook deliveries (and later receipts and checkpoints).
- ``token``: P-256 keys that sign access tokens (ES256).
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class CryptoError(Exception):
    """A key is missing or a value does not decrypt or verify: always fail closed."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class SecretKey:
    kid: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyRing:
    pseudonym: tuple[SecretKey, ...]
    child_ref: tuple[SecretKey, ...]
    signing: tuple[tuple[str, Ed25519PrivateKey], ...]
    token: tuple[tuple[str, ec.EllipticCurvePrivateKey], ...]

    def __post_init__(self) -> None:
        if not (self.pseudonym and self.child_ref and self.signing and self.token):
            raise CryptoError("key ring incomplete: pseudonym, child_ref, signing and token keys are required")

    @classmethod
    def generate(cls) -> "KeyRing":
        return cls(
            pseudonym=(SecretKey(_new_kid("p"), secrets.token_bytes(32)),),
            child_ref=(SecretKey(_new_kid("r"), secrets.token_bytes(64)),),
            signing=((_new_kid("s"), Ed25519PrivateKey.generate()),),
            token=((_new_kid("t"), ec.generate_private_key(ec.SECP256R1())),),
        )

    def with_new_pseudonym_key(self) -> "KeyRing":
        new = SecretKey(_new_kid("p"), secrets.token_bytes(32))
        return replace(self, pseudonym=(*self.pseudonym, new))

    def with_new_token_key(self) -> "KeyRing":
        """The new key signs from now on; the old ones still verify tokens already issued (≤ 5 minutes)."""
        return replace(self, token=(*self.token, (_new_kid("t"), ec.generate_private_key(ec.SECP256R1()))))

    def with_new_signing_key(self) -> "KeyRing":
        """The new key signs webhooks from now on; receivers find both in the published JWKS."""
        return replace(self, signing=(*self.signing, (_new_kid("s"), Ed25519PrivateKey.generate())))

    def to_json(self) -> str:
        def pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> str:
            return key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii")

        return json.dumps({
            "pseudonym": [{"kid": k.kid, "secret": b64url(k.secret)} for k in self.pseudonym],
            "child_ref": [{"kid": k.kid, "secret": b64url(k.secret)} for k in self.child_ref],
            "signing": [{"kid": kid, "pem": pem(key)} for kid, key in self.signing],
            "token": [{"kid": kid, "pem": pem(key)} for kid, key in self.token],
        }, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "KeyRing":
        try:
            raw: dict[str, list[dict[str, str]]] = json.loads(text)
            signing = [(k["kid"], serialization.load_pem_private_key(k["pem"].encode(), None))
                       for k in raw["signing"]]
            token = [(k["kid"], serialization.load_pem_private_key(k["pem"].encode(), None))
                     for k in raw["token"]]
            if not all(isinstance(key, Ed25519PrivateKey) for _, key in signing):
                raise CryptoError("signing keys must be Ed25519")
            if not all(isinstance(key, ec.EllipticCurvePrivateKey) for _, key in token):
                raise CryptoError("token keys must be EC P-256")
            return cls(
                pseudonym=tuple(SecretKey(k["kid"], unb64url(k["secret"])) for k in raw["pseudonym"]),
                child_ref=tuple(SecretKey(k["kid"], unb64url(k["secret"])) for k in raw["child_ref"]),
                signing=tuple(signing),  # type: ignore[arg-type]
                token=tuple(token),  # type: ignore[arg-type]
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise CryptoError(f"key ring unreadable: {type(exc).__name__}") from None

    def save(self, path: Path) -> None:
        """Write atomically, readable by the owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(self.to_json())
        tmp.replace(path)


def _new_kid(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


# --- pseudonyms ---------------------------------------------------------------------------------

def hmac_sha256(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def onion_layers(keys: tuple[SecretKey, ...], first_input: bytes) -> list[tuple[str, bytes]]:
    """Every generation of the onion, oldest first: [(kid_1, h_1), …, (kid_n, h_n)]."""
    layers: list[tuple[str, bytes]] = []
    value = first_input
    for key in keys:
        value = hmac_sha256(key.secret, value)
        layers.append((key.kid, value))
    return layers


# --- partner-specific child references -----------------------------------------------------------

class ChildRefCipher:
    """`kid.base64url(AES-SIV(HKDF(master, org), child_id))`; AAD binds the reference to its organisation."""

    def __init__(self, keys: tuple[SecretKey, ...]) -> None:
        self._masters = {k.kid: k.secret for k in keys}
        self._issuing = keys[-1].kid
        self._per_org: dict[tuple[str, str], AESSIV] = {}

    def _cipher(self, kid: str, organisation_id: str) -> AESSIV:
        cached = self._per_org.get((kid, organisation_id))
        if cached is None:
            okm = HKDF(hashes.SHA256(), 64, salt=b"inbeeld/child-ref/v1",
                       info=organisation_id.encode()).derive(self._masters[kid])
            cached = self._per_org[(kid, organisation_id)] = AESSIV(okm)
        return cached

    def seal(self, child_id: int, organisation_id: str) -> str:
        data = child_id.to_bytes(8, "big")
        sealed = self._cipher(self._issuing, organisation_id).encrypt(data, [organisation_id.encode()])
        return f"{self._issuing}.{b64url(sealed)}"

    def open(self, child_ref: str, organisation_id: str) -> int:
        kid, _, body = child_ref.partition(".")
        if kid not in self._masters or not body or len(body) > 64:
            raise CryptoError("unknown child reference")
        try:
            data = self._cipher(kid, organisation_id).decrypt(unb64url(body), [organisation_id.encode()])
        except (InvalidTag, ValueError):
            raise CryptoError("unknown child reference") from None
        if len(data) != 8:
            raise CryptoError("unknown child reference")
        return int.from_bytes(data, "big")


# --- sealed browser state (portal session cookies) ------------------------------------------------

class SealedBox:
    """`kid.base64url(nonce | AES-GCM(HKDF(master, purpose), data))`: state the browser keeps but can neither
    read nor change. Keys derive from the `child_ref` masters, so rotating those rotates these too."""

    def __init__(self, keys: tuple[SecretKey, ...], purpose: str) -> None:
        self._purpose = purpose.encode()
        self._keys = {k.kid: AESGCM(HKDF(hashes.SHA256(), 32, salt=b"inbeeld/sealed-box/v1",
                                         info=self._purpose).derive(k.secret)) for k in keys}
        self._issuing = keys[-1].kid

    def seal(self, data: bytes) -> str:
        nonce = secrets.token_bytes(12)
        return f"{self._issuing}.{b64url(nonce + self._keys[self._issuing].encrypt(nonce, data, self._purpose))}"

    def open(self, sealed: str) -> bytes:
        kid, _, body = sealed.partition(".")
        if kid not in self._keys or not body:
            raise CryptoError("not sealed here")
        try:
            raw = unb64url(body)
            return self._keys[kid].decrypt(raw[:12], raw[12:], self._purpose)
        except (InvalidTag, ValueError):
            raise CryptoError("not sealed here") from None


# --- signatures -----------------------------------------------------------------------------------

def public_jwk(kid: str, key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    """The public half as a JWK (RFC 8037 for Ed25519, RFC 7518 for P-256)."""
    if isinstance(key, Ed25519PrivateKey):
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": kid, "alg": "EdDSA", "use": "sig"}
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
        "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def ed25519_public_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise CryptoError("not an Ed25519 JWK")
    return Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))


def sign_canonical(body: dict[str, Any], key: Ed25519PrivateKey) -> str:
    """Ed25519 over the RFC 8785 canonical JSON of `body` (receipts, audit checkpoints), base64url."""
    return b64url(key.sign(rfc8785.dumps(body)))


def verify_canonical(body: dict[str, Any], signature: str, kid: str, jwks: dict[str, Any]) -> None:
    """`CryptoError` unless `signature` is the key `kid` of `jwks` signing exactly this body."""
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        raise CryptoError("signed with an unknown key")
    try:
        ed25519_public_from_jwk(jwk).verify(unb64url(signature), rfc8785.dumps(body))
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise CryptoError(f"signature does not verify ({type(exc).__name__})") from None
