"""A regulator's reads of cases and txs from the console, recorded as usage records
(docs/spec/console.md, "A regulator's reads"; docs/spec/supervision.md, F-E1).

The console does what :class:`govchain.client.supervision.RegulatorClient`
does, with the regulator's signatures made in the browser: it prepares the
``grants.use`` naming the case (or the tx and its sender) through the
regulator's scope (:func:`record_read_unsigned`), and the signature base of
the read the node serves against that record
(``GET /v1/supervision/reads/{use_tx}``, whose hash is known before the
commit). Once the browser signed both and the tx committed, it makes the
read (:meth:`ScopedReader.read`) and checks what came back against the
genesis (:func:`govchain.client.supervision.verify_scoped_read`). Whether a
scope covers a case or a tx is decided here as the chain decides it, so a
page offers the read only where the chain would record it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.client.sdk import ApiError, NodeClient
from govchain.client.submission import EXPIRY_HEIGHTS
from govchain.client.supervision import verify_scoped_read
from govchain.console.browser_signatures import ReadSigner, ReadToSign, read_to_sign
from govchain.console.chain_reader import CaseView, OfflineCheck
from govchain.console.locker_reader import ReadRefusedError
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.contracts.signing import unsigned_tx
from govchain.crypto import CryptoSuite, suite_for
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis, Tx
from govchain.types.errors import GovChainError, ProofError

__all__ = [
    "READ_TARGETS",
    "RegulatorScopeView",
    "ScopedAnswer",
    "ScopedReader",
    "case_covered",
    "record_read_unsigned",
]

READ_TIMEOUT_S = 10.0
NONCE_BYTES = 32
READ_TARGETS = ("case", "tx")
"""What a regulator reads through a usage record from the console."""
MAX_NAMED_ASSETS = 2
"""A tx's args name at most these assets (``asset``, ``content_id``): the scope's own rule."""


@dataclass(frozen=True, slots=True)
class RegulatorScopeView:
    """A regulator's scope as ``GET /v1/regulators/{address}`` answers it."""

    id: bytes
    types: tuple[str, ...]
    departments: tuple[str, ...]
    matters: tuple[str, ...]
    status: str

    @classmethod
    def from_json(cls, scope: dict[str, Any]) -> RegulatorScopeView:
        """The scope from the node's JSON."""
        return cls(
            bytes.fromhex(str(scope["id"])),
            tuple(str(t) for t in scope.get("types", ())),
            tuple(str(d) for d in scope.get("departments", ())),
            tuple(str(m) for m in scope.get("matters", ())),
            str(scope.get("status", "")),
        )

    @property
    def active(self) -> bool:
        """True while the scope lets the regulator read."""
        return self.status == "active"


def case_covered(
    scope: RegulatorScopeView, process: dict[str, Any], steps: Sequence[dict[str, Any]]
) -> bool:
    """The chain's rule: an active scope holds a case one of whose process version's steps is
    of a matter in ``matters``, or one of whose steps is of a department in ``departments``."""
    matters = {str(s.get("matter", "")) for s in process.get("steps", ()) if isinstance(s, dict)}
    departments = {str(s.get("department", "")) for s in steps}
    return scope.active and bool(
        matters & set(scope.matters) or departments & set(scope.departments)
    )


