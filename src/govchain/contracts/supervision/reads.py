"""Reads of ``supervision``: a regulator's scope with its proof, and the list of scopes."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.grants.records import Usage
from govchain.contracts.grants.state import usage_key
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.registry.certs import read_cert
from govchain.contracts.supervision.record_reads import READ_WINDOW, case_basis, tx_in_scope
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.scope import case_in_scope
from govchain.contracts.supervision.state import REGULATORS, read_scope, scope_key
from govchain.contracts.workflow.records import Case
from govchain.contracts.workflow.state import case_key
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import LedgerCorruptError

__all__ = [
    "SCOPES_PAGE_MAX",
    "ProvenScope",
    "ReadRefusal",
    "ScopedRead",
    "scope_with_fact",
    "scoped_read",
    "scopes_page",
]

SCOPES_PAGE_MAX = 100


@dataclass(frozen=True, slots=True)
class ProvenScope:
    """A regulator's scope (None: none) and the fact of its key."""

    scope: RegulatorScope | None
    proven: ProvenValue


def scope_with_fact(reader: ProvingReader, regulator: bytes) -> ProvenScope:
    """The scope of ``regulator`` with the state fact of its key."""
    proven = prove_key(reader, scope_key(regulator))
    scope = None if proven.value is None else RegulatorScope.from_stored(proven.value)
    return ProvenScope(scope, proven)


def scopes_page(reader: ProvingReader, start: int) -> tuple[list[RegulatorScope], int | None]:
    """The scopes from ``start``, in the order first set, and the next page's start."""
    addresses, following = list_page(reader, REGULATORS, start, SCOPES_PAGE_MAX)
    found = []
    for address in addresses:
        scope = read_scope(reader.get, address)
        if scope is None:
            raise LedgerCorruptError(f"supervision: listed regulator {address.hex()} has no scope")
        found.append(scope)
    return found, following


@dataclass(frozen=True, slots=True)
class ReadRefusal:
    """Why a regulator's read is not served: an API error code and a reason (ids only)."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScopedRead:
    """What a regulator's usage record of a case or a tx serves: the record with its fact, and
    the case with its fact or the tx with its receipt bundle."""

    usage: Usage
    usage_fact: ProvenValue
    case: Case | None = None
    case_fact: ProvenValue | None = None
    tx: TxReceiptBundle | None = None
    sender: bytes = b""


def _tx_sender(reader: ProvingReader, bundle: TxReceiptBundle) -> bytes:
    tx = bundle.tx
    if tx.sender_kind == "key":
        return records.address_of(reader.suite, tx.sender)
    cert = read_cert(reader.get, tx.sender)
    return b"" if cert is None else cert.address


def _refusal(reader: ProvingReader, usage: Usage | None, signer: bytes) -> ReadRefusal | None:
    if usage is None or not usage.target:
        return ReadRefusal("not_found", "the tx made no usage record of a case or a tx")
    if usage.reader != signer:
        return ReadRefusal("permission_denied", "the usage record names another reader")
    scope = read_scope(reader.get, usage.reader)
    if scope is None or scope.status != "active" or scope.id != usage.via_id:
        return ReadRefusal("not_in_scope", "the record's scope is no longer the reader's")
    if reader.height - usage.height > READ_WINDOW:
        return ReadRefusal(
            "use_stale", f"the record is over {READ_WINDOW} blocks old: send a new one"
        )
    return None


def scoped_read(reader: ProvingReader, use_tx: bytes, signer: bytes) -> ScopedRead | ReadRefusal:
    """Serve the case or tx a regulator's usage record ``use_tx`` names to ``signer``, or say
    why not (docs/spec/supervision.md, "Reading cases and transactions")."""
    proven = prove_key(reader, usage_key(use_tx))
    usage = None if proven.value is None else Usage.from_stored(proven.value)
    refusal = _refusal(reader, usage, signer)
    if refusal is not None:
        return refusal
    assert usage is not None
    scope = read_scope(reader.get, usage.reader)
    assert scope is not None
    if usage.target == "case":
        case_fact = prove_key(reader, case_key(usage.target_id))
        if case_fact.value is None:
            raise LedgerCorruptError(f"supervision: read case {usage.target_id.hex()} is missing")
        case: Case = Case.from_stored(case_fact.value)
        if not case_in_scope(scope, *case_basis(reader.get, case)):
            return ReadRefusal("not_in_scope", f"case {case.id.hex()} is not in this scope")
        return ScopedRead(usage, proven, case=case, case_fact=case_fact)
    bundle = reader.tx_receipt(usage.target_id)
    if bundle is None:
        return ReadRefusal("not_found", f"no tx {usage.target_id.hex()} on this node")
    sender = _tx_sender(reader, bundle)
    if sender != usage.holder:
        return ReadRefusal("not_in_scope", "the tx's sender is not the holder the record names")
    if not tx_in_scope(reader.get, scope, sender, bundle.tx.args):
        return ReadRefusal("not_in_scope", f"tx {usage.target_id.hex()} is not in this scope")
    return ScopedRead(usage, proven, tx=bundle, sender=sender)
