"""The handlers of ``gov``: propose, vote (which decides and executes), withdraw.

docs/spec/gov.md. Deterministic: integer tallies, the electorate fixed and
sorted when proposed, heights from the block.
"""

from __future__ import annotations

from govchain.contracts.gov.actions import Action
from govchain.contracts.gov.policy import (
    ACTION_PREFIX,
    DEFAULT_PARAMS,
    Tally,
    can_still_pass,
    passes,
)
from govchain.contracts.gov.records import MAX_REASON, Proposal, VoteRecord
from govchain.contracts.gov.state import (
    last_proposal_id,
    proposal_count_key,
    proposal_key,
    read_param,
    read_policy,
    vote_key,
)
from govchain.contracts.gov.txs import WITHDRAW_TX_TYPE, ProposeArgs, VoteArgs, proposal_id_of
from govchain.contracts.registry.records import MemberRecord
from govchain.contracts.registry.state import MEMBERS, list_count, read_member
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["propose_handler", "read_proposal", "vote_handler", "withdraw_handler"]


def _admin_member(ctx: TxContext, address: bytes, codes: list[str]) -> MemberRecord | None:
    """The active member among ``codes`` whose admins include ``address``."""
    for code in codes:
        member = read_member(ctx.get, code)
        if member is not None and member.status == "active" and address in member.admins:
            return member
    return None


