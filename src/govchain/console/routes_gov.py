"""Routes of governance and isolation (docs/spec/console.md, "Governance", "Isolation").

Reading needs no session: ``/governance`` and ``/governance/{id}``. Acting
does: a signed-in member admin asks the console to prepare a vote
(``POST /governance/{id}/vote/prepare``) or an isolation proposal from the
evidence and account pages (``POST /isolation/prepare``); the browser signs
the prepared tx's signing bytes and posts the signature
(``POST /governance/submit``); the console attaches and checks it, submits,
waits for the commit and for the index to reach it, and sends the page to
the proposal, which then shows the vote or the new proposal.
"""

from __future__ import annotations

import logging
import re
import time

from fastapi import FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from govchain.console.catalogue import language_of, text
from govchain.console.chain_reader import NotFoundError
from govchain.console.index_reader import IndexReader, IndexUnavailableError
from govchain.console.pages_gov import (
    account_page,
    evidence_page,
    governance_page,
    proposal_page,
)
from govchain.console.pages_scoped import usage_table
from govchain.console.routes_access import (
    AccessDeniedError,
    ConsoleAccess,
    json_body,
    refuse,
    require_session,
)
from govchain.console.sessions import Identity, Session
from govchain.console.tx_prep import (
    ISOLATION_ACTIONS,
    PendingTx,
    PreparationError,
    attach_signature,
    propose_unsigned,
    vote_unsigned,
)
from govchain.contracts.gov.txs import MAX_PROPOSAL_ID
from govchain.types.errors import GovChainError

__all__ = ["install_governance"]

log = logging.getLogger("govchain.console")

INDEX_WAIT_S = 15.0
"""How long a submission waits for the index to reach its commit (the page reads votes there)."""
MAX_REASON = 256
_CURSOR = re.compile(r"[0-9A-Za-z:_-]{1,64}")
_ADDRESS = re.compile(r"[0-9a-f]{40}")
_NODE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def _lang(request: Request) -> str:
    return language_of(getattr(request.state, "lang", None))


def _admin(request: Request) -> tuple[Session, Identity]:
    session = require_session(request)
    if not session.identity.may_govern:
        raise AccessDeniedError("act.not_admin")
    return session, session.identity


def _isolation_args(body: dict[str, object]) -> tuple[str, dict[str, object], str]:
    action, target, reason = body.get("action"), body.get("target"), body.get("reason")
    if action not in ISOLATION_ACTIONS:
        raise PreparationError(f"action must be one of {', '.join(ISOLATION_ACTIONS)}")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
        raise PreparationError(f"a reason of 1 to {MAX_REASON} characters is needed")
    reason = reason.strip()
    if action == "account.freeze":
        if not isinstance(target, str) or not _ADDRESS.fullmatch(target):
            raise PreparationError("the account is 40 lowercase hex digits")
        return str(action), {"address": bytes.fromhex(target), "reason": reason}, reason
    if not isinstance(target, str) or not _NODE_NAME.fullmatch(target):
        raise PreparationError("the node name is malformed")
    return str(action), {"name": target, "reason": reason}, reason


def _wait_for_index(index: IndexReader, height: int) -> None:
    """Until the index holds ``height`` (at most INDEX_WAIT_S; the page then says what the
    chain has, only the vote list may lag)."""
    deadline = time.monotonic() + INDEX_WAIT_S
    while time.monotonic() < deadline:
        try:
            if index.indexed_height() >= height:
                return
        except IndexUnavailableError:
            return
        time.sleep(0.2)


def _prepared(pending: PendingTx) -> JSONResponse:
    return JSONResponse({"pending": pending.id, "signing_bytes": pending.signing_bytes.hex()},
                        headers={"cache-control": "no-store"})  # fmt: skip


def install_governance(app: FastAPI, index: IndexReader, access: ConsoleAccess) -> None:
    """Add the governance and isolation pages and their signing routes to ``app``."""
    _install_pages(app, index, access)
    _install_signing(app, index, access)


