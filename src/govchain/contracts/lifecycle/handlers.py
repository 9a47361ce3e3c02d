"""The handlers of ``contracts.submit``, ``upgrade``, ``review`` and ``deploy``.

docs/spec/contracts.md, "The lifecycle". Deterministic: the module check is
the sandbox's, the electorate the active members sorted when a version is
submitted, the tally integer counts under gov's rule grammar. Every step
emits an event and appends an entry to the contract's history.
"""

from __future__ import annotations

from dataclasses import replace

from govchain.contracts.gov.policy import Tally, can_still_pass, passes
from govchain.contracts.lifecycle.params import ContractParams, read_params
from govchain.contracts.lifecycle.records import (
    CONTRACT_ID_SIZE,
    ContractRecord,
    HistoryEntry,
    ReviewVote,
    VersionRecord,
)
from govchain.contracts.lifecycle.refusals import (
    active_members,
    live_contract,
    owner_member,
    refuse,
)
from govchain.contracts.lifecycle.runner import ContractRunner, ModuleRefusedError
from govchain.contracts.lifecycle.state import (
    CONTRACTS,
    code_key,
    contract_key,
    name_key,
    read_test_record,
    read_version,
    read_vote,
    record_history,
    version_key,
    vote_key,
)
from govchain.contracts.lifecycle.txs import DeployArgs, ReviewArgs, SubmitArgs, UpgradeArgs
from govchain.contracts.registry.state import append_to_list, read_member
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["deploy_handler", "review_handler", "submit_handler", "upgrade_handler"]

_NO_RATE = "0/1"
"""A review counts members only: no participation or win rate beyond the rule."""


def _checked_version(
    suite: CryptoSuite,
    runner: ContractRunner,
    ctx: TxContext,
    args: SubmitArgs | UpgradeArgs,
    contract: bytes,
) -> VersionRecord:
    """Check the module against the rules, store its code; the new version, in review."""
    params = read_params(ctx.get)
    if len(args.code) > params.max_module_bytes:
        raise ContractError(
            f"too_large: the module is {len(args.code)} bytes, over max_module_bytes "
            f"{params.max_module_bytes}"
        )
    try:
        info = runner.check(args.code, params.runner_params())
    except ModuleRefusedError as exc:
        raise ContractError(str(exc)) from exc
    given = dict(args.abi or {})
    unknown = sorted(set(given) - set(info.methods))
    if unknown:
        raise refuse("bad_abi", f"the ABI names {unknown}, which the module does not export")
    electorate = active_members(ctx.get)
    if not electorate:
        raise ContractError("no_member: no active member may review a contract")
    rule = params.review_rule
    if rule.isdigit() and int(rule) > len(electorate):
        raise ContractError(
            f"bad_status: review rule {rule} needs more members than the {len(electorate)} active"
        )
    code_hash = suite.hash(args.code)
    if ctx.get(code_key(code_hash)) is None:
        ctx.put(code_key(code_hash), args.code)
    abi = {method: str(given.get(method, "")) for method in info.methods}
    return VersionRecord(
        contract, args.version, code_hash, args.source_hash, abi, args.description,
        "in_review", rule, electorate, 0, 0, ctx.height,
    )  # fmt: skip


def _put(ctx: TxContext, record: ContractRecord | VersionRecord) -> None:
    record.validate()
    if isinstance(record, ContractRecord):
        ctx.put(contract_key(record.id), record.encode())
    else:
        ctx.put(version_key(record.contract, record.number), record.encode())


def _history(
    ctx: TxContext, contract: bytes, step: str, version: int, actor: bytes, detail: str = ""
) -> None:
    entry = HistoryEntry(step, version, actor, ctx.height, ctx.tx_hash, detail[:256])
    record_history(ctx.get, ctx.put, contract, entry)


def submit_handler(suite: CryptoSuite, runner: ContractRunner) -> Handler:
    """The handler of ``contracts.submit``: version 1 of a new contract, in review."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = SubmitArgs.from_args(tx.args)
        if args.version != 1:
            raise refuse("bad_version", f"a new contract starts at version 1, not {args.version}")
        if ctx.get(name_key(args.name)) is not None:
            raise refuse("name_taken", f"a contract named {args.name!r} exists (or was abolished)")
        sender = records.address_of(suite, tx.sender)
        member = owner_member(ctx.get, sender, "submit a contract")
        contract = ctx.tx_hash[:CONTRACT_ID_SIZE]
        version = _checked_version(suite, runner, ctx, args, contract)
        _put(ctx, version)
        record = ContractRecord(
            contract, args.name, member.code, sender, "in_review", 1, 0, ctx.height
        )
        _put(ctx, record)
        ctx.put(name_key(args.name), contract)
        append_to_list(ctx.get, ctx.put, CONTRACTS, contract)
        _history(ctx, contract, "submitted", 1, sender, args.name)
        ctx.emit(
            "contracts.submitted", contract=contract, name=args.name, version=1,
            code_hash=version.code_hash, member=member.code,
        )  # fmt: skip

    return handle


def _owned(
    suite: CryptoSuite, ctx: TxContext, tx: Tx, contract: bytes, action: str
) -> tuple[ContractRecord, bytes]:
    """A live contract the sender's member owns, and the sender's address; ``not_owner``."""
    record = live_contract(ctx.get, contract)
    sender = records.address_of(suite, tx.sender)
    member = owner_member(ctx.get, sender, action)
    if member.code != record.member:
        raise refuse(
            "not_owner", f"contract {record.name} is member {record.member}'s, not {member.code}'s"
        )
    return record, sender


def _status_of(record: ContractRecord, latest: VersionRecord) -> str:
    """A contract's status after a version changed: frozen stays frozen; deployed is active."""
    if record.status == "frozen":
        return "frozen"
    if record.active_version:
        return "active"
    return latest.status