def record_read_unsigned(
    public_key: bytes,
    chain_id: str,
    height: int,
    scope_id: bytes,
    target: tuple[str, bytes],
    holder: bytes,
    purpose: str,
) -> Tx:
    """The unsigned ``grants.use`` ``RegulatorClient.read_case`` / ``read_tx`` sends: naming
    the case, or the tx and its sender ``holder``, through the scope ``scope_id``."""
    kind, target_id = target
    named = {"case": target_id} if kind == "case" else {"tx": target_id, "holder": holder}
    given = RecordReadArgs("view", purpose, {"scope": scope_id}, **named)
    args = RecordReadArgs.from_args(given.to_args())
    args.target()
    return unsigned_tx(
        public_key, chain_id, RecordReadArgs.TX_TYPE, dict(args.to_args()), os.urandom(16),
        height + EXPIRY_HEIGHTS,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScopedAnswer:
    """What the node served against a usage record, and the offline check of it."""

    use_tx: str
    usage: dict[str, Any]
    case: dict[str, Any] | None
    tx: dict[str, Any] | None
    check: OfflineCheck


class ScopedReader:
    """A regulator's reads over the nodes ``urls``: public reads from any node that answers,
    the signed read from the first (a signature covers the node's authority)."""

    def __init__(
        self,
        urls: Sequence[str],
        ca_bundle: Path | None,
        genesis: Genesis | None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._any = NodeClient(
            list(urls), ca_bundle=ca_bundle, timeout_s=READ_TIMEOUT_S, transport=transport
        )
        self._signed_node = urls[0].rstrip("/")
        verify: bool | str = str(ca_bundle) if ca_bundle is not None else True
        self._http = httpx.Client(timeout=READ_TIMEOUT_S, transport=transport, verify=verify)
        self._genesis = genesis
        self._clock = clock
        self._random = random_bytes
        self._suite: CryptoSuite | None = None

    def suite(self) -> CryptoSuite:
        """The chain's suite, as a node's status names it (asked once)."""
        if self._suite is None:
            self._suite = suite_for(str(self._any.status().get("suite", "gm")))
        return self._suite

    def close(self) -> None:
        """Release the connection pools."""
        self._any.close()
        self._http.close()

    def scope(self, address: str) -> RegulatorScopeView | None:
        """The scope of the account ``address`` (hex), None when it is no regulator."""
        try:
            shown = self._any.get_json(f"/v1/regulators/{address}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return RegulatorScopeView.from_json(dict(shown["scope"]))

    def covers_case(self, scope: RegulatorScopeView, view: CaseView) -> bool:
        """Whether the scope holds the case on the page."""
        return case_covered(scope, view.process, view.steps)

    def covers_tx(self, scope: RegulatorScopeView, bundle: TxReceiptBundle) -> bool:
        """The node's rule for a tx read: a key-sent tx whose sender's member is in
        ``departments``, or whose args name an asset or a case in the scope."""
        if not scope.active or bundle.tx.sender_kind != "key":
            return False
        sender = records.address_of(self.suite(), bundle.tx.sender).hex()
        account = self._public(f"/v1/accounts/{sender}").get("account") or {}
        if str(account.get("org") or "") in scope.departments:
            return True
        args = bundle.tx.args
        for name in ("asset", "content_id")[:MAX_NAMED_ASSETS]:
            value = args.get(name)
            if isinstance(value, bytes) and len(value) == 16:
                asset = self._public(f"/v1/assets/{value.hex()}").get("asset") or {}
                if asset.get("type") in scope.types or asset.get("issuer") in scope.departments:
                    return True
        case_id = args.get("case")
        if isinstance(case_id, bytes) and len(case_id) == 16:
            shown = self._public(f"/v1/cases/{case_id.hex()}")
            return bool(shown) and case_covered(
                scope, dict(shown.get("process") or {}), list(shown.get("steps", []))
            )
        return False

    def sender_of(self, tx_hash: bytes) -> bytes:
        """The address of the account that sent a committed, key-sent tx (the read's holder);
        ReadRefusedError otherwise."""
        found = self._any.tx(tx_hash)
        if found.receipt is None:
            raise ReadRefusedError("not_found", "the tx is not committed on this node")
        bundle = TxReceiptBundle.from_json(found.receipt)
        if bundle.tx.sender_kind != "key":
            raise ReadRefusedError("invalid_args", "a tx sent under a certificate is not read")
        return records.address_of(self.suite(), bundle.tx.sender)

    def read_url(self, use_tx: bytes) -> str:
        """The URL of the read the node serves against the usage record ``use_tx``."""
        return f"{self._signed_node}/v1/supervision/reads/{use_tx.hex()}"

    def read_to_sign(self, address: bytes, use_tx: bytes) -> ReadToSign:
        """The read of ``use_tx``'s record as ``address`` signs it in the browser: now, with
        a fresh nonce."""
        url = self.read_url(use_tx)
        created = int(self._clock())
        return read_to_sign(self.suite(), address, url, created, self._random(NONCE_BYTES))

    def read(self, use_tx: bytes, signer: ReadSigner) -> ScopedAnswer:
        """The node's answer to the signed read of ``use_tx``'s record, checked against the
        genesis (when the console has one); ReadRefusedError with the node's code."""
        url = self.read_url(use_tx)
        try:
            answer = self._http.get(url, headers=signer.headers("GET", url))
        except httpx.HTTPError as exc:
            raise ReadRefusedError("node_unreachable", type(exc).__name__) from exc
        body = _answer(answer)
        check = OfflineCheck("unavailable")
        if self._genesis is not None:
            try:
                verify_scoped_read(self._genesis, body)
                check = OfflineCheck("passed")
            except ProofError as exc:
                check = OfflineCheck("failed", exc.check, str(exc))
            except (GovChainError, KeyError, ValueError, TypeError) as exc:
                check = OfflineCheck("failed", "format", type(exc).__name__)
        case = body.get("case")
        tx = body.get("tx")
        return ScopedAnswer(
            use_tx.hex(),
            dict(body.get("usage") or {}),
            dict(case) if isinstance(case, dict) else None,
            dict(tx) if isinstance(tx, dict) else None,
            check,
        )

    def _public(self, path: str) -> dict[str, Any]:
        try:
            return self._any.get_json(path)
        except ApiError as exc:
            if exc.status == 404:
                return {}
            raise


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        code = str(error.get("code")) if isinstance(error, dict) else f"http_{response.status_code}"
        raise ReadRefusedError(code, "the node did not serve the read")
    return body
