"""A step's outputs: derived content ids and data keys, issued once, shared with their readers
(issue 18 item 5, F-D5, F-G1).

Real suites and locker keys; the asset and grant clients are recording fakes, so nothing
goes over the network (tests/integration/test_adapter.py issues on a real chain).
"""

from __future__ import annotations

from typing import Any

import pytest

from govchain.adapter.outputs import SHARE_USES, Output, OutputIssuer, Reader, output_content_id
from govchain.client.grants import GrantTerms
from govchain.client.locker_keys import new_locker
from govchain.client.sdk import ApiError, NodeUnreachableError
from govchain.crypto import CryptoSuite, suite_for
from govchain.crypto.envelopes import LockerKey, locker_key_from_bytes

CASE = bytes([0xC3]) * 32
OTHER_CASE = bytes([0xD4]) * 32
APPLICANT = bytes([0x5E]) * 20
SEAL_ADAPTER = bytes([0x71]) * 20
TAX_ADAPTER = bytes([0x72]) * 20
FIELDS: dict[str, Any] = {"名称": "济南演示链信信息技术有限公司", "注册资本": 100}
SUITES = ["gm", "intl"]


@pytest.fixture(params=SUITES)
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return suite_for(request.param)


class _Assets:
    """The calls OutputIssuer makes of an AssetClient; ``found`` content ids exist already."""

    def __init__(self, suite: CryptoSuite, error: Exception | None = None) -> None:
        self.suite = suite
        self.found: set[str] = set()
        self.error = error
        self.issued: list[tuple[Any, ...]] = []

    def asset(self, ref: str) -> object:
        if self.error is not None:
            raise self.error
        if ref not in self.found:
            raise ApiError(404, "not_found", "no such asset")
        return object()

    def issue(self, *args: Any, **kw: Any) -> None:
        self.issued.append((*args, kw))
        self.found.add(kw["content"][0].hex())


class _Grants:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def grant_keys(self, *args: Any) -> list[bytes]:
        self.calls.append(args)
        return [bytes([n]) * 32 for n in range(len(args[2]))]


def _issuer(suite: CryptoSuite, locker: LockerKey, assets: _Assets | None = None) -> OutputIssuer:
    return OutputIssuer(assets or _Assets(suite), _Grants(), locker)


# --- content ids --------------------------------------------------------------------------


def test_an_outputs_content_id_is_16_bytes_of_the_spec_derivation_f_d5(suite: CryptoSuite) -> None:
    got = output_content_id(suite.hash, CASE, "licence", 1, "business_licence")
    name = b"\0".join([b"govchain/adapter/output/v1", CASE, b"licence", b"1", b"business_licence"])
    assert got == suite.hash(name)[:16]
    assert got == output_content_id(suite.hash, CASE, "licence", 1, "business_licence")


def test_each_part_of_an_output_gives_another_content_id_f_d5(suite: CryptoSuite) -> None:
    parts = [
        (CASE, "licence", 1, "business_licence"),
        (OTHER_CASE, "licence", 1, "business_licence"),
        (CASE, "seal", 1, "business_licence"),
        (CASE, "licence", 2, "business_licence"),
        (CASE, "licence", 11, "business_licence"),
        (CASE, "licence", 1, "seal_filing"),
        (CASE, "licence1", 1, "business_licence"),
        (CASE, "licence", 1, "1business_licence"),  # not ("licence", 11, "business_licence")
    ]
    ids = {output_content_id(suite.hash, *part) for part in parts}
    assert len(ids) == len(parts)


def test_the_suites_give_different_content_ids_f_d5() -> None:
    gm, intl = (output_content_id(suite_for(name).hash, CASE, "tax", 1, "t") for name in SUITES)
    assert gm != intl


# --- data keys and issuing ----------------------------------------------------------------


def _issue(issuer: OutputIssuer, attempt: int = 1, type_code: str = "business_licence") -> Output:
    return issuer.issue(CASE, "licence", attempt, APPLICANT, type_code, dict(FIELDS))