def _install_pages(app: FastAPI, index: IndexReader, access: ConsoleAccess) -> None:
    actions = access.actions

    @app.get("/governance", response_class=HTMLResponse)
    def proposals(request: Request, cursor: str | None = Query(None, max_length=64)) -> str:
        if cursor is not None and not _CURSOR.fullmatch(cursor):
            raise NotFoundError("no such page of proposals")
        return governance_page(_lang(request), actions.proposals(cursor))

    @app.get("/governance/{proposal_id}", response_class=HTMLResponse)
    def proposal(
        request: Request, proposal_id: int = PathParam(..., ge=1, le=MAX_PROPOSAL_ID)
    ) -> str:
        record = actions.proposal(proposal_id)
        session: Session | None = request.state.session
        who = None if session is None else session.identity
        return proposal_page(_lang(request), record, index.votes(proposal_id), who)

    @app.get("/evidence", response_class=HTMLResponse)
    def evidence(request: Request) -> str:
        session = require_session(request)
        found = actions.evidence()
        nodes = actions.validator_nodes() if found else {}
        return evidence_page(_lang(request), found, nodes, session.identity)

    @app.get("/accounts")
    def account_lookup(address: str = Query(..., max_length=64)) -> Response:
        if not _ADDRESS.fullmatch(address):
            raise NotFoundError("an address is 40 lowercase hex digits")
        return RedirectResponse(f"/accounts/{address}", status_code=303)

    @app.get("/accounts/{address}", response_class=HTMLResponse)
    def account(request: Request, address: str) -> str:
        session = require_session(request)
        if not _ADDRESS.fullmatch(address):
            raise NotFoundError("an address is 40 lowercase hex digits")
        record = actions.account(address)
        usage, more = actions.holder_usage(address)
        lang = _lang(request)
        return account_page(lang, record, session.identity, usage_table(lang, usage, more))


def _install_signing(app: FastAPI, index: IndexReader, access: ConsoleAccess) -> None:
    actions = access.actions

    @app.post("/governance/{proposal_id}/vote/prepare")
    async def prepare_vote(
        request: Request, proposal_id: int = PathParam(..., ge=1, le=MAX_PROPOSAL_ID)
    ) -> Response:
        session, who = _admin(request)
        try:
            body = await json_body(request)
            if body.get("yes") not in ("yes", "no"):
                raise PreparationError("say yes or no")
            head = await run_in_threadpool(actions.head)
            tx = vote_unsigned(who.public_key, head.chain_id, head.height, proposal_id,
                               body["yes"] == "yes")  # fmt: skip
        except (PreparationError, ValueError) as exc:
            return refuse(400, str(exc))
        return _prepared(access.pending.put(session.id, tx, f"/governance/{proposal_id}"))

    @app.post("/isolation/prepare")
    async def prepare_isolation(request: Request) -> Response:
        session, who = _admin(request)
        try:
            body = await json_body(request)
            action, args, reason = _isolation_args(body)
            head = await run_in_threadpool(actions.head)
            tx = propose_unsigned(who.public_key, head.chain_id, head.height, action, args,
                                  reason)  # fmt: skip
        except (PreparationError, GovChainError, ValueError) as exc:
            return refuse(400, str(exc))
        return _prepared(access.pending.put(session.id, tx, "proposal"))

    @app.post("/governance/submit")
    async def submit(request: Request) -> Response:
        session, who = _admin(request)
        lang = _lang(request)
        try:
            body = await json_body(request)
            pending = access.pending.take(body.get("pending"), session.id)
            signed = attach_signature(who.suite, pending.tx, body.get("signature"))
        except (PreparationError, ValueError) as exc:
            return refuse(400, str(exc))
        try:
            done = await run_in_threadpool(actions.submit, signed)
        except GovChainError as exc:
            log.warning("console: %s by %s not committed: %s", signed.type, who.address, exc)
            return refuse(502, text(lang, "act.chain_refused", reason=exc.code))
        if done.receipt.status != 0:
            log.info("console: %s by %s refused: %s", signed.type, who.address, done.receipt.error)
            return refuse(409, text(lang, "act.chain_refused", reason=done.receipt.error))
        log.info("console: %s by %s committed (tx %s)", signed.type, who.address, done.tx_hash)
        await run_in_threadpool(_wait_for_index, index, done.height)
        target = pending.then
        if target == "proposal":
            proposed = done.event("gov.proposed") or {}
            target = f"/governance/{int(str(proposed.get('id', 0)))}"
        return JSONResponse({"next": target, "tx": done.tx_hash},
                            headers={"cache-control": "no-store"})  # fmt: skip
