"""Handlers of requests for grants: ask, answer, and the reminders of unanswered ones (F-C3).

docs/spec/grants.md, "grants.request, grants.answer, grants.remind". A
request is open until the holder (or its agent) answers it; each reminder
is a ``grants.remind`` tx that the chain accepts only once the request is
due, so reminders follow block heights, the same on every node.
"""

from __future__ import annotations

from dataclasses import replace

from govchain.contracts.grants.acting import acting_for, refuse, valid_asset
from govchain.contracts.grants.handlers import new_grant
from govchain.contracts.grants.records import ID_SIZE, GrantRequest
from govchain.contracts.grants.state import holder_requests, read_request, request_key
from govchain.contracts.grants.txs import AnswerArgs, GrantArgs, RemindArgs, RequestArgs
from govchain.contracts.state_lists import append_to_list
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = ["answer_handler", "remind_handler", "request_handler"]


def _open(ctx: TxContext, request_id: bytes) -> GrantRequest:
    request = read_request(ctx.get, request_id)
    if request is None:
        raise refuse("not_found", f"no request {request_id.hex()}")
    if request.status != "open":
        raise refuse("bad_status", f"request {request_id.hex()} is {request.status}")
    return request


def request_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.request``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = RequestArgs.from_args(tx.args)
        asset = valid_asset(ctx.get, args.asset)
        if args.remind_every < 1:
            raise refuse("invalid_args", "remind_every: at least one block")
        requester = records.address_of(suite, tx.sender)
        request = GrantRequest(
            ctx.tx_hash[:ID_SIZE], asset.content_id, asset.holder, requester, args.scope,
            args.purpose, args.matter, args.expires, args.remind_every, args.reminders, 0,
            ctx.height + args.remind_every, "open", b"", "", ctx.height,
        )  # fmt: skip
        request.validate()
        ctx.put(request_key(request.id), request.encode())
        append_to_list(ctx.get, ctx.put, holder_requests(asset.holder), request.id)
        ctx.emit("grants.requested", request=request.id, holder=asset.holder)

    return handle


def answer_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``grants.answer``: approving creates the grant in the same tx."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = AnswerArgs.from_args(tx.args)
        request = _open(ctx, args.request)
        asset = valid_asset(ctx.get, request.asset)
        sender = records.address_of(suite, tx.sender)
        acting = acting_for(ctx.get, sender, args.on_behalf, asset.holder, "grant", asset, ctx.time)
        if not args.approve:
            if not args.reason.strip():
                raise refuse("invalid_args", "reason: declining a request needs a reason")
            answered = replace(request, status="declined", reason=args.reason)
        else:
            if not args.envelope:
                raise refuse(
                    "invalid_args", "envelope: approving seals the data key to the requester"
                )
            grant_args = GrantArgs(
                asset.content_id, request.requester, request.scope, request.purpose,
                request.expires, args.uses, args.envelope, request.matter, args.on_behalf,
            )  # fmt: skip
            grant = new_grant(ctx, grant_args, asset, acting)
            answered = replace(request, status="approved", grant=grant.id)
        ctx.put(request_key(request.id), answered.encode())
        ctx.emit("grants.answered", request=request.id, status=answered.status)

    return handle


def remind_handler(_suite: CryptoSuite) -> Handler:
    """The handler of ``grants.remind``: one more reminder of a due request, or its lapse."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = RemindArgs.from_args(tx.args)
        request = _open(ctx, args.request)
        if ctx.height < request.next_reminder:
            raise refuse("not_due", f"the next reminder is due at height {request.next_reminder}")
        if request.reminded >= request.reminders:
            ctx.put(request_key(request.id), replace(request, status="lapsed").encode())
            ctx.emit("grants.lapsed", request=request.id)
            return
        count = request.reminded + 1
        reminded = replace(request, reminded=count, next_reminder=ctx.height + request.remind_every)
        ctx.put(request_key(request.id), reminded.encode())
        ctx.emit("grants.reminded", request=request.id, holder=request.holder, count=count)

    return handle
