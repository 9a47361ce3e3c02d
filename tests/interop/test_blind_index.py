"""The blind index of a person (docs/formats.md §7) checked with the openssl CLI's HMAC-SM3."""

from __future__ import annotations

import pytest

from govchain.client.subjects import blind_index
from govchain.codes.demo import demo_citizen_id
from govchain.crypto import suite_for
from tests.govchain_cli import openssl

pytestmark = pytest.mark.interop


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    result = openssl(
        "dgst", "-sm3", "-mac", "HMAC", "-macopt", f"hexkey:{key.hex()}", "-binary", data=data
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_blind_index_is_hmac_sm3_under_the_derived_index_key() -> None:
    identity = bytes(range(7, 39))
    number = demo_citizen_id(5)
    index_key = _hmac_sm3(identity, b"govchain/subject-index/v1")
    expected = _hmac_sm3(index_key, b"citizen:" + number.encode())
    assert blind_index(suite_for("gm"), identity, number) == expected
    assert blind_index(suite_for("gm"), bytes(32), number) != expected
