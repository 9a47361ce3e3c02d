"""Known-answer vectors (tests/vectors), including the cases that must fail (F-A5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from govchain.crypto import sm2
from govchain.crypto.gm import GmSuite
from govchain.crypto.intl import IntlSuite
from govchain.types.errors import DecryptionError

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def _cases(name: str, section: str = "cases") -> list[Any]:
    data = json.loads((VECTORS / name).read_text())
    return [pytest.param(case, id=case["name"]) for case in data[section]]


@pytest.mark.parametrize("case", _cases("sm3.json"))
def test_f_a5_sm3_known_answers(case: dict[str, str]) -> None:
    assert GmSuite().hash(bytes.fromhex(case["message"])).hex() == case["digest"]


@pytest.mark.parametrize("case", _cases("sm4.json", "block"))
def test_f_a5_sm4_block_known_answer(case: dict[str, str]) -> None:
    cipher = Cipher(algorithms.SM4(bytes.fromhex(case["key"])), modes.ECB()).encryptor()
    block = cipher.update(bytes.fromhex(case["plaintext"])) + cipher.finalize()
    assert block.hex() == case["ciphertext"]


@pytest.mark.parametrize("case", _cases("sm4.json", "gcm"))
def test_f_a5_sm4_gcm_known_answers(case: dict[str, Any]) -> None:
    suite = GmSuite()
    sealed = bytes.fromhex(case["nonce"] + case["ciphertext"] + case["tag"])
    key, aad = bytes.fromhex(case["key"]), bytes.fromhex(case["aad"])
    if case["valid"]:
        assert suite.open(key, sealed, aad).hex() == case["plaintext"]
    else:
        with pytest.raises(DecryptionError):
            suite.open(key, sealed, aad)


def test_sm4_gcm_vector_encrypts_to_the_published_ciphertext() -> None:
    case = json.loads((VECTORS / "sm4.json").read_text())["gcm"][0]
    body = GmSuite()._aead_encrypt(
        bytes.fromhex(case["key"]),
        bytes.fromhex(case["nonce"]),
        bytes.fromhex(case["plaintext"]),
        bytes.fromhex(case["aad"]),
    )
    assert body.hex() == case["ciphertext"] + case["tag"]


@pytest.mark.parametrize("case", _cases("sm2_sign.json"))
def test_f_a5_sm2_signature_vectors(case: dict[str, Any]) -> None:
    suite = GmSuite(bytes.fromhex(case["id"]))
    verdict = suite.verify(
        bytes.fromhex(case["public_key"]),
        bytes.fromhex(case["message"]),
        bytes.fromhex(case["signature"]),
    )
    assert verdict is case["valid"]


def test_sm2_vector_public_key_derives_from_the_private_key() -> None:
    data = json.loads((VECTORS / "sm2_sign.json").read_text())
    key = sm2.Sm2PrivateKey.from_scalar(bytes.fromhex(data["private_key"]))
    assert key.public_key.point.hex() == data["cases"][0]["public_key"]


@pytest.mark.parametrize("case", _cases("ed25519.json"))
def test_f_a5_ed25519_vectors(case: dict[str, Any]) -> None:
    verdict = IntlSuite().verify(
        bytes.fromhex(case["public_key"]),
        bytes.fromhex(case["message"]),
        bytes.fromhex(case["signature"]),
    )
    assert verdict is case["valid"]