def upgrade_handler(suite: CryptoSuite, runner: ContractRunner) -> Handler:
    """The handler of ``contracts.upgrade``: the next version, in review (allowed while frozen)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = UpgradeArgs.from_args(tx.args)
        record, sender = _owned(suite, ctx, tx, args.contract, "upgrade a contract")
        latest = read_version(ctx.get, record.id, record.versions)
        if latest.status == "in_review":
            raise refuse(
                "bad_version", f"version {latest.number} of {record.name} is still in review"
            )
        if args.version != record.versions + 1:
            raise refuse(
                "bad_version",
                f"the next version of {record.name} is {record.versions + 1}, not {args.version}",
            )
        version = _checked_version(suite, runner, ctx, args, record.id)
        _put(ctx, version)
        record = replace(record, versions=args.version, height=ctx.height)
        _put(ctx, replace(record, status=_status_of(record, version)))
        _history(ctx, record.id, "upgraded", args.version, sender)
        ctx.emit(
            "contracts.upgraded",
            contract=record.id,
            version=args.version,
            code_hash=version.code_hash,
        )

    return handle


def _reviewer_member(ctx: TxContext, address: bytes, electorate: tuple[str, ...]) -> str | None:
    for code in electorate:
        member = read_member(ctx.get, code)
        if member is not None and member.status == "active" and address in member.admins:
            return code
    return None


def _decided(version: VersionRecord) -> str:
    """``approved``, ``rejected`` or ``in_review``: the rule over the votes so far."""
    members = len(version.electorate)
    tally = Tally(version.yes, version.no, version.yes, version.yes + version.no, members, members)
    if passes(version.rule, _NO_RATE, _NO_RATE, tally):
        return "approved"
    if not can_still_pass(version.rule, _NO_RATE, _NO_RATE, tally):
        return "rejected"
    return "in_review"


def review_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``contracts.review``: one vote per member; the deciding vote decides."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ReviewArgs.from_args(tx.args)
        record = live_contract(ctx.get, args.contract)
        if args.version > record.versions:
            raise refuse("bad_version", f"{record.name} has no version {args.version}")
        version = read_version(ctx.get, record.id, args.version)
        if version.status != "in_review":
            raise refuse(
                "not_in_review", f"version {args.version} of {record.name} is {version.status}"
            )
        reviewer = records.address_of(suite, tx.sender)
        member = _reviewer_member(ctx, reviewer, version.electorate)
        if member is None:
            raise refuse(
                "not_reviewer",
                f"{reviewer.hex()} is not an admin of a member that reviews this version",
            )
        if read_vote(ctx.get, record.id, args.version, member) is not None:
            raise refuse(
                "already_reviewed", f"member {member} already reviewed version {args.version}"
            )
        vote = ReviewVote(member, reviewer, args.approve, args.comment, ctx.height)
        vote.validate()
        ctx.put(vote_key(record.id, args.version, member), vote.encode())
        version = replace(
            version, yes=version.yes + int(args.approve), no=version.no + int(not args.approve)
        )
        _history(ctx, record.id, "reviewed", args.version, reviewer, args.comment)
        ctx.emit(
            "contracts.reviewed",
            contract=record.id,
            version=args.version,
            member=member,
            approve=args.approve,
        )
        decision = _decided(version)
        if decision != "in_review":
            version = replace(version, status=decision, decided_height=ctx.height)
            _history(ctx, record.id, decision, args.version, reviewer)
            ctx.emit(f"contracts.{decision}", contract=record.id, version=args.version)
        _put(ctx, version)
        if args.version == record.versions:
            _put(ctx, replace(record, status=_status_of(record, version), height=ctx.height))

    return handle


def _deployable(ctx: TxContext, record: ContractRecord) -> VersionRecord:
    for number in range(record.versions, record.active_version, -1):
        version = read_version(ctx.get, record.id, number)
        if version.status == "approved":
            return version
    raise refuse(
        "not_approved", f"{record.name} has no approved version newer than the deployed one"
    )


def deploy_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``contracts.deploy``: the latest approved version becomes active."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = DeployArgs.from_args(tx.args)
        record, sender = _owned(suite, ctx, tx, args.contract, "deploy a contract")
        version = _deployable(ctx, record)
        params: ContractParams = read_params(ctx.get)
        if params.require_test and read_test_record(ctx.get, record.id, version.number) is None:
            raise refuse(
                "test_required",
                f"version {version.number} of {record.name} has no recorded test call "
                "(contracts.test_record)",
            )
        if record.active_version:
            previous = read_version(ctx.get, record.id, record.active_version)
            _put(ctx, replace(previous, status="retired"))
        _put(ctx, replace(version, status="active"))
        status = "frozen" if record.status == "frozen" else "active"
        _put(ctx, replace(record, status=status, active_version=version.number, height=ctx.height))
        _history(ctx, record.id, "deployed", version.number, sender)
        ctx.emit(
            "contracts.deployed",
            contract=record.id,
            version=version.number,
            code_hash=version.code_hash,
        )

    return handle
