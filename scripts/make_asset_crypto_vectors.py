"""Write tests/vectors/asset_crypto.json: asset content, envelopes and wrapped locker keys.

Every vector is fixed bytes a test re-derives with our code (and, for the
KDFs, with hashlib independently): a content blob under a fixed data key and
nonce, scrypt and PBKDF2-HMAC-SM3 derived keys, an X25519 envelope with a
fixed ephemeral key and nonce, wrapped locker keys (their nonce is read back
from the blob, so a test re-seals them), and SM2 envelopes, which are
randomized and so stored as decrypt vectors. Keys, passwords and data are
test values, published here; the credit code is a demo code
(govchain.codes.demo). See docs/formats.md section 9.
Run: .venv/bin/python scripts/make_asset_crypto_vectors.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from govchain.client.asset_crypto import Plaintext, content_aad
from govchain.codes.demo import demo_uscc
from govchain.crypto import sm2, suite_for
from govchain.crypto.envelopes import (
    IntlLockerKey,
    locker_key_from_bytes,
    seal_envelope,
    x25519_envelope,
)
from govchain.crypto.password_wrap import (
    Pbkdf2Params,
    ScryptParams,
    derive_key,
    wrap_secret,
)

OUT = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "asset_crypto.json"
CONTENT_ID = bytes.fromhex("0123456789abcdef0123456789abcdef")
NONCE = bytes.fromhex("000102030405060708090a0b")
ADDRESS = bytes.fromhex("a1" * 20)
PASSWORD = "correct horse battery staple"
SALT = bytes.fromhex("5a" * 16)
SCRYPT_TEST = ScryptParams(SALT, n=2**10, r=8, p=1)
PBKDF2_TEST = Pbkdf2Params(SALT, iterations=100_000)


def _fields() -> dict[str, object]:
    return {
        "统一社会信用代码": demo_uscc(1),
        "名称": "示例商贸有限公司",
        "注册资本万元": 100,
        "成立日期": "2024-03-15",
    }


def _content(name: str) -> dict[str, object]:
    suite = suite_for(name)
    key = bytes(range(suite.aead_key_size))
    version = 1
    plaintext = Plaintext(_fields(), ("licence.txt", "营业执照 demo document\n".encode()))
    data = plaintext.to_cbor()
    aad = content_aad(CONTENT_ID, version)
    blob = NONCE + suite._aead_encrypt(key, NONCE, data, aad)
    return {
        "name": f"{name}-content",
        "suite": name,
        "data_key": key.hex(),
        "content_id": CONTENT_ID.hex(),
        "version": version,
        "fields": plaintext.fields,
        "file_name": plaintext.file[0] if plaintext.file else None,
        "file_bytes": plaintext.file[1].hex() if plaintext.file else None,
        "plaintext": data.hex(),
        "aad": aad.hex(),
        "blob": blob.hex(),
    }


def _kdf_cases() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = []
    for size in (16, 32):
        key = derive_key(SCRYPT_TEST, PASSWORD.encode(), size)
        assert key == hashlib.scrypt(PASSWORD.encode(), salt=SALT, n=2**10, r=8, p=1, dklen=size)
        cases.append(
            {"name": f"scrypt-{size}", "kdf": SCRYPT_TEST.to_map() | {"salt": SALT.hex()},
             "password": PASSWORD, "size": size, "key": key.hex()}
        )  # fmt: skip
        key = derive_key(PBKDF2_TEST, PASSWORD.encode(), size)
        cases.append(
            {"name": f"pbkdf2-hmac-sm3-{size}", "kdf": PBKDF2_TEST.to_map() | {"salt": SALT.hex()},
             "password": PASSWORD, "size": size, "key": key.hex()}
        )  # fmt: skip
    return cases


def _wrapped(name: str) -> list[dict[str, object]]:
    suite = suite_for(name)
    secret = bytes.fromhex("11" * 31 + "01")
    cases = []
    for params in (SCRYPT_TEST, PBKDF2_TEST):
        blob = wrap_secret(suite, secret, PASSWORD.encode(), ADDRESS, params)
        kdf = str(params.to_map()["name"])
        cases.append(
            {"name": f"{name}-wrapped-{kdf}", "suite": name, "password": PASSWORD,
             "address": ADDRESS.hex(), "secret": secret.hex(), "blob": blob.hex()}
        )  # fmt: skip
    return cases


def _x25519_envelope() -> dict[str, object]:
    recipient = locker_key_from_bytes(suite_for("intl"), bytes.fromhex("77" * 32))
    assert isinstance(recipient, IntlLockerKey)
    ephemeral = bytes.fromhex("5d" * 32)
    secret = bytes(range(32))
    sealed = x25519_envelope(recipient.public_key, secret, ephemeral, NONCE)
    return {
        "name": "intl-x25519-envelope",
        "recipient_private": recipient.private_bytes().hex(),
        "recipient_public": recipient.public_key.hex(),
        "ephemeral_private": ephemeral.hex(),
        "nonce": NONCE.hex(),
        "secret": secret.hex(),
        "sealed": sealed.hex(),
    }


def _sm2_envelopes() -> list[dict[str, object]]:
    suite = suite_for("gm")
    scalar = bytes.fromhex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8")
    key = sm2.Sm2PrivateKey.from_scalar(scalar)
    cases = []
    for secret in (bytes(range(16)), bytes.fromhex("ff" * 16)):
        sealed = seal_envelope(suite, key.public_key.point, secret)
        cases.append(
            {"name": f"gm-sm2-envelope-{secret[:2].hex()}", "private_scalar": scalar.hex(),
             "public_key": key.public_key.point.hex(), "secret": secret.hex(),
             "sealed": sealed.hex()}
        )  # fmt: skip
    return cases


def main() -> None:
    """Write the vectors file."""
    vectors = {
        "about": "Asset content, envelopes and wrapped locker keys (docs/formats.md section 9). "
        "Made by scripts/make_asset_crypto_vectors.py; test values only.",
        "content": [_content("gm"), _content("intl")],
        "kdf": _kdf_cases(),
        "wrapped": _wrapped("gm") + _wrapped("intl"),
        "x25519_envelope": [_x25519_envelope()],
        "sm2_envelope": _sm2_envelopes(),
    }
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
