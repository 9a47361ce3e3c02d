"""GovChain's profile of RFC 9421 for signed reads: what is covered, with which parameters,
signed with which algorithm (decision 0007).

A signed read covers ``@method``, ``@authority``, ``@path`` and ``@query``,
and ``content-digest`` (RFC 9530) when the request has a body. Its
parameters are ``created`` (whole seconds), ``nonce`` (at least 16 random
bytes, base64url), ``keyid`` (the reader's account address, 40 lowercase
hex digits), ``alg`` and ``tag`` (``govchain-read``), and optionally
``expires``. The algorithm is the chain suite's: ``sm2-sm3`` under ``gm``
(not IANA-registered: SM2 with SM3 and the GM/T 0009 Z value of the suite's
signer ID, the signature as ``r || s``, 32 bytes each) and ``ed25519``
under ``intl`` (RFC 9421 section 3.3.6).

Everything here is pure: the caller gives the time and looks up keys; the
nonce cache against replay lives with the API (``govchain.api.request_signatures``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from http_sf import ser

from govchain.crypto.httpsig.fields import (
    ParamValue,
    ReceivedSignature,
    RequestSignatureError,
    RequestView,
    SignatureMalformedError,
    parse_dictionary,
    received_signatures,
    signature_base,
    signature_input_member,
)
from govchain.crypto.suite import CryptoSuite, SigningKey

__all__ = [
    "ALGORITHM_BY_SUITE",
    "BODY_COMPONENT",
    "DIGEST_BY_SUITE",
    "NONCE_SIZE",
    "NONCE_SIZE_MAX",
    "NONCE_SIZE_MIN",
    "READ_TAG",
    "REQUEST_COMPONENTS",
    "SIGNATURE_LABEL",
    "WINDOW_S",
    "PublicKeyOf",
    "SignatureAlgorithmError",
    "SignatureExpiredError",
    "SignatureInvalidError",
    "SignatureRequiredError",
    "SignatureTagError",
    "SignedRequestHeaders",
    "UnknownAccountError",
    "VerifiedRequest",
    "content_digest",
    "decode_nonce",
    "der_from_rs",
    "encode_nonce",
    "rs_from_der",
    "sign_request",
    "signature_from_wire",
    "signature_to_wire",
    "verify_request",
]

READ_TAG = "govchain-read"
"""The ``tag`` of a signed read: a signature made for another purpose is not one."""
SIGNATURE_LABEL = "govchain"
"""The label the SDK gives its signature (the verifier finds it by tag, not by label)."""
ALGORITHM_BY_SUITE = {"gm": "sm2-sm3", "intl": "ed25519"}
"""The ``alg`` of each suite; ``sm2-sm3`` is GovChain's own name, not IANA-registered."""
DIGEST_BY_SUITE = {"gm": "sm3", "intl": "sha-256"}
"""The ``Content-Digest`` algorithm of each suite (RFC 9530; ``sm3`` is not registered)."""
REQUEST_COMPONENTS = ("@method", "@authority", "@path", "@query")
"""What every signed read covers, in this order."""
BODY_COMPONENT = "content-digest"
"""Covered, after the others, when the request has a body."""
WINDOW_S = 300
"""How far ``created`` may be from the verifier's clock, either way, by default."""
NONCE_SIZE = 32
"""Random bytes in a nonce the SDK makes."""
NONCE_SIZE_MIN = 16
NONCE_SIZE_MAX = 64
_ED25519_SIGNATURE_SIZE = 64
_EC_SCALAR_SIZE = 32
_KEYID = re.compile(r"[0-9a-f]{40}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_PARAMS = ("created", "expires", "nonce", "keyid", "alg", "tag")

PublicKeyOf = Callable[[bytes], bytes | None]
"""The public key of an account address; None for an unknown account."""


class SignatureRequiredError(RequestSignatureError):
    """The request carries no signature, and this read needs one."""

    code = "signature_required"


class SignatureTagError(RequestSignatureError):
    """The request is signed, but not for a GovChain read (another ``tag``)."""

    code = "signature_tag_mismatch"


class SignatureAlgorithmError(RequestSignatureError):
    """The ``alg`` is not the chain suite's."""

    code = "signature_algorithm_mismatch"


class SignatureExpiredError(RequestSignatureError):
    """``created`` is outside the window around the verifier's clock, or ``expires`` passed."""

    code = "signature_expired"


class UnknownAccountError(RequestSignatureError):
    """The ``keyid`` names no account the node knows."""

    code = "unknown_signer"


class SignatureInvalidError(RequestSignatureError):
    """The signature, or the body's digest, does not match the request."""

    code = "signature_invalid"


@dataclass(frozen=True, slots=True)
class SignedRequestHeaders:
    """The header fields a signed request carries."""

    signature_input: str
    signature: str
    content_digest: str | None

    def as_dict(self) -> dict[str, str]:
        """The fields by name, ready to add to a request."""
        headers = {"Signature-Input": self.signature_input, "Signature": self.signature}
        if self.content_digest is not None:
            headers["Content-Digest"] = self.content_digest
        return headers


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """A request whose signature verified: who signed it, and what must not be seen again.

    ``remember_until`` is the last second at which the same signature would
    still pass the time checks: its nonce must be kept at least that long.
    """

    address: bytes
    nonce: bytes
    created: int
    remember_until: int


def algorithm_of(suite: CryptoSuite) -> str:
    """The RFC 9421 ``alg`` of the suite's signatures."""
    return ALGORITHM_BY_SUITE[suite.name]


def content_digest(suite: CryptoSuite, body: bytes) -> str:
    """The ``Content-Digest`` field of a body (RFC 9530): the suite's hash, e.g. ``sm3=:...:``."""
    return ser({DIGEST_BY_SUITE[suite.name]: (suite.hash(body), {})})


def encode_nonce(raw: bytes) -> str:
    """A nonce as the ``nonce`` parameter carries it: base64url without padding."""
    assert NONCE_SIZE_MIN <= len(raw) <= NONCE_SIZE_MAX, "nonce size"
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_nonce(text: str) -> bytes:
    """The bytes of a ``nonce`` parameter; SignatureMalformedError unless base64url of
    16 to 64 bytes."""
    if not _BASE64URL.fullmatch(text) or len(text) > (NONCE_SIZE_MAX * 4 + 2) // 3:
        raise SignatureMalformedError("the nonce must be base64url, without padding")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SignatureMalformedError("the nonce is not base64url") from exc
    if not NONCE_SIZE_MIN <= len(raw) <= NONCE_SIZE_MAX:
        raise SignatureMalformedError(
            f"the nonce holds {len(raw)} bytes; {NONCE_SIZE_MIN} to {NONCE_SIZE_MAX} are needed"
        )
    return raw


def rs_from_der(der: bytes) -> bytes:
    """An elliptic-curve ``SEQUENCE{r, s}`` (DER) as RFC 9421 carries ECDSA: ``r || s``,
    32 bytes each, big-endian (section 3.3.4); ValueError if it is not such a DER value."""
    r, s = decode_dss_signature(der)
    if max(r, s).bit_length() > 8 * _EC_SCALAR_SIZE:
        raise ValueError("a 256-bit curve's r and s fit in 32 bytes")
    return r.to_bytes(_EC_SCALAR_SIZE, "big") + s.to_bytes(_EC_SCALAR_SIZE, "big")


def der_from_rs(raw: bytes) -> bytes | None:
    """The DER ``SEQUENCE{r, s}`` of an ``r || s`` signature; None unless it is 64 bytes."""
    if len(raw) != 2 * _EC_SCALAR_SIZE:
        return None
    r = int.from_bytes(raw[:_EC_SCALAR_SIZE], "big")
    return encode_dss_signature(r, int.from_bytes(raw[_EC_SCALAR_SIZE:], "big"))


def signature_to_wire(suite: CryptoSuite, signature: bytes) -> bytes:
    """The suite's signature as the ``Signature`` field carries it: SM2's DER becomes
    ``r || s`` (as ECDSA in RFC 9421); Ed25519's is already the RFC's."""
    return rs_from_der(signature) if suite.name == "gm" else signature


def signature_from_wire(suite: CryptoSuite, wire: bytes) -> bytes | None:
    """The suite's own form of a signature from the ``Signature`` field; None if it cannot be."""
    if suite.name == "gm":
        return der_from_rs(wire)
    return wire if len(wire) == _ED25519_SIGNATURE_SIZE else None


def sign_request(
    key: SigningKey,
    suite: CryptoSuite,
    request: RequestView,
    body: bytes,
    *,
    keyid: str,
    created: int,
    nonce: bytes,
    tag: str = READ_TAG,
) -> SignedRequestHeaders:
    """Sign a request as a GovChain read; returns the header fields to add to it.

    ``keyid`` is the signer's account address in lowercase hex, ``created``
    the time in whole seconds, ``nonce`` fresh random bytes (16 to 64).
    """
    assert key.suite_name == suite.name, "the key belongs to another suite"
    assert _KEYID.fullmatch(keyid), "keyid is an address in lowercase hex"
    digest = content_digest(suite, body) if body else None
    components = [*REQUEST_COMPONENTS]
    if digest is not None:
        components.append(BODY_COMPONENT)
        request = replace(request, fields=(*request.fields, (BODY_COMPONENT, digest)))
    params: dict[str, ParamValue] = {
        "created": created,
        "nonce": encode_nonce(nonce),
        "keyid": keyid,
        "alg": algorithm_of(suite),
        "tag": tag,
    }
    params_value = signature_input_member(components, params)
    request.validate()
    wire = signature_to_wire(suite, key.sign(signature_base(request, components, params_value)))
    return SignedRequestHeaders(
        signature_input=f"{SIGNATURE_LABEL}={params_value}",
        signature=ser({SIGNATURE_LABEL: (wire, {})}),
        content_digest=digest,
    )


def verify_request(
    suite: CryptoSuite,
    request: RequestView,
    body: bytes,
    fields: tuple[str | None, str | None],
    public_key_of: PublicKeyOf,
    *,
    now: int,
    window_s: int = WINDOW_S,
    tag: str = READ_TAG,
) -> VerifiedRequest:
    """Check a signed read; returns who signed it.

    ``fields`` are the request's ``Signature-Input`` and ``Signature`` (None
    when absent). The checks, in order, each with its error (and ``code``):
    a signature is there (SignatureRequiredError); the fields are well formed
    and one signature has our ``tag`` (SignatureMalformedError,
    SignatureTagError); it covers exactly the profile's components, with its
    parameters (SignatureMalformedError); ``alg`` is the suite's
    (SignatureAlgorithmError); ``created`` is within ``window_s`` of ``now``
    and ``expires`` has not passed (SignatureExpiredError); the ``keyid`` is
    a known account (UnknownAccountError); the body matches
    ``Content-Digest`` and the signature verifies (SignatureInvalidError).
    Replay is the caller's to check, with the returned nonce.
    """
    signature_input, signature = fields
    if signature_input is None and signature is None:
        raise SignatureRequiredError("this read needs a request signed by the reader's account")
    if signature_input is None or signature is None:
        raise SignatureMalformedError("Signature-Input and Signature go together")
    request.validate()
    received = _ours(received_signatures(signature_input, signature), tag)
    created, expires, nonce, keyid = _profile_params(received, suite, has_body=bool(body))
    if abs(now - created) > window_s:
        raise SignatureExpiredError(
            f"the signature's created time is {abs(now - created)} s "
            f"{'behind' if created < now else 'ahead of'} this node's clock; "
            f"at most {window_s} s either way (check the client's clock)"
        )
    if expires is not None and now > expires:
        raise SignatureExpiredError("the signature's expires time has passed")
    address = bytes.fromhex(keyid)
    public_key = public_key_of(address)
    if public_key is None:
        raise UnknownAccountError(f"no account {keyid} is known to this node")
    if body:
        _check_digest(suite, request, body)
    suite_signature = signature_from_wire(suite, received.signature)
    base = signature_base(request, received.components, received.params_value)
    if suite_signature is None or not suite.verify(public_key, base, suite_signature):
        raise SignatureInvalidError("the signature does not verify for this request and key")
    remember_until = created + window_s if expires is None else min(created + window_s, expires)
    return VerifiedRequest(address, nonce, created, remember_until)


def _ours(signatures: list[ReceivedSignature], tag: str) -> ReceivedSignature:
    """The one signature with our tag; SignatureTagError if none, malformed if several."""
    ours = [received for received in signatures if received.param("tag") == tag]
    if not ours:
        raise SignatureTagError(f"no signature of the request has the tag {tag!r}")
    if len(ours) > 1:
        raise SignatureMalformedError(f"more than one signature has the tag {tag!r}")
    return ours[0]


def _profile_params(
    received: ReceivedSignature, suite: CryptoSuite, *, has_body: bool
) -> tuple[int, int | None, bytes, str]:
    """``created``, ``expires``, the nonce's bytes and ``keyid``, once the signature is one of
    the profile's; SignatureMalformedError or SignatureAlgorithmError otherwise."""
    expected = (*REQUEST_COMPONENTS, BODY_COMPONENT) if has_body else REQUEST_COMPONENTS
    if sorted(received.components) != sorted(expected):
        raise SignatureMalformedError(
            f"a signed read covers exactly {' '.join(expected)}; "
            f"this one covers {' '.join(received.components) or 'nothing'}"
        )
    unknown = [name for name, _ in received.params if name not in _PARAMS]
    if unknown:
        raise SignatureMalformedError(f"unknown signature parameters: {', '.join(unknown)}")
    created, expires = received.param("created"), received.param("expires")
    nonce, keyid, alg = received.param("nonce"), received.param("keyid"), received.param("alg")
    if type(created) is not int or created < 0:
        raise SignatureMalformedError("created must be a time in whole seconds")
    if expires is not None and (type(expires) is not int or expires <= created):
        raise SignatureMalformedError("expires must be a time in whole seconds after created")
    if type(keyid) is not str or not _KEYID.fullmatch(keyid):
        raise SignatureMalformedError("keyid must be the reader's address in lowercase hex")
    if type(nonce) is not str:
        raise SignatureMalformedError("the nonce must be a string")
    if type(alg) is not str:
        raise SignatureMalformedError("alg must be given, as a string")
    if alg != algorithm_of(suite):
        raise SignatureAlgorithmError(
            f"this chain's reads are signed with {algorithm_of(suite)}, not {alg}"
        )
    return created, expires, decode_nonce(nonce), keyid


def _check_digest(suite: CryptoSuite, request: RequestView, body: bytes) -> None:
    """SignatureInvalidError unless the body's digest is the one ``Content-Digest`` gives."""
    algorithm = DIGEST_BY_SUITE[suite.name]
    digests = parse_dictionary(request.component(BODY_COMPONENT), "Content-Digest")
    given = digests.get(algorithm)
    value = given[0] if isinstance(given, tuple) else given
    if type(value) is not bytes:
        raise SignatureMalformedError(f"Content-Digest has no {algorithm} digest")
    if value != suite.hash(body):
        raise SignatureInvalidError("the body does not match its Content-Digest")
