"""Account certificates on chain (F-B5, issue 14 item 4): register, send as cert, revoke, expire.

A member admitted by vote with a real CA registers an account and its
certificate; the account then signs txs named by the certificate's id.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.facts import NoBlocksError
from govchain.contracts.proving_reader import ChainReader
from govchain.contracts.registry.certs import (
    cert_id,
    read_cert,
)
from govchain.contracts.registry.reads import expiring_certificates, parse_expiring_cursor
from govchain.crypto import SigningKey
from govchain.execution import apply_block, propose_block
from govchain.execution.apply import signer_keys
from govchain.execution.registry import STATUS_PERMISSION_DENIED
from govchain.ledger import records
from govchain.ledger.statetree import get_value
from govchain.mempool import (
    BadSignatureError,
    Mempool,
    PermissionDeniedError,
    UnsupportedSenderError,
)
from govchain.node.permissions import LatestPermissions
from govchain.types.errors import InvalidBlock
from tests.unit.contracts.governed_chain import GovernedChain
from tests.unit.contracts.registry.cert_support import (
    CaMember,
    add_account,
    admit_ca_member,
    cert_anchor,
    chain_now,
    holder_with_cert,
    issue,
    make_ca,
    pass_proposal,
    register,
)

DAY_MS = 86_400_000


@pytest.fixture
def gc() -> GovernedChain:
    return GovernedChain.make()


@pytest.fixture
def member(gc: GovernedChain) -> CaMember:
    return admit_ca_member(gc, 5)


@pytest.fixture
def holder(gc: GovernedChain, member: CaMember) -> tuple[SigningKey, bytes]:
    """An account of ``member`` with a registered certificate: (its key, the certificate id)."""
    return holder_with_cert(gc, member)


def test_f_b5_a_registered_certificate_records_its_key_member_and_validity(
    gc: GovernedChain, member: CaMember
) -> None:
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    cert = issue(gc, member, key, days=90)
    receipt = register(gc, member.admin, cert)
    assert receipt.status == 0, receipt.error
    [event] = receipt.events
    assert event.type == "registry.cert_registered"
    certificate = cert_id(gc.maker.suite, cert.dump())
    assert event.attributes["id"] == certificate
    with gc.chain.view() as view:
        record = read_cert(
            lambda k: get_value(view.state, gc.maker.suite.hash_name, view.height, k), certificate
        )
    assert record is not None
    assert record.address == gc.address(key)
    assert (record.org, record.status, record.revoked_height) == (member.code, "active", 0)
    assert record.ca == gc.maker.suite.hash(member.ca.dump())
    assert record.not_after - record.not_before == 90 * DAY_MS


def test_f_b5_a_cert_sender_acts_as_the_account_of_the_certificate_key(
    gc: GovernedChain, holder: tuple[SigningKey, bytes]
) -> None:
    key, certificate = holder
    receipt = gc.run_one(cert_anchor(gc, key, certificate))
    assert receipt.status == 0, receipt.error
    [event] = receipt.events
    assert event.attributes["owner"] == gc.address(key)


def test_f_b5_a_cert_tx_signed_by_another_key_makes_the_block_invalid(
    gc: GovernedChain, holder: tuple[SigningKey, bytes]
) -> None:
    _, certificate = holder
    forged = cert_anchor(gc, gc.maker.suite.generate_key(), certificate)
    with gc.chain.view() as view:
        block = propose_block(
            view,
            [forged],
            proposer=gc.maker.validators.validators[0].address,
            last_commit=gc.last_commit,
            registry=gc.registry,
        )
        with pytest.raises(InvalidBlock, match="signature does not verify"):
            apply_block(view, block, gc.registry)


def test_f_b5_a_cert_tx_of_an_unregistered_certificate_cannot_be_checked(
    gc: GovernedChain,
) -> None:
    stray = cert_anchor(gc, gc.maker.suite.generate_key(), os.urandom(32))
    with gc.chain.view() as view, pytest.raises(InvalidBlock, match="is not registered"):
        signer_keys(view, [stray], gc.registry.permission_check)


def test_f_b5_a_revoked_certificate_passes_in_its_block_and_is_refused_from_the_next(
    gc: GovernedChain, holder: tuple[SigningKey, bytes]
) -> None:
    key, certificate = holder
    proposal = gc.propose(0, "cert.revoke", {"id": certificate, "reason": "key lost"})
    for voter in range(3):  # five members now: the fourth vote decides
        assert gc.vote(voter, proposal).status == 0
    deciding = gc.tx(gc.admins[3], "gov.vote", {"id": proposal, "yes": True})
    vote, same_block = gc.run(deciding, cert_anchor(gc, key, certificate))
    assert vote.status == 0, vote.error
    assert any(e.type == "registry.cert_revoked" for e in vote.events)
    assert same_block.status == 0, same_block.error
    revoked_at = gc.height
    refused = gc.run_one(cert_anchor(gc, key, certificate))
    assert refused.status == STATUS_PERMISSION_DENIED
    assert f"was revoked at height {revoked_at}: key lost" in refused.error
    # the same account still sends by key: the certificate is refused, not the account
    assert gc.run_one(gc.tx(key, "notary.anchor", {"digest": os.urandom(32)})).status == 0


def test_f_b5_revoking_twice_or_an_unknown_certificate_is_refused_with_a_reason(
    gc: GovernedChain, holder: tuple[SigningKey, bytes]
) -> None:
    unknown = os.urandom(32)
    receipt = gc.run_one(
        gc.tx(
            gc.admins[0],
            "gov.propose",
            {
                "action": "cert.revoke",
                "args": {"id": unknown, "reason": "x"},
                "reason": "test",
                "expiry_height": gc.height + 10,
            },
        )
    )
    assert receipt.status == 1
    assert f"certificate {unknown.hex()} is not registered" in receipt.error


def _run_with_commit_time(gc: GovernedChain, commit_time: int) -> None:
    """Commit an empty block whose commit carries ``commit_time``: the next block's BFT time."""
    with gc.chain.view() as view:
        block = propose_block(
            view,
            [],
            proposer=gc.maker.validators.validators[0].address,
            last_commit=gc.last_commit,
            registry=gc.registry,
        )
        result = apply_block(view, block, gc.registry)
    commit = gc.maker.commit(block.header.height, result.block_hash, commit_time)
    gc.chain.commit_block(block, commit, result)
    gc.last_commit = commit


