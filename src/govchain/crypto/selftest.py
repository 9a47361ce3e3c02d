"""Power-on self-test of both suites: published known answers and round trips.

A node runs it before it serves, in the manner of a FIPS/GM/T module
self-test: if the platform's crypto gives a wrong answer, nothing is signed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govchain.crypto import sm2
from govchain.crypto.gm import GmSuite
from govchain.crypto.intl import IntlSuite
from govchain.crypto.sm2_cipher import c1c3c2_to_der, der_to_c1c3c2
from govchain.types.errors import DecryptionError, GovChainError

__all__ = ["SelfTestResult", "run_selftest"]

# GM/T 0004 (SM3) and GM/T 0002 (SM4) examples; RFC 8998 appendix A (SM4-GCM).
_SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
_SM3_ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
_SM4_KEY = "0123456789abcdeffedcba9876543210"
_SM4_BLOCK = "681edf34d206965e86b3e94f536e4246"
_GCM_IV = "00001234567800000000abcd"
_GCM_AAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
_GCM_PLAIN = "aa" * 8 + "bb" * 8 + "cc" * 8 + "dd" * 8 + "ee" * 8 + "ff" * 8 + "ee" * 8 + "aa" * 8
_GCM_SEALED = (
    "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
    "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
    "83de3541e4c2b58177e065a9bf7b62ec"
)
# GM/T 0003.5 signature example on the recommended curve.
_SM2_D = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
_SM2_SIG = (
    "3046022100f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "022100b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
)
# FIPS 180-2 (SHA-256 "abc") and RFC 8032 section 7.1 test 1 (Ed25519).
_SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
_ED25519_PUB = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
_ED25519_SIG = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


@dataclass(frozen=True)
class SelfTestResult:
    """One check: its suite, name, and whether it passed (with the reason if not)."""

    suite: str
    name: str
    passed: bool
    detail: str = ""


def _sm4_block() -> bool:
    key = bytes.fromhex(_SM4_KEY)
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return (encryptor.update(key) + encryptor.finalize()).hex() == _SM4_BLOCK


def _sm4_gcm(suite: GmSuite) -> bool:
    key, iv = bytes.fromhex(_SM4_KEY), bytes.fromhex(_GCM_IV)
    aad, plain = bytes.fromhex(_GCM_AAD), bytes.fromhex(_GCM_PLAIN)
    sealed = bytes.fromhex(_GCM_SEALED)
    if suite.open(key, iv + sealed, aad) != plain:
        return False
    try:
        suite.open(key, iv + sealed[:-1] + bytes([sealed[-1] ^ 1]), aad)
    except DecryptionError:
        return True
    return False


def _sm2_published() -> bool:
    key = sm2.Sm2PrivateKey.from_scalar(bytes.fromhex(_SM2_D)).public_key
    sig = bytes.fromhex(_SM2_SIG)
    return key.verify(b"message digest", sig) and not key.verify(b"message digesT", sig)


def _round_trip_sign(suite: GmSuite | IntlSuite) -> bool:
    key = suite.generate_key()
    sig = key.sign(b"govchain self-test")
    return suite.verify(key.public_key, b"govchain self-test", sig) and not suite.verify(
        key.public_key, b"govchain self-test!", sig
    )


def _sm2_encrypt(suite: GmSuite) -> bool:
    key = suite.generate_key()
    der = suite.encrypt(key.public_key, b"sealed document key")
    raw = der_to_c1c3c2(der)
    return key.decrypt(c1c3c2_to_der(raw)) == b"sealed document key"


def _ed25519_published(suite: IntlSuite) -> bool:
    pub, sig = bytes.fromhex(_ED25519_PUB), bytes.fromhex(_ED25519_SIG)
    return suite.verify(pub, b"", sig) and not suite.verify(pub, b"\x00", sig)


def _aead_round_trip(suite: GmSuite | IntlSuite) -> bool:
    key = suite.new_aead_key()
    sealed = suite.seal(key, b"record at rest", b"aad")
    return suite.open(key, sealed, b"aad") == b"record at rest"


def _checks() -> list[tuple[str, str, Callable[[], bool]]]:
    gm, intl = GmSuite(), IntlSuite()
    return [
        ("gm", "SM3 'abc' (GM/T 0004)", lambda: gm.hash(b"abc").hex() == _SM3_ABC),
        ("gm", "SM3 'abcd' x 16 (GM/T 0004)", lambda: gm.hash(b"abcd" * 16).hex() == _SM3_ABCD16),
        ("gm", "SM4 block (GM/T 0002)", _sm4_block),
        ("gm", "SM4-GCM (RFC 8998 A.1)", lambda: _sm4_gcm(gm)),
        ("gm", "SM2 signature (GM/T 0003.5 example)", _sm2_published),
        ("gm", "SM2 sign/verify round trip", lambda: _round_trip_sign(gm)),
        ("gm", "SM2 encrypt/decrypt, DER and C1C3C2", lambda: _sm2_encrypt(gm)),
        ("gm", "SM4-GCM seal/open round trip", lambda: _aead_round_trip(gm)),
        ("intl", "SHA-256 'abc' (FIPS 180-2)", lambda: intl.hash(b"abc").hex() == _SHA256_ABC),
        ("intl", "Ed25519 (RFC 8032 7.1 test 1)", lambda: _ed25519_published(intl)),
        ("intl", "Ed25519 sign/verify round trip", lambda: _round_trip_sign(intl)),
        ("intl", "AES-256-GCM seal/open round trip", lambda: _aead_round_trip(intl)),
    ]


def run_selftest() -> list[SelfTestResult]:
    """Run every check; a check that raises counts as failed, with the error as detail."""
    results = []
    for suite, name, check in _checks():
        try:
            passed = check()
            detail = "" if passed else "wrong answer"
        except GovChainError as exc:
            passed, detail = False, str(exc)
        results.append(SelfTestResult(suite, name, passed, detail))
    return results
