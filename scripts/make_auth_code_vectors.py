"""Write tests/vectors/auth_codes.json: authorization codes, their keys, seals and proofs.

For fixed codes and a fixed content id, under both suites: the scrypt seed
(checked here against hashlib), the signing key's private part and public
key (``code_key``), the sealing key, the code id, a sealed data key with a
fixed nonce, and a proof for a fixed reader (Ed25519 proofs are exact; SM2
signatures are randomized, so they are verify vectors). Then typed texts
that must parse to a code and texts that must fail, with the position the
error names. Codes, keys and addresses are test values, published here.
See docs/formats.md section 10.
Run: .venv/bin/python scripts/make_auth_code_vectors.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from govchain.client.auth_codes import (
    HKDF_SEAL_LABEL,
    HKDF_SIGN_LABEL,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    SCRYPT_SALT_PREFIX,
    SEAL_AAD_PREFIX,
    CodeKeys,
    CodeTypoError,
    code_id,
    code_proof,
    derive,
    parse_code,
)
from govchain.contracts.grants import CODE_PROOF_DOMAIN, code_proof_message
from govchain.crypto import suite_for
from govchain.crypto.gm import GmSigningKey
from govchain.crypto.intl import IntlSigningKey
from govchain.crypto.suite import CryptoSuite

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "auth_codes.json"
CODES = ("0123-4567-89AB-CDEF-5", "K7Q2-M9PX-4TRW-8HJN-8", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-F")
CONTENT_ID = bytes.fromhex("0123456789abcdef0123456789abcdef")
OTHER_CONTENT_ID = bytes.fromhex("fedcba9876543210fedcba9876543210")
NONCE = bytes.fromhex("000102030405060708090a0b")
CHAIN_ID = "govchain-vectors"
READER = bytes.fromhex("b2" * 20)


def _private_part(keys: CodeKeys) -> str:
    key = keys.signing_key
    if isinstance(key, GmSigningKey):
        return key.sm2_key.to_scalar().hex()
    assert isinstance(key, IntlSigningKey)
    raw = key.ed25519_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return raw.hex()


def _case(suite: CryptoSuite, code: str, content_id: bytes) -> dict[str, object]:
    keys = derive(suite, code, content_id)
    compact = code.replace("-", "")
    seed = hashlib.scrypt(
        compact.encode(), salt=SCRYPT_SALT_PREFIX + content_id, n=SCRYPT_N, r=SCRYPT_R,
        p=SCRYPT_P, dklen=32,
    )  # fmt: skip
    data_key = bytes(range(0xA0, 0xA0 + suite.aead_key_size))
    aad = SEAL_AAD_PREFIX + content_id
    sealed = NONCE + suite._aead_encrypt(keys.seal_key, NONCE, data_key, aad)
    ident = code_id(suite, keys)
    message = suite.tagged_hash(
        CODE_PROOF_DOMAIN, code_proof_message(CHAIN_ID, READER, content_id, ident)
    )
    proof = code_proof(suite, keys, CHAIN_ID, READER, content_id)
    assert suite.verify(keys.code_key, message, proof)
    return {
        "name": f"{suite.name}-{compact[:4]}-{content_id[:2].hex()}",
        "suite": suite.name,
        "code": code,
        "content_id": content_id.hex(),
        "seed": seed.hex(),
        "private": _private_part(keys),
        "code_key": keys.code_key.hex(),
        "seal_key": keys.seal_key.hex(),
        "code_id": ident.hex(),
        "data_key": data_key.hex(),
        "nonce": NONCE.hex(),
        "sealed": sealed.hex(),
        "chain_id": CHAIN_ID,
        "reader": READER.hex(),
        "proof_message": message.hex(),
        "proof": proof.hex(),
        "proof_is_exact": suite.name == "intl",
    }


def _typed() -> list[dict[str, str]]:
    forms = [
        " 0123-4567-89ab-cdef-5 ",
        "0123456789ABCDEF5",
        "0123 4567 89ab cdef 5",
        "k7q2m9px4trw8hjn8",
    ]
    return [{"text": text, "code": parse_code(text)} for text in forms]


def _typos() -> list[dict[str, str]]:
    cases = [
        ("0123-4567-89AB-CDEF-6", "character 17 (the check character)"),  # substitution
        ("0123-4567-98AB-CDEF-5", "character 17 (the check character)"),  # adjacent swap
        ("0123-4567-89AB-CDEF-I", "character 17 (the check character) is not a code"),
        ("0123-4567-89AB-CDEF", "17 characters"),
        ("0123-4567-89AB-CDEF-55", "17 characters"),
        ("O123-4567-89AB-CDEF-5", "character 1 (group 1, place 1)"),
        ("0123-4567-89AB-CD*F-5", "character 15 (group 4, place 3)"),
        ("0123-4567-８9AB-CDEF-5", "character 9 (group 3, place 1)"),
    ]
    out = []
    for text, position in cases:
        message = _typo_message(text)
        assert position in message, (text, message)
        out.append({"text": text, "error": "code_typo", "names": position})
    return out


def _typo_message(text: str) -> str:
    try:
        parse_code(text)
    except CodeTypoError as exc:
        return str(exc)
    raise AssertionError(f"{text} parsed")


def main() -> None:
    """Write the vectors file."""
    derivations = []
    for name in ("gm", "intl"):
        suite = suite_for(name)
        derivations += [_case(suite, code, CONTENT_ID) for code in CODES]
        derivations.append(_case(suite, CODES[0], OTHER_CONTENT_ID))
    vectors = {
        "about": "Authorization codes: derivation format v1, seals, proofs and typed forms "
        "(docs/formats.md section 10). Made by scripts/make_auth_code_vectors.py; test values.",
        "scrypt": {
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt_prefix": SCRYPT_SALT_PREFIX.decode(),
        },
        "hkdf_labels": {"sign": HKDF_SIGN_LABEL.decode(), "seal": HKDF_SEAL_LABEL.decode()},
        "seal_aad_prefix": SEAL_AAD_PREFIX.decode(),
        "proof_domain": CODE_PROOF_DOMAIN,
        "derivations": derivations,
        "typed": _typed(),
        "typos": _typos(),
    }
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