def test_f_b5_an_expired_certificate_is_refused_by_the_blocks_time(
    gc: GovernedChain, member: CaMember
) -> None:
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    cert = issue(gc, member, key, days=2)
    assert register(gc, member.admin, cert).status == 0
    certificate = cert_id(gc.maker.suite, cert.dump())
    assert gc.run_one(cert_anchor(gc, key, certificate)).status == 0
    with gc.chain.view() as view:
        later = view.last_time + 2 * DAY_MS
    _run_with_commit_time(gc, later)
    refused = gc.run_one(cert_anchor(gc, key, certificate))
    assert refused.status == STATUS_PERMISSION_DENIED
    assert f"certificate {certificate.hex()} expired at" in refused.error


def test_f_b5_a_certificate_not_yet_valid_is_refused_at_registration(
    gc: GovernedChain, member: CaMember
) -> None:
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    cert = issue(gc, member, key, not_before=chain_now(gc) + dt.timedelta(days=3))
    receipt = register(gc, member.admin, cert)
    assert receipt.status == 1
    assert "is not valid before" in receipt.error


def test_f_b5_a_certificate_of_another_members_ca_is_refused(
    gc: GovernedChain, member: CaMember
) -> None:
    other = CaMember(demo_uscc(6), member.admin, *make_ca(gc, demo_uscc(6), chain_now(gc)))
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    cert = issue(gc, other, key)
    receipt = register(gc, member.admin, cert)
    assert receipt.status == 1
    assert "no CA of the member issued it" in receipt.error
    # the other member's admin cannot register it either: it is not of the issuing member
    receipt = register(gc, gc.admins[0], issue(gc, member, key))
    assert receipt.status == 1
    assert "no CA of the member issued it" in receipt.error


def test_f_b5_registration_needs_an_account_of_the_member_a_leaf_role_and_an_admin(
    gc: GovernedChain, member: CaMember
) -> None:
    stranger = gc.maker.suite.generate_key()
    receipt = register(gc, member.admin, issue(gc, member, stranger))
    assert receipt.status == 1
    assert "register it with registry.account_add first" in receipt.error
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    receipt = register(gc, member.admin, issue(gc, member, key, role="node"))
    assert receipt.status == 1
    assert "role 'node' may not sign txs" in receipt.error
    receipt = register(gc, gc.client, issue(gc, member, key))
    assert receipt.status == STATUS_PERMISSION_DENIED
    receipt = gc.run_one(gc.tx(member.admin, "registry.cert_register", {"der": b"\x30\x03junk"}))
    assert receipt.status == 1
    assert "malformed certificate" in receipt.error


