"""HTTP Message Signatures (RFC 9421) for signed reads: the RFC's examples, our profile's
known answers, round trips under both suites, and every tampering refused (issue 14 item 5)."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from govchain.crypto import CryptoSuite, SigningKey, sm2, suite_for
from govchain.crypto.gm import GmSigningKey
from govchain.crypto.httpsig import (
    RequestView,
    content_digest,
    received_signatures,
    sign_request,
    signature_base,
    verify_request,
)
from govchain.crypto.httpsig.profile import der_from_rs, rs_from_der
from govchain.crypto.intl import IntlSigningKey
from govchain.ledger.records import address_of

from ...govchain_cli import openssl

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "http_signatures.json").read_text()
)
RFC = VECTORS["rfc9421"]
NOW = 1_767_225_600
NONCE = bytes(range(16, 48))


def rfc_test_request() -> RequestView:
    request = RFC["test_request"]
    fields = tuple((name, value) for name, value in request["fields"])
    return RequestView(
        request["method"], request["authority"], request["path"], request["query"], fields
    )


def params_line(base: str) -> str:
    return base.splitlines()[-1].removeprefix('"@signature-params": ')


def test_rfc9421_b21_minimal_signature_base() -> None:
    case = RFC["b21_minimal"]
    (received,) = received_signatures(case["signature_input"], "sig-b21=:AAAA:")
    assert received.components == ()
    assert received.param("nonce") == "b3k2pp5k7z-50gnwp.yemd"
    base = signature_base(rfc_test_request(), received.components, received.params_value)
    assert base.decode() == case["base"]


def test_rfc9421_b26_ed25519_base_and_signature() -> None:
    case = RFC["b26_ed25519"]
    (received,) = received_signatures(case["signature_input"], case["signature"])
    assert received.label == "sig-b26"
    base = signature_base(rfc_test_request(), received.components, received.params_value)
    assert base.decode() == case["base"]
    private = serialization.load_pem_private_key(case["private_key_pem"].encode(), None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert private.sign(base) == received.signature  # Ed25519 is deterministic: the RFC's bytes
    public = serialization.load_pem_public_key(case["public_key_pem"].encode())
    assert isinstance(public, ed25519.Ed25519PublicKey)
    public.verify(received.signature, base)


def test_rfc9421_b24_ecdsa_params_and_r_s_encoding() -> None:
    case = RFC["b24_ecdsa_p256"]
    (received,) = received_signatures(case["signature_input"], case["signature"])
    assert received.params_value == params_line(case["base"])
    assert len(received.signature) == 64  # r || s, not DER
    der = der_from_rs(received.signature)
    assert der is not None
    public = serialization.load_pem_public_key(case["public_key_pem"].encode())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(der, case["base"].encode(), ec.ECDSA(hashes.SHA256()))
    assert rs_from_der(der) == received.signature
    assert der_from_rs(received.signature[:63]) is None


def test_r_s_encoding_keeps_leading_zeros() -> None:
    der = der_from_rs(bytes(31) + b"\x01" + bytes(31) + b"\x02")
    assert der is not None
    assert rs_from_der(der) == bytes(31) + b"\x01" + bytes(31) + b"\x02"


def test_rfc9530_sha256_content_digest() -> None:
    case = VECTORS["rfc9530_sha256"]
    assert content_digest(suite_for("intl"), case["body"].encode()) == case["content_digest"]


def vector_key(case: dict[str, Any]) -> SigningKey:
    private = case["private_key"]
    if case["suite"] == "gm":
        return GmSigningKey(sm2.Sm2PrivateKey.from_scalar(bytes.fromhex(private["scalar"])))
    loaded = serialization.load_pem_private_key(private["pkcs8_pem"].encode(), None)
    assert isinstance(loaded, ed25519.Ed25519PrivateKey)
    return IntlSigningKey(loaded)


def fields_of(headers: dict[str, str]) -> tuple[str | None, str | None]:
    return headers.get("Signature-Input"), headers.get("Signature")


@pytest.mark.parametrize("case", VECTORS["govchain"], ids=lambda case: case["name"])
def test_govchain_signed_read_known_answers(case: dict[str, Any]) -> None:
    suite = suite_for(case["suite"])
    key = vector_key(case)
    assert key.public_key.hex() == case["public_key"]
    assert address_of(suite, key.public_key).hex() == case["keyid"]
    request = RequestView(**case["request"])
    body = case["body"].encode()
    made = sign_request(
        key,
        suite,
        request,
        body,
        keyid=case["keyid"],
        created=case["created"],
        nonce=bytes.fromhex(case["nonce"]),
    )
    assert made.signature_input == case["signature_input"]
    assert made.content_digest == case["content_digest"]
    if case["deterministic"]:
        assert made.signature == case["signature"]
    digest = () if not body else (("content-digest", case["content_digest"]),)
    received = dataclasses.replace(request, fields=digest)
    verified = verify_request(
        suite,
        received,
        body,
        (case["signature_input"], case["signature"]),
        {bytes.fromhex(case["keyid"]): key.public_key}.get,
        now=case["created"],
    )
    assert verified.address.hex() == case["keyid"]
    assert verified.nonce == bytes.fromhex(case["nonce"])
    with pytest.raises(Exception, match="does not verify") as refused:
        verify_request(
            suite,
            dataclasses.replace(received, query="height=8"),
            body,
            (case["signature_input"], case["signature"]),
            {bytes.fromhex(case["keyid"]): key.public_key}.get,
            now=case["created"],
        )
    assert getattr(refused.value, "code", None) == "signature_invalid"


# --- round trips and refusals over the pure functions, both suites ------------------------


@pytest.fixture(params=["gm", "intl"])
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


@pytest.fixture
def key(suite: CryptoSuite) -> SigningKey:
    return suite.generate_key()


READ = RequestView("GET", "127.0.0.1:26601", "/v1/registry/subjects/ab%2Fcd", "height=7&x=%20")


def sign(
    key: SigningKey, suite: CryptoSuite, request: RequestView = READ, body: bytes = b""
) -> tuple[RequestView, dict[str, str]]:
    """The request as the verifier sees it (with Content-Digest when there is a body)."""
    headers = sign_request(
        key,
        suite,
        request,
        body,
        keyid=address_of(suite, key.public_key).hex(),
        created=NOW,
        nonce=NONCE,
    ).as_dict()
    if "Content-Digest" in headers:
        request = dataclasses.replace(
            request, fields=(("content-digest", headers["Content-Digest"]),)
        )
    return request, headers


def refusal(
    suite: CryptoSuite,
    key: SigningKey,
    request: RequestView,
    headers: dict[str, str],
    body: bytes = b"",
    now: int = NOW,
) -> str:
    """The code verify_request refuses with ("accepted" if it does not)."""
    known = {address_of(suite, key.public_key): key.public_key}
    try:
        verify_request(suite, request, body, fields_of(headers), known.get, now=now)
    except Exception as exc:
        return str(getattr(exc, "code", type(exc).__name__))
    return "accepted"


@pytest.mark.parametrize("body", [b"", b'{"why": "audit"}'])
def test_round_trip(suite: CryptoSuite, key: SigningKey, body: bytes) -> None:
    request, headers = sign(key, suite, READ, body)
    assert ("Content-Digest" in headers) == bool(body)
    assert refusal(suite, key, request, headers, body) == "accepted"


def test_tampered_request_is_refused(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite, READ, b"body")
    for changed in (
        dataclasses.replace(request, method="POST"),
        dataclasses.replace(request, path="/v1/registry/subjects/ab%2Fce"),
        dataclasses.replace(request, query="height=8&x=%20"),
        dataclasses.replace(request, query=""),
        dataclasses.replace(request, authority="127.0.0.1:26602"),
    ):
        assert refusal(suite, key, changed, headers, b"body") == "signature_invalid", changed
    assert refusal(suite, key, request, headers, b"bodY") == "signature_invalid"


def test_tampered_parameters_are_refused(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite)
    signature_input = headers["Signature-Input"]
    other = suite.generate_key()
    other_keyid = address_of(suite, other.public_key).hex()
    mine = address_of(suite, key.public_key).hex()
    nonce = base64.urlsafe_b64encode(NONCE).rstrip(b"=").decode()
    assert f'nonce="{nonce}"' in signature_input
    for field, code in (
        (signature_input.replace(f"created={NOW}", f"created={NOW + 1}"), "signature_invalid"),
        (signature_input.replace('"@query"', ""), "signature_malformed"),
        (signature_input.replace(mine, other_keyid), "unknown_signer"),
        (signature_input.replace("govchain-read", "govchain-write"), "signature_tag_mismatch"),
        (signature_input + ";foo=1", "signature_malformed"),
        (signature_input.replace(nonce, "AAECAwQFBgcICQoLDA0O"), "signature_malformed"),
        (signature_input.replace(nonce, nonce[:-1] + "+"), "signature_malformed"),
        (signature_input.replace(nonce, nonce + "A"), "signature_invalid"),
    ):
        assert refusal(suite, key, request, {**headers, "Signature-Input": field}) == code, field
    # the other account, now known, still cannot take the signature over
    known = {address_of(suite, other.public_key): other.public_key}
    swapped = signature_input.replace(mine, other_keyid)
    with pytest.raises(Exception, match="does not verify"):
        verify_request(suite, request, b"", (swapped, headers["Signature"]), known.get, now=NOW)


def test_algorithm_of_the_other_suite_is_refused(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite)
    theirs, ours = ("sm2-sm3", "ed25519") if suite.name == "intl" else ("ed25519", "sm2-sm3")
    field = headers["Signature-Input"].replace(f'alg="{ours}"', f'alg="{theirs}"')
    assert refusal(suite, key, request, {**headers, "Signature-Input": field}) == (
        "signature_algorithm_mismatch"
    )


def test_time_window(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite)
    assert refusal(suite, key, request, headers, now=NOW + 300) == "accepted"
    assert refusal(suite, key, request, headers, now=NOW - 300) == "accepted"
    assert refusal(suite, key, request, headers, now=NOW + 301) == "signature_expired"
    assert refusal(suite, key, request, headers, now=NOW - 301) == "signature_expired"


def test_missing_and_malformed_fields(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite)
    assert refusal(suite, key, request, {}) == "signature_required"
    only_input = {"Signature-Input": headers["Signature-Input"]}
    assert refusal(suite, key, request, only_input) == "signature_malformed"
    for field in ("govchain=", "govchain=(", "govchain=:AAAA:", "x" * 5000, "签名"):
        assert refusal(suite, key, request, {**headers, "Signature-Input": field}) == (
            "signature_malformed"
        ), field
    twice = f"{headers['Signature-Input']}, {headers['Signature-Input']}"
    assert refusal(suite, key, request, {**headers, "Signature-Input": twice}) == (
        "signature_malformed"
    )
    wrong_label = headers["Signature"].replace("govchain=", "other=")
    assert refusal(suite, key, request, {**headers, "Signature": wrong_label}) == (
        "signature_malformed"
    )
    short = "govchain=:" + base64.b64encode(b"\x01" * 63).decode() + ":"
    assert refusal(suite, key, request, {**headers, "Signature": short}) == "signature_invalid"


def test_body_must_be_covered(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite)  # signed without a body
    assert refusal(suite, key, request, headers, b"smuggled") == "signature_malformed"


def test_another_signature_may_ride_along(suite: CryptoSuite, key: SigningKey) -> None:
    request, headers = sign(key, suite)
    proxy = 'proxy=("@method");created=1;tag="proxy"'
    both = {
        "Signature-Input": f"{proxy}, {headers['Signature-Input']}",
        "Signature": f"proxy=:AAAA:, {headers['Signature']}",
    }
    assert refusal(suite, key, request, both) == "accepted"


@pytest.mark.interop
def test_openssl_verifies_our_sm2_signature_over_a_signature_base(tmp_path: Path) -> None:
    """An independent check: the ``r || s`` SM2 signature of a signed read, back in DER,
    verifies with ``openssl dgst -sm3`` and the default signer ID over the base's bytes."""
    gm = suite_for("gm")
    key = gm.generate_key()
    request, headers = sign(key, gm, READ, b'{"why": "audit"}')
    (received,) = received_signatures(headers["Signature-Input"], headers["Signature"])
    base = signature_base(request, received.components, received.params_value)
    der = der_from_rs(received.signature)
    assert der is not None
    (tmp_path / "base").write_bytes(base)
    (tmp_path / "sig").write_bytes(der)
    (tmp_path / "pub.pem").write_bytes(key.public_key_pem())
    check = ("dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt")
    verified = openssl(
        *check, "distid:1234567812345678", "-signature", tmp_path / "sig", tmp_path / "base"
    )
    assert verified.returncode == 0, verified.stderr
    assert b"Verified OK" in verified.stdout
    (tmp_path / "base").write_bytes(base.replace(b"height=7", b"height=8"))
    refused = openssl(
        *check, "distid:1234567812345678", "-signature", tmp_path / "sig", tmp_path / "base"
    )
    assert refused.returncode != 0