def _electorate(ctx: TxContext, orgs: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    chosen = []
    for index in range(list_count(ctx.get, MEMBERS)):
        raw = ctx.get(MEMBERS.item_key(index))
        assert raw is not None, "the members list has a hole"
        member = read_member(ctx.get, raw.decode("ascii"))
        if member is not None and member.status == "active" and (not orgs or member.code in orgs):
            chosen.append((member.code, member.weight))
    return tuple(sorted(chosen))


def _rate(ctx: TxContext, name: str) -> str:
    value = read_param(ctx.get, name)
    value = DEFAULT_PARAMS[name] if value is None else value
    assert isinstance(value, str), f"parameter {name} is a rate"
    return value


def read_proposal(ctx: TxContext, proposal_id: int) -> Proposal:
    """Proposal ``proposal_id``; ContractError when there is none."""
    raw = ctx.get(proposal_key(proposal_id))
    if raw is None:
        raise ContractError(f"proposal {proposal_id} does not exist")
    return Proposal.from_stored(raw)


def _dry_run(action: Action, ctx: TxContext, args: dict[str, object]) -> None:
    """Run ``action`` against the current state and throw its writes away."""
    scratch = TxContext(ctx.height, ctx.time, ctx.tx_hash, ctx.get, {})
    action(scratch, args)


def propose_handler(suite: CryptoSuite, actions: dict[str, Action]) -> Handler:
    """The handler of ``gov.propose``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ProposeArgs.from_args(tx.args)
        policy = read_policy(ctx.get, ACTION_PREFIX + args.action)
        if policy is None:
            raise ContractError(f"no policy for action {args.action!r}")
        if policy.rule == "FORBIDDEN":
            raise ContractError(f"action {args.action!r} is forbidden by policy")
        period = read_param(ctx.get, "proposal_period_max")
        period = DEFAULT_PARAMS["proposal_period_max"] if period is None else period
        assert isinstance(period, int)
        if not ctx.height < args.expiry_height <= ctx.height + period:
            raise ContractError(f"expiry_height must be in {ctx.height + 1}..{ctx.height + period}")
        electorate = _electorate(ctx, policy.orgs)
        if not electorate:
            raise ContractError("no active member may vote on this action")
        rule = policy.rule
        if rule.isdigit() and int(rule) > len(electorate):
            raise ContractError(
                f"rule {rule} needs more members than the {len(electorate)} who may vote"
            )
        proposer = records.address_of(suite, tx.sender)
        member = _admin_member(ctx, proposer, [code for code, _ in electorate])
        if member is None:
            raise ContractError("the proposer is not an admin of a member in the electorate")
        _dry_run(actions[args.action], ctx, args.args)
        proposal_id = last_proposal_id(ctx.get) + 1
        proposal = Proposal(
            proposal_id,
            args.action,
            args.args,
            args.reason,
            proposer,
            member.code,
            ctx.height,
            args.expiry_height,
            rule,
            electorate,
            _rate(ctx, "participate_rate"),
            _rate(ctx, "win_rate"),
        )
        proposal.validate()
        ctx.put(proposal_key(proposal_id), proposal.encode())
        ctx.put(proposal_count_key(), proposal_id.to_bytes(8, "big"))
        ctx.emit("gov.proposed", id=proposal_id, action=args.action, proposer=proposer)

    return handle


def _open(proposal: Proposal, height: int) -> None:
    state = proposal.state_at(height)
    if state == "expired":
        raise ContractError(f"proposal {proposal.id} expired at height {proposal.expiry_height}")
    if state != "open":
        raise ContractError(f"proposal {proposal.id} is {state}")


def vote_handler(suite: CryptoSuite, actions: dict[str, Action]) -> Handler:
    """The handler of ``gov.vote``: record the vote, then decide the proposal if it can be."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = VoteArgs.from_args(tx.args)
        proposal = read_proposal(ctx, args.id)
        _open(proposal, ctx.height)
        voter = records.address_of(suite, tx.sender)
        member = _admin_member(ctx, voter, [code for code, _ in proposal.electorate])
        if member is None:
            raise ContractError(f"not an admin of a member in the electorate of proposal {args.id}")
        if ctx.get(vote_key(args.id, member.code)) is not None:
            raise ContractError(f"member {member.code} already voted on proposal {args.id}")
        weight = proposal.weight_of(member.code)
        assert weight is not None
        ctx.put(vote_key(args.id, member.code), VoteRecord(voter, args.yes, ctx.height).encode())
        proposal = proposal.replace(
            yes=proposal.yes + (weight if args.yes else 0),
            no=proposal.no + (0 if args.yes else weight),
            voters=proposal.voters + 1,
            yes_members=proposal.yes_members + (1 if args.yes else 0),
        )
        ctx.emit("gov.voted", id=args.id, member=member.code, yes=args.yes)
        proposal = _decide(ctx, proposal, actions)
        proposal.validate()
        ctx.put(proposal_key(args.id), proposal.encode())

    return handle


def _decide(ctx: TxContext, proposal: Proposal, actions: dict[str, Action]) -> Proposal:
    tally = Tally(
        proposal.yes,
        proposal.no,
        proposal.yes_members,
        proposal.voters,
        proposal.total_weight,
        len(proposal.electorate),
    )
    rates = (proposal.rule, proposal.participate_rate, proposal.win_rate)
    if passes(*rates, tally):
        result = _execute(ctx, proposal, actions[proposal.action])
        state = "executed" if result == "" else "rejected"
    elif not can_still_pass(*rates, tally):
        state, result = "rejected", "it can no longer reach the votes it needs"
    else:
        return proposal
    ctx.emit("gov.decided", id=proposal.id, state=state)
    return proposal.replace(state=state, decided_height=ctx.height, result=result)


def _execute(ctx: TxContext, proposal: Proposal, action: Action) -> str:
    """Run the action in its own scratch context; keep its writes only when it succeeds."""
    scratch = TxContext(ctx.height, ctx.time, ctx.tx_hash, ctx.get, {})
    try:
        action(scratch, proposal.args)
    except ContractError as exc:
        return f"the action failed: {exc}"[:MAX_REASON]
    ctx.writes.update(scratch.writes)
    ctx.events.extend(scratch.events)
    return ""


def withdraw_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``gov.withdraw``: the proposer takes back an open proposal."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        if set(tx.args) != {"id"}:
            raise ContractError(f"{WITHDRAW_TX_TYPE} args: need exactly id")
        proposal = read_proposal(ctx, proposal_id_of(WITHDRAW_TX_TYPE, tx.args["id"]))
        _open(proposal, ctx.height)
        if records.address_of(suite, tx.sender) != proposal.proposer:
            raise ContractError(f"only the proposer may withdraw proposal {proposal.id}")
        withdrawn = proposal.replace(state="withdrawn", decided_height=ctx.height)
        ctx.put(proposal_key(proposal.id), withdrawn.encode())
        ctx.emit("gov.withdrawn", id=proposal.id)

    return handle
