"""Domain-tagged hashing (F-F3): what bytes get hashed, and the checks on domains."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from govchain.codec import EncodeError, digest, encode, tagged_bytes, tagged_digest

DOMAIN = "govchain/tx/v1"


def test_tagged_bytes_are_domain_then_value() -> None:
    assert tagged_bytes(DOMAIN, {"a": 1}) == encode(DOMAIN) + encode({"a": 1})


def test_domains_separate_equal_values() -> None:
    assert tagged_digest("sm3", "govchain/tx/v1", b"x") != tagged_digest(
        "sm3", "govchain/header/v1", b"x"
    )
    assert tagged_digest("sm3", DOMAIN, b"x") != tagged_digest("sha256", DOMAIN, b"x")


def test_sha256_digest_matches_hashlib() -> None:
    assert (
        tagged_digest("sha256", DOMAIN, [1, 2])
        == hashlib.sha256(tagged_bytes(DOMAIN, [1, 2])).digest()
    )


@pytest.mark.interop
def test_sm3_digest_matches_openssl() -> None:
    data = tagged_bytes(DOMAIN, {"doc": b"\x00" * 100})
    out = subprocess.run(
        ["openssl", "dgst", "-sm3", "-binary"], input=data, capture_output=True, check=True
    ).stdout
    assert digest("sm3", data) == out


@pytest.mark.parametrize(
    "domain",
    [
        "tx/v1",
        "govchain/tx",
        "govchain/Tx/v1",
        "govchain//v1",
        "govchain/tx/v0",
        "govchain/tx/v1/",
        "",
    ],
)
def test_malformed_domains_are_refused(domain: str) -> None:
    with pytest.raises(EncodeError):
        tagged_bytes(domain, 1)


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(EncodeError):
        digest("md5", b"")
