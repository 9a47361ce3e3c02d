"""Routes of a regulator's reads with a purpose (docs/spec/console.md, "A regulator's reads").

A signed-in regulator whose scope covers a case or a tx sees the form on its
page (:func:`case_read_part`, :func:`tx_read_part`). ``POST
/supervision/reads/prepare`` ``{target, id, purpose}`` answers the unsigned
``grants.use`` (kept for this session, as a governance vote is) and the
signature base of the read the node will serve against it; ``POST
/supervision/reads/submit`` ``{pending, signature, read}`` attaches and
checks the tx signature, submits, waits for the commit, makes the read with
the browser's signature and answers the HTML of what was read, checked
against the genesis. A refusal answers ``{"error": words}`` (the chain's or
the node's code in words). Nothing of a read is logged: not the purpose,
not the ids, not what came back.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from govchain.console.browser_signatures import (
    BrowserSignature,
    BrowserSignedReads,
    MissingSignatureError,
)
from govchain.console.catalogue import language_of, text
from govchain.console.chain_reader import CaseView, TxView
from govchain.console.locker_reader import ReadRefusedError
from govchain.console.markup import Html
from govchain.console.pages_scoped import code_words, read_form, scoped_fragment
from govchain.console.routes_access import (
    AccessDeniedError,
    ConsoleAccess,
    json_body,
    refuse,
    require_session,
)
from govchain.console.scoped_reads import ScopedReader, record_read_unsigned
from govchain.console.sessions import Identity, Session
from govchain.console.tx_prep import PreparationError, attach_signature
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.crypto import suite_for
from govchain.ledger import records
from govchain.types.errors import GovChainError

__all__ = ["case_read_part", "install_scoped_reads", "tx_read_part"]

log = logging.getLogger("govchain.console")

MAX_PURPOSE = 256
_IDS = {"case": re.compile(r"[0-9a-f]{32}"), "tx": re.compile(r"[0-9a-f]{64}")}


def _lang(request: Request) -> str:
    return language_of(getattr(request.state, "lang", None))


def _regulator_of(request: Request) -> Identity | None:
    """The signed-in identity when it is a regulator (no session, or another role: None)."""
    session: Session | None = getattr(request.state, "session", None)
    if session is None or not session.identity.regulator:
        return None
    return session.identity


def case_read_part(request: Request, reader: ScopedReader | None, view: CaseView) -> Html:
    """The read form for a case page: only for a regulator whose scope covers the case."""
    who = _regulator_of(request)
    if reader is None or who is None:
        return Html("")
    try:
        scope = reader.scope(who.address)
        covered = scope is not None and reader.covers_case(scope, view)
    except GovChainError as exc:
        log.warning("console: a regulator's scope could not be read (%s)", exc.code)
        return Html("")
    return read_form(_lang(request), "case", str(view.case["id"])) if covered else Html("")


def tx_read_part(request: Request, reader: ScopedReader | None, view: TxView) -> Html:
    """The read form for a tx page: only for a regulator whose scope covers the tx."""
    who = _regulator_of(request)
    if reader is None or who is None or view.bundle is None:
        return Html("")
    try:
        scope = reader.scope(who.address)
        covered = scope is not None and reader.covers_tx(scope, view.bundle)
    except GovChainError as exc:
        log.warning("console: a regulator's scope could not be read (%s)", exc.code)
        return Html("")
    return read_form(_lang(request), "tx", view.tx_hash) if covered else Html("")


def _asked(body: dict[str, Any]) -> tuple[str, bytes, str]:
    target, ident, purpose = body.get("target"), body.get("id"), body.get("purpose")
    if target not in _IDS:
        raise PreparationError("target must be case or tx")
    if not isinstance(ident, str) or not _IDS[str(target)].fullmatch(ident):
        digits = 32 if target == "case" else 64
        raise PreparationError(f"a {target} id is {digits} lowercase hex digits")
    if not isinstance(purpose, str) or not purpose.strip() or len(purpose) > MAX_PURPOSE:
        raise PreparationError(f"a purpose of 1 to {MAX_PURPOSE} characters is needed")
    return str(target), bytes.fromhex(ident), purpose.strip()


def _regulator(request: Request) -> tuple[Session, Identity]:
    session = require_session(request)
    if not session.identity.regulator:
        raise AccessDeniedError("scoped.not_regulator")
    return session, session.identity


def _browser_read(body: dict[str, Any]) -> BrowserSignature:
    read = body.get("read")
    if not isinstance(read, dict):
        raise MissingSignatureError("read is {created, nonce, signature}")
    return BrowserSignature(read.get("created"), read.get("nonce"), read.get("signature"))  # type: ignore[arg-type]


def install_scoped_reads(app: FastAPI, reader: ScopedReader, access: ConsoleAccess) -> None:
    """Add the two routes of a regulator's read with a purpose to ``app``."""
    actions = access.actions

    @app.post("/supervision/reads/prepare")
    async def prepare(request: Request) -> Response:
        session, who = _regulator(request)
        lang = _lang(request)
        try:
            target, target_id, purpose = _asked(await json_body(request))
            scope = await run_in_threadpool(reader.scope, who.address)
            if scope is None:
                return refuse(403, text(lang, "scoped.not_regulator"))
            holder = b""
            if target == "tx":
                holder = await run_in_threadpool(reader.sender_of, target_id)
            head = await run_in_threadpool(actions.head)
            tx = record_read_unsigned(who.public_key, head.chain_id, head.height, scope.id,
                                      (target, target_id), holder, purpose)  # fmt: skip
            use_tx = records.tx_hash(suite_for(head.suite), tx)
            read = reader.read_to_sign(bytes.fromhex(who.address), use_tx)
        except ReadRefusedError as exc:
            return refuse(403, text(lang, "scoped.refused", reason=code_words(lang, exc.code)))
        except (PreparationError, ValueError) as exc:
            return refuse(400, str(exc))
        pending = access.pending.put(session.id, tx, f"/{target}s/{target_id.hex()}")
        return JSONResponse(
            {"pending": pending.id, "signing_bytes": pending.signing_bytes.hex(),
             "read": read.to_json()},
            headers={"cache-control": "no-store"},
        )  # fmt: skip

    @app.post("/supervision/reads/submit")
    async def submit(request: Request) -> Response:
        session, who = _regulator(request)
        lang = _lang(request)
        try:
            body = await json_body(request)
            given = _browser_read(body)
            pending = access.pending.take(body.get("pending"), session.id)
            if pending.tx.type != RecordReadArgs.TX_TYPE:
                raise PreparationError("that prepared tx is not a regulator's read")
            signed = attach_signature(who.suite, pending.tx, body.get("signature"))
            suite = suite_for(who.suite)
            use_tx = records.tx_hash(suite, signed)
            signer = BrowserSignedReads(
                suite, bytes.fromhex(who.address), {reader.read_url(use_tx): given}
            )
        except (PreparationError, MissingSignatureError, ValueError) as exc:
            return refuse(400, str(exc))
        try:
            done = await run_in_threadpool(actions.submit, signed)
        except GovChainError as exc:
            log.warning("console: a regulator's read was not committed (%s)", exc.code)
            return refuse(502, text(lang, "act.chain_refused", reason=exc.code))
        if done.receipt.status != 0:
            code = done.receipt.error.partition(":")[0] or "refused"
            log.info("console: a regulator's read was refused by the chain (%s)", code)
            return refuse(409, text(lang, "scoped.refused", reason=code_words(lang, code)))
        try:
            answer = await run_in_threadpool(reader.read, use_tx, signer)
        except ReadRefusedError as exc:
            log.info("console: a regulator's read was refused by the node (%s)", exc.code)
            words = code_words(lang, exc.code)
            return refuse(403, text(lang, "scoped.node_refused", reason=words))
        except GovChainError as exc:
            log.warning("console: a regulator's read could not be made (%s)", exc.code)
            return refuse(503, text(lang, "scoped.node_refused", reason=exc.code))
        return HTMLResponse(scoped_fragment(lang, answer), headers={"cache-control": "no-store"})
