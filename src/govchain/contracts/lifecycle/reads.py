"""Reads of ``contracts`` over a proving reader (docs/spec/contracts.md, "Reads").

Every answer carries its proof: a contract, its versions, their reviews and
test records each come with the state fact of their key
(``govchain.client.verify.verify_state_fact`` checks it against the genesis
alone); a history entry comes with the receipt bundle of the tx that made
the step (``verify_tx_receipt``). The arguments are the router's to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.lifecycle.params import ContractParams, read_params
from govchain.contracts.lifecycle.records import (
    ContractRecord,
    HistoryEntry,
    ReviewVote,
    TestRecord,
    VersionRecord,
)
from govchain.contracts.lifecycle.state import (
    CONTRACTS,
    contract_key,
    history_keys,
    tested_key,
    version_key,
    vote_key,
)
from govchain.contracts.proving_reader import ProvingReader
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types.errors import LedgerCorruptError

__all__ = [
    "CONTRACTS_PAGE_MAX",
    "HISTORY_PAGE_MAX",
    "VERSIONS_SHOWN",
    "ContractPage",
    "ContractView",
    "HistoryPage",
    "ProvenContract",
    "ProvenStep",
    "VersionView",
    "contract_view",
    "contracts_page",
    "history_page",
    "params_now",
]

CONTRACTS_PAGE_MAX = 25
HISTORY_PAGE_MAX = 25
VERSIONS_SHOWN = 8
"""The newest versions one contract read shows, each with its reviews and test record."""


@dataclass(frozen=True, slots=True)
class ProvenContract:
    """A contract record with the state fact of its key."""

    contract: ContractRecord
    proven: ProvenValue


@dataclass(frozen=True, slots=True)
class ContractPage:
    """Contracts in submission order from one index, and the next page's index."""

    contracts: tuple[ProvenContract, ...]
    next_index: int | None


@dataclass(frozen=True, slots=True)
class VersionView:
    """A version with its proof, its members' reviews and its test record, each proven."""

    version: VersionRecord
    proven: ProvenValue
    reviews: tuple[tuple[ReviewVote, ProvenValue], ...]
    test: tuple[TestRecord, ProvenValue] | None


@dataclass(frozen=True, slots=True)
class ContractView:
    """One contract (None: no such id) with its newest versions, newest first."""

    contract: ContractRecord | None
    proven: ProvenValue
    versions: tuple[VersionView, ...]


@dataclass(frozen=True, slots=True)
class ProvenStep:
    """A history entry with the receipt bundle of the tx that made it."""

    index: int
    entry: HistoryEntry
    receipt: TxReceiptBundle


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """History entries of a contract, oldest first, and the next page's index."""

    contract: bytes
    steps: tuple[ProvenStep, ...]
    next_index: int | None


def contracts_page(reader: ProvingReader, start: int, limit: int) -> ContractPage:
    """Up to ``limit`` contracts from index ``start``, each proven."""
    assert 1 <= limit <= CONTRACTS_PAGE_MAX, f"page limit {limit}"
    ids, following = list_page(reader, CONTRACTS, start, limit)
    found = []
    for contract in ids:
        proven = prove_key(reader, contract_key(contract))
        if proven.value is None:
            raise LedgerCorruptError(f"contracts: listed contract {contract.hex()} has no record")
        found.append(ProvenContract(ContractRecord.from_stored(proven.value), proven))
    return ContractPage(tuple(found), following)


def _version_view(reader: ProvingReader, contract: bytes, number: int) -> VersionView:
    proven = prove_key(reader, version_key(contract, number))
    if proven.value is None:
        raise LedgerCorruptError(f"contracts: version {number} of {contract.hex()} is missing")
    version: VersionRecord = VersionRecord.from_stored(proven.value)
    reviews = []
    for member in version.electorate:
        vote = prove_key(reader, vote_key(contract, number, member))
        if vote.value is not None:
            reviews.append((ReviewVote.from_stored(vote.value), vote))
    test = prove_key(reader, tested_key(contract, number))
    tested = None if test.value is None else (TestRecord.from_stored(test.value), test)
    return VersionView(version, proven, tuple(reviews), tested)


def contract_view(reader: ProvingReader, contract: bytes) -> ContractView:
    """A contract with its newest :data:`VERSIONS_SHOWN` versions, their reviews and tests."""
    proven = prove_key(reader, contract_key(contract))
    if proven.value is None:
        return ContractView(None, proven, ())
    record: ContractRecord = ContractRecord.from_stored(proven.value)
    oldest = max(1, record.versions - VERSIONS_SHOWN + 1)
    versions = tuple(
        _version_view(reader, contract, number) for number in range(record.versions, oldest - 1, -1)
    )
    return ContractView(record, proven, versions)


def history_page(reader: ProvingReader, contract: bytes, start: int, limit: int) -> HistoryPage:
    """Up to ``limit`` history entries of ``contract`` from ``start``, each with its receipt."""
    assert 1 <= limit <= HISTORY_PAGE_MAX, f"page limit {limit}"
    raws, following = list_page(reader, history_keys(contract), start, limit)
    steps = []
    for offset, raw in enumerate(raws):
        entry: HistoryEntry = HistoryEntry.from_stored(raw)
        bundle = reader.tx_receipt(entry.tx_hash)
        if bundle is None or bundle.header.height != entry.height:
            raise LedgerCorruptError(
                f"contracts: history entry {start + offset} names tx {entry.tx_hash.hex()} at "
                f"height {entry.height}, which the chain does not hold there"
            )
        steps.append(ProvenStep(start + offset, entry, bundle))
    return HistoryPage(contract, tuple(steps), following)


def params_now(reader: ProvingReader) -> ContractParams:
    """The parameters in force at the reader's height."""
    return read_params(reader.get)
