"""Who may put and get a blob: the storage node's pure access checks (F-A1, F-C1)."""

from __future__ import annotations

import pytest

from govchain.contracts.registry.records import Account, MemberRecord
from govchain.crypto import suite_for
from govchain.storage_node.access import AccessRefusedError, BlobGrant, check_read, check_upload
from govchain.types.errors import ValidationError
from tests.unit.storage_node.fakes import ISSUER, OTHER_MEMBER, FakeChain

SUITE = suite_for("intl")
BLOB = SUITE.hash(b"ciphertext")


def _chain() -> FakeChain:
    chain = FakeChain(SUITE)
    chain.add_member(ISSUER)
    chain.add_member(OTHER_MEMBER, status="suspended")
    return chain


def _account(chain: FakeChain, kind: str, org: str = "", status: str = "active") -> Account:
    return chain.add_account(SUITE.generate_key(), kind, org, status)


def _refused(code: str, call: object, *args: object) -> None:
    with pytest.raises(AccessRefusedError) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.code == code


def test_a_holder_uploads_for_itself_whatever_its_kind() -> None:
    chain = _chain()
    subject = _account(chain, "subject")
    check_upload(subject, subject.address, None)


@pytest.mark.parametrize("kind", ["admin", "client", "staff", "system"])
def test_an_account_of_an_active_member_uploads_for_any_holder(kind: str) -> None:
    chain = _chain()
    department = _account(chain, kind, ISSUER)
    holder = _account(chain, "subject")
    check_upload(department, holder.address, chain.members[ISSUER])


def test_a_subject_may_not_upload_for_another_holder() -> None:
    chain = _chain()
    subject, other = _account(chain, "subject"), _account(chain, "subject")
    _refused("upload_not_allowed", check_upload, subject, other.address, None)


def test_an_account_of_a_suspended_or_unknown_member_may_not_upload_for_others() -> None:
    chain = _chain()
    holder = _account(chain, "subject")
    suspended = _account(chain, "staff", OTHER_MEMBER)
    _refused(
        "upload_not_allowed", check_upload, suspended, holder.address, chain.members[OTHER_MEMBER]
    )
    _refused("upload_not_allowed", check_upload, suspended, holder.address, None)
    # a member record of another code than the account's is not its member
    _refused("upload_not_allowed", check_upload, suspended, holder.address, chain.members[ISSUER])


def test_a_frozen_account_uploads_nothing() -> None:
    chain = _chain()
    frozen = _account(chain, "staff", ISSUER, status="frozen")
    _refused("upload_not_allowed", check_upload, frozen, frozen.address, chain.members[ISSUER])


def _grant(holder: bytes, issuer: str = ISSUER, blob: bytes = BLOB) -> BlobGrant:
    grant = BlobGrant("asset 00", blob, holder, issuer)
    grant.validate()
    return grant


def test_the_holder_and_the_issuers_accounts_read() -> None:
    chain = _chain()
    holder = _account(chain, "subject")
    check_read(holder, BLOB, _grant(holder.address))
    for kind in ("admin", "client", "staff", "system"):
        check_read(_account(chain, kind, ISSUER), BLOB, _grant(holder.address))


def test_a_stranger_another_member_and_a_frozen_issuer_account_do_not_read() -> None:
    chain = _chain()
    holder = _account(chain, "subject")
    grant = _grant(holder.address)
    _refused("read_not_allowed", check_read, _account(chain, "subject"), BLOB, grant)
    _refused("read_not_allowed", check_read, _account(chain, "staff", OTHER_MEMBER), BLOB, grant)
    frozen = _account(chain, "staff", ISSUER, status="frozen")
    _refused("read_not_allowed", check_read, frozen, BLOB, grant)


def test_no_member_reads_under_a_grant_without_an_issuer() -> None:
    chain = _chain()
    owner = _account(chain, "subject")
    locker = _grant(owner.address, issuer="")
    check_read(owner, BLOB, locker)
    _refused("read_not_allowed", check_read, _account(chain, "admin", ISSUER), BLOB, locker)


def test_a_record_naming_another_blob_grants_nothing_even_to_its_holder() -> None:
    chain = _chain()
    holder = _account(chain, "subject")
    grant = _grant(holder.address, blob=SUITE.hash(b"another blob"))
    _refused("read_not_allowed", check_read, holder, BLOB, grant)


@pytest.mark.parametrize(
    ("blob", "holder", "what"),
    [
        (b"short", bytes(20), "asset 1"),
        (bytes(32), b"short", "asset 1"),
        (bytes(32), bytes(20), ""),
    ],
)
def test_a_malformed_grant_is_refused(blob: bytes, holder: bytes, what: str) -> None:
    with pytest.raises(ValidationError):
        BlobGrant(what, blob, holder).validate()


def test_member_records_of_the_fake_chain_are_real_records() -> None:
    record = _chain().members[ISSUER]
    assert isinstance(record, MemberRecord)
    record.validate()
