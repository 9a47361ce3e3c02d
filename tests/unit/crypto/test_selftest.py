"""The power-on self-test passes on this platform, and fails on a wrong answer."""

from __future__ import annotations

import pytest

from govchain.crypto import selftest


def test_every_check_passes() -> None:
    results = selftest.run_selftest()
    assert {r.suite for r in results} == {"gm", "intl"}
    assert [r for r in results if not r.passed] == []


@pytest.mark.parametrize(
    ("constant", "check"),
    [
        ("_SM3_ABC", "SM3 'abc' (GM/T 0004)"),
        ("_SM4_BLOCK", "SM4 block (GM/T 0002)"),
        ("_GCM_SEALED", "SM4-GCM (RFC 8998 A.1)"),
        ("_SM2_SIG", "SM2 signature (GM/T 0003.5 example)"),
        ("_ED25519_SIG", "Ed25519 (RFC 8032 7.1 test 1)"),
    ],
)
def test_a_wrong_known_answer_is_reported(
    monkeypatch: pytest.MonkeyPatch, constant: str, check: str
) -> None:
    value = getattr(selftest, constant)
    monkeypatch.setattr(selftest, constant, value[:-2] + ("00" if value[-2:] != "00" else "01"))
    failed = {r.name: r.detail for r in selftest.run_selftest() if not r.passed}
    assert check in failed