def test_an_output_is_issued_under_its_derived_id_and_key_of_the_aead_size_f_d5_f_g1(
    suite: CryptoSuite,
) -> None:
    locker, _ = new_locker(suite)
    assets = _Assets(suite)
    output = _issue(_issuer(suite, locker, assets))
    assert output.content_id == output_content_id(
        suite.hash, CASE, "licence", 1, "business_licence"
    )
    assert len(output.data_key) == suite.aead_key_size
    assert assets.issued == [
        (
            "business_licence", APPLICANT, "authority", FIELDS,
            {"content": (output.content_id, output.data_key)},
        )
    ]  # fmt: skip


def test_the_same_locker_key_derives_the_same_data_key_after_a_restart_f_d5_f_g1(
    suite: CryptoSuite,
) -> None:
    locker, _ = new_locker(suite)
    first = _issue(_issuer(suite, locker))
    restored = locker_key_from_bytes(suite, locker.private_bytes())  # unwrapped again
    assert _issue(_issuer(suite, restored)) == first


def test_another_locker_key_or_content_id_derives_another_data_key_f_d5_f_g1(
    suite: CryptoSuite,
) -> None:
    locker, _ = new_locker(suite)
    other, _ = new_locker(suite)
    output = _issue(_issuer(suite, locker))
    elsewhere = _issue(_issuer(suite, other))
    assert elsewhere.content_id == output.content_id
    assert elsewhere.data_key != output.data_key
    keys = {
        output.data_key,
        _issue(_issuer(suite, locker), attempt=2).data_key,
        _issue(_issuer(suite, locker), type_code="seal_filing").data_key,
    }
    assert len(keys) == 3


def test_an_output_issued_before_a_crash_is_found_not_issued_again_f_d5(
    suite: CryptoSuite,
) -> None:
    locker, _ = new_locker(suite)
    assets = _Assets(suite)
    first = _issue(_issuer(suite, locker, assets))
    again = _issue(_issuer(suite, locker, assets))  # the restarted adapter
    assert again == first
    assert len(assets.issued) == 1


@pytest.mark.parametrize(
    "error",
    [ApiError(503, "unavailable", "the node is busy"), NodeUnreachableError("no node answered")],
)
def test_an_output_whose_existence_cannot_be_read_is_not_issued_f_d5(
    suite: CryptoSuite, error: Exception
) -> None:
    locker, _ = new_locker(suite)
    assets = _Assets(suite, error)
    with pytest.raises(type(error)):
        _issue(_issuer(suite, locker, assets))
    assert assets.issued == []


# --- sharing ------------------------------------------------------------------------------


def test_an_output_is_shared_with_each_later_step_reading_its_type_at_once_f_d5() -> None:
    suite = suite_for("gm")
    locker, _ = new_locker(suite)
    grants = _Grants()
    issuer = OutputIssuer(_Assets(suite), grants, locker)
    output = _issue(issuer)
    readers = [
        Reader("seal", "demo-seal", SEAL_ADAPTER, ("business_licence",)),
        Reader("bank", "demo-bank", bytes([0x73]) * 20, ("seal_filing",)),
        Reader("tax", "demo-tax", TAX_ADAPTER, ("business_licence", "seal_filing")),
    ]
    ids = issuer.share(CASE, output, "business_licence", APPLICANT, readers, 1_700_000_000_000)
    assert len(ids) == 2
    terms = [
        (SEAL_ADAPTER, GrantTerms("use", f"case {CASE.hex()} step seal", 1_700_000_000_000,
                                  SHARE_USES, "demo-seal")),
        (TAX_ADAPTER, GrantTerms("use", f"case {CASE.hex()} step tax", 1_700_000_000_000,
                                 SHARE_USES, "demo-tax")),
    ]  # fmt: skip
    assert grants.calls == [(output.content_id, output.data_key, terms, APPLICANT)]


def test_an_output_nobody_reads_is_not_shared_f_d5() -> None:
    suite = suite_for("intl")
    locker, _ = new_locker(suite)
    grants = _Grants()
    issuer = OutputIssuer(_Assets(suite), grants, locker)
    output = _issue(issuer, type_code="tax_registration")
    readers = [Reader("seal", "demo-seal", SEAL_ADAPTER, ("business_licence",))]
    assert issuer.share(CASE, output, "tax_registration", APPLICANT, readers, 1) == []
    assert grants.calls == []