def test_f_b5_a_suspended_members_certificates_are_refused(
    gc: GovernedChain, member: CaMember, holder: tuple[SigningKey, bytes]
) -> None:
    key, certificate = holder
    proposal = gc.propose(0, "member.suspend", {"code": member.code, "reason": "audit"})
    pass_proposal(gc, proposal)
    refused = gc.run_one(cert_anchor(gc, key, certificate))
    assert refused.status == STATUS_PERMISSION_DENIED
    assert f"member {member.code} of certificate" in refused.error


def _pool(gc: GovernedChain) -> Mempool:
    check = gc.registry.permission_check
    assert check is not None
    return Mempool(
        gc.maker.suite,
        gc.genesis.chain_id,
        is_committed=lambda _h: False,
        refusal=LatestPermissions(gc.chain, check),
    )


def test_f_b5_the_mempool_admits_a_cert_sender_and_refuses_unknown_forged_and_revoked(
    gc: GovernedChain, holder: tuple[SigningKey, bytes]
) -> None:
    key, certificate = holder
    pool = _pool(gc)
    next_height = gc.height + 1
    pool.add(records.encode_tx(cert_anchor(gc, key, certificate)), next_height)
    assert len(pool) == 1
    unknown = os.urandom(32)
    with pytest.raises(UnsupportedSenderError, match=f"certificate {unknown.hex()} is not reg"):
        pool.add(records.encode_tx(cert_anchor(gc, key, unknown)), next_height)
    forged = cert_anchor(gc, gc.maker.suite.generate_key(), certificate)
    with pytest.raises(BadSignatureError):
        pool.add(records.encode_tx(forged), next_height)
    proposal = gc.propose(0, "cert.revoke", {"id": certificate, "reason": "key lost"})
    pass_proposal(gc, proposal)
    with pytest.raises(PermissionDeniedError, match="was revoked at height") as refused:
        pool.add(records.encode_tx(cert_anchor(gc, key, certificate)), gc.height + 1)
    assert refused.value.code == "permission_denied"
    assert len(pool) == 1


def test_f_b5_expiring_lists_member_cas_and_account_certificates_in_bounded_pages(
    gc: GovernedChain, member: CaMember, holder: tuple[SigningKey, bytes]
) -> None:
    _, long_lived = holder
    soon_key = gc.maker.suite.generate_key()
    add_account(gc, member, soon_key)
    soon = issue(gc, member, soon_key, days=10)
    assert register(gc, member.admin, soon).status == 0
    soon_id = cert_id(gc.maker.suite, soon.dump())
    with gc.chain.view() as view:
        reader = ChainReader(view)
        time, found, following = expiring_certificates(reader, 30, ("m", 0), 200)
        assert time == view.last_time
        assert following is None
        assert [(c.kind, c.id) for c in found] == [("account", soon_id)]
        assert found[0].address == gc.address(soon_key)
        # the CA (3650 days) is within a window of 3650 days, and so is the 365-day cert
        _, wide, _ = expiring_certificates(reader, 3650, ("m", 0), 200)
        assert [c.kind for c in wide] == ["member_ca", "account", "account"]
        assert {c.id for c in wide[1:]} == {long_lived, soon_id}
        # pages of two list entries: four members without a CA, the new one, then certs
        pages, cursor = [], ("m", 0)
        while True:
            _, page, text = expiring_certificates(reader, 3650, cursor, 2)
            pages.append(page)
            if text is None:
                break
            cursor = parse_expiring_cursor(text)
        assert [c for page in pages for c in page] == wide
        assert len(pages) == 4


def test_f_b5_under_gm_an_sm2_certificate_registers_and_its_holder_sends_as_cert() -> None:
    gm = GovernedChain.make("gm")
    gm_member = admit_ca_member(gm, 5)
    key, certificate = holder_with_cert(gm, gm_member)
    with gm.chain.view() as view:
        record = read_cert(
            lambda k: get_value(view.state, gm.maker.suite.hash_name, view.height, k), certificate
        )
    assert record is not None
    assert certificate == gm.maker.suite.hash(record.der)  # SM3 of the DER under gm
    receipt = gm.run_one(cert_anchor(gm, key, certificate))
    assert receipt.status == 0, receipt.error
    [event] = receipt.events
    assert event.attributes["owner"] == gm.address(key)


def test_expiring_has_no_block_time_before_block_1() -> None:
    fresh = GovernedChain.make()
    with fresh.chain.view() as view, pytest.raises(NoBlocksError):
        expiring_certificates(ChainReader(view), 30, ("m", 0), 10)


def test_f_b5_a_certificate_that_outlives_its_ca_is_refused(
    gc: GovernedChain, member: CaMember
) -> None:
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    receipt = register(gc, member.admin, issue(gc, member, key, days=4000))
    assert receipt.status == 1
    assert "it outlives its CA (the CA is valid until" in receipt.error
