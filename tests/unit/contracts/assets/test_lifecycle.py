"""The assets service on a real chain: types, lockers, the four modes, status (F-C1, F-C2, F-C7)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from govchain.cli.gov_cmd import parse_action_args
from govchain.client import verify_tx_receipt
from govchain.client.verify import verify_state_fact
from govchain.codes import check_licence_id
from govchain.contracts import ChainReader
from govchain.contracts.assets import (
    ConsentArgs,
    IssueArgs,
    ReviewArgs,
    StatusArgs,
    SubmitArgs,
    TransferArgs,
    asset_key,
)
from govchain.contracts.assets.reads import (
    asset_with_fact,
    effective_status,
    locker_view,
    parse_asset_ref,
)
from govchain.contracts.assets.state import read_asset, read_type
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import decided

from .asset_chain import TYPE_CODE, AssetChain, ok, refused


@pytest.fixture(params=["intl", "gm"])
def ac(request: pytest.FixtureRequest) -> AssetChain:
    chain = AssetChain.make(request.param)
    ok(chain.define(chain.gc.admins[0]))
    return chain


def _issue(
    ac: AssetChain, holder: bytes, mode: str = "authority", member: int = 0, **kw: object
) -> tuple[IssueArgs, Receipt]:
    args = IssueArgs(ac.new_version(holder), TYPE_CODE, holder, mode, **kw)  # type: ignore[arg-type]
    return args, ac.send(ac.gc.admins[member], args)


def test_type_versions_and_owner_f_c1(ac: AssetChain) -> None:
    assert read_type(ac.gc.read, TYPE_CODE).version == 1  # type: ignore[union-attr]
    ok(ac.define(ac.gc.admins[0], name="营业执照(演示)第二版"))
    latest = read_type(ac.gc.read, TYPE_CODE)
    assert latest is not None
    assert (latest.version, latest.owner) == (2, ac.gc.codes[0])
    refused(ac.define(ac.gc.admins[1]), "type_owned")
    refused(ac.define(ac.gc.admins[0], issuers=("91370102MA0000000X",)), "unknown_member")
    refused(
        ac.define(
            ac.gc.admins[0], schema={"type": "object", "properties": {"a": {"type": "float"}}}
        ),
        "invalid_args",
    )


def test_locker_once_per_account(ac: AssetChain) -> None:
    key, _, _ = ac.enterprise(1)
    ac.open_locker(key)
    from govchain.contracts.assets import BlobRef, LockerInitArgs

    again = LockerInitArgs(ac.lockers[ac.gc.address(key)], BlobRef(b"\1" * 32, 9, ("storage1",)))
    refused(ac.send(key, again), "locker_exists")
    other, _, _ = ac.enterprise(2)
    refused(ac.send(other, LockerInitArgs(b"\x04" * 7, again.key_blob)), "invalid_args")


def test_authority_issue_assigns_a_checked_identifier_f_c1(ac: AssetChain) -> None:
    key, holder, code = ac.enterprise(1)
    ac.open_locker(key)
    args, receipt = _issue(ac, holder)
    ok(receipt)
    event = ac.event(receipt, "assets.issued")
    asset = read_asset(ac.gc.read, args.new.content_id)
    assert asset is not None
    assert asset.status == "valid"
    check_licence_id(asset.identifier)
    assert event["identifier"] == asset.identifier
    assert asset.identifier.split(".")[5:9] == [TYPE_CODE, ac.gc.codes[0], "00000001", "001"]
    assert (asset.holder_code, asset.holder_code_type) == (code, "001")
    assert asset.issued_by == ac.gc.address(ac.gc.admins[0])
    _, second = _issue(ac, holder)
    assert str(ac.event(ok(second), "assets.issued")["identifier"]).split(".")[7] == "00000002"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown type", "unknown_type"),
        ("issuer not allowed", "issuer_not_allowed"),
        ("no locker", "no_locker"),
        ("schema: wrong kind", "schema"),
        ("schema: personal field in clear", "schema"),
        ("envelopes", "envelopes"),
        ("mode not allowed", "mode_not_allowed"),
    ],
)
def test_issue_refusals_name_the_reason_f_c1(ac: AssetChain, case: str, code: str) -> None:
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    _other_key, no_locker, _ = ac.enterprise(2)
    new = ac.new_version(holder)
    sender, args = ac.gc.admins[0], IssueArgs(new, TYPE_CODE, holder, "authority")
    if case == "unknown type":
        args = dataclasses.replace(args, type=TYPE_CODE[:18] + "999")
    elif case == "issuer not allowed":
        sender = ac.gc.admins[2]
    elif case == "no locker":
        args = IssueArgs(ac.new_version(no_locker), TYPE_CODE, no_locker, "authority")
    elif case == "schema: wrong kind":
        args = dataclasses.replace(
            args, new=dataclasses.replace(new, metadata={"name": "x", "capital": "many"})
        )
    elif case == "schema: personal field in clear":
        args = dataclasses.replace(
            args, new=dataclasses.replace(new, metadata={"name": "x", "legal_rep": "张某某"})
        )
    elif case == "envelopes":
        args = dataclasses.replace(args, new=ac.new_version(no_locker))
    else:
        ok(ac.define(ac.gc.admins[0], modes=("authority",)))
        args = dataclasses.replace(args, mode="window")
    before = ac.gc.read(asset_key(new.content_id))
    reason = refused(ac.send(sender, args), code)
    assert "张某某" not in reason
    assert before is None
    assert ac.gc.read(asset_key(args.new.content_id)) is None


def test_window_and_department_need_consent_and_staff_f_c1(ac: AssetChain) -> None:
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    refused(_issue(ac, holder, "window")[1], "no_consent")
    until = ac.gc.height + 20
    ok(ac.send(key, ConsentArgs(TYPE_CODE, "window", ac.gc.codes[0], until)))
    args, receipt = _issue(ac, holder, "window")
    asset = read_asset(ac.gc.read, args.new.content_id)
    assert ok(receipt)
    assert asset is not None
    assert asset.consent_tx != b""
    refused(_issue(ac, holder, "window")[1], "no_consent")  # used once
    staff = ac.staff(0)
    ok(ac.send(key, ConsentArgs(TYPE_CODE, "department", ac.gc.codes[0], until)))
    refused(
        _issue(ac, holder, "department", verified_by=ac.gc.address(ac.gc.client))[1], "not_staff"
    )
    args, receipt = _issue(ac, holder, "department", verified_by=ac.gc.address(staff))
    asset = read_asset(ac.gc.read, args.new.content_id)
    assert ok(receipt)
    assert asset is not None
    assert asset.verified_by == ac.gc.address(staff)
    assert asset.mode == "department"


def test_self_upload_approved_and_refused_f_c1(ac: AssetChain) -> None:
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    first, second = ac.new_version(holder), ac.new_version(holder)
    ok(ac.send(key, SubmitArgs(first, TYPE_CODE)))
    ok(ac.send(key, SubmitArgs(second, TYPE_CODE)))
    pending = read_asset(ac.gc.read, first.content_id)
    assert pending is not None
    assert (pending.status, pending.identifier) == ("pending", "")
    staff = ac.staff(1)
    ok(ac.send(staff, ReviewArgs(first.content_id, True)))
    approved = read_asset(ac.gc.read, first.content_id)
    assert approved is not None
    assert approved.status == "valid"
    assert approved.issuer == ac.gc.codes[1]
    check_licence_id(approved.identifier)
    ok(ac.send(staff, ReviewArgs(second.content_id, False, "扫描件不清晰")))
    refused_asset = read_asset(ac.gc.read, second.content_id)
    assert refused_asset is not None
    assert refused_asset.status == "refused"
    assert refused_asset.reason == "扫描件不清晰"
    assert refused_asset.identifier == ""
    refused(ac.send(staff, ReviewArgs(second.content_id, True)), "bad_status")
    refused(
        ac.send(ac.gc.admins[2], ReviewArgs(ac.new_version(holder).content_id, True)), "not_found"
    )


def test_revoke_abolish_and_history_with_proofs_f_c1(ac: AssetChain) -> None:
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    args, receipt = _issue(ac, holder)
    ok(receipt)
    refused(ac.send(ac.gc.admins[1], StatusArgs(args.new.content_id, "不是我发的")), "not_issuer")
    ok(ac.send(ac.gc.admins[0], StatusArgs(args.new.content_id, "登记信息有误")))
    refused(
        ac.send(ac.gc.admins[0], StatusArgs(args.new.content_id, "again", abolish=True)),
        "bad_status",
    )
    other, receipt = _issue(ac, holder)
    ok(receipt)
    ok(ac.send(ac.gc.admins[0], StatusArgs(other.new.content_id, "企业注销", abolish=True)))
    with ac.gc.chain.view() as view:
        proven = asset_with_fact(ChainReader(view), parse_asset_ref(args.new.content_id.hex()))
        by_id = asset_with_fact(ChainReader(view), parse_asset_ref(proven.asset.identifier))  # type: ignore[union-attr]
    assert proven.asset is not None
    assert proven.status == "revoked"
    assert by_id.asset == proven.asset
    assert [p.entry.action for p in proven.history] == ["issue", "revoke"]
    assert proven.history[1].entry.reason == "登记信息有误"
    genesis = ac.gc.genesis
    raw = verify_state_fact(genesis, proven.proven.fact, asset_key(args.new.content_id))
    assert raw == proven.asset.encode()
    for item in proven.history:
        verified = verify_tx_receipt(genesis, item.receipt)
        assert (verified.status, verified.tx_hash) == (0, item.entry.tx_hash)
    assert proven.asset.last_tx == proven.history[-1].entry.tx_hash


def test_reissue_and_transfer_make_new_versions(ac: AssetChain) -> None:
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    new_key, new_holder, _ = ac.enterprise(2)
    ac.open_locker(new_key)
    first, receipt = _issue(ac, holder)
    ok(receipt)
    second = IssueArgs(
        ac.new_version(holder), TYPE_CODE, holder, "authority", replaces=first.new.content_id
    )
    ok(ac.send(ac.gc.admins[0], second))
    old, new = (read_asset(ac.gc.read, a.new.content_id) for a in (first, second))
    assert old is not None
    assert new is not None
    assert (old.status, old.replaced_by) == ("replaced", new.content_id)
    assert (new.serial, new.version) == (old.serial, 2)
    assert new.identifier.split(".")[8] == "002"
    moved = TransferArgs(new.content_id, ac.new_version(new_holder), new_holder)
    refused(ac.send(key, moved), "not_issuer")
    ok(ac.send(ac.gc.admins[0], moved))
    after, third = (
        read_asset(ac.gc.read, new.content_id),
        read_asset(ac.gc.read, moved.new.content_id),
    )
    assert after is not None
    assert third is not None
    assert after.status == "transferred"
    assert third.holder == new_holder
    assert third.version == 3
    assert [e.reader for e in third.content.envelopes] == [new_holder]
    with ac.gc.chain.view() as view:
        mine = locker_view(ChainReader(view), new_holder, 0, 10)
    assert [(a.content_id, s) for a, s in mine.assets] == [(third.content_id, "valid")]


def test_expiry_is_read_from_bft_time(ac: AssetChain) -> None:
    ok(ac.define(ac.gc.admins[0], validity="days:1"))
    key, holder, _ = ac.enterprise(1)
    ac.open_locker(key)
    args, receipt = _issue(ac, holder)
    ok(receipt)
    asset = read_asset(ac.gc.read, args.new.content_id)
    assert asset is not None
    assert asset.valid_until == asset.valid_from + 86_400_000
    assert effective_status(asset, asset.valid_until - 1) == "valid"
    assert effective_status(asset, asset.valid_until) == "expired"
    refused(_issue(ac, holder, valid_until=asset.valid_until)[1], "invalid_args")


def test_governance_defines_a_type_for_a_member_f_b1_f_c1() -> None:
    """``gov propose asset_type.define --set owner=CODE --set definition=TYPE.toml``, as the CLI
    parses it, passes by vote and defines the type for the member it names."""
    chain = AssetChain.make("intl")
    gc = chain.gc
    example = Path(__file__).resolve().parents[4] / "examples/asset-types/business_licence.toml"
    args = parse_action_args("asset_type.define", [f"owner={gc.codes[3]}", f"definition={example}"])
    proposal = gc.propose(0, "asset_type.define", args)
    receipts = [gc.vote(voter, proposal) for voter in range(4)]
    assert "executed" in [decided(r) for r in receipts]
    atype = read_type(gc.read, "11100000MB0143028R001")
    assert atype is not None
    assert (atype.owner, atype.version, atype.issuers) == (gc.codes[3], 1, (gc.codes[0],))
    again = {"owner": gc.codes[0], "definition": args["definition"]}
    with pytest.raises(AssertionError, match="type_owned"):
        gc.propose(0, "asset_type.define", again)
    with pytest.raises(AssertionError, match="invalid_args"):
        gc.propose(0, "asset_type.define", {"owner": gc.codes[3], "definition": {"code": "x"}})
