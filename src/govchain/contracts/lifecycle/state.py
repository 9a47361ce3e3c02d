"""State keys of ``contracts`` and the reads and writes of its records.
::
    contracts/c/<id 16B>                 contract record
    contracts/name/<name>                the id of the contract of that name
    contracts/list/n, /<i 4B>            every contract id, in submission order
    contracts/v/<id>/<n 4B>              version n
    contracts/vote/<id>/<n 4B>/<code>    a member's review of version n
    contracts/test/<id>/<n 4B>           the test record of version n
    contracts/h/<id>/n, /<i 4B>          the contract's history entries
    contracts/code/<code hash>           module bytes, stored once
    contracts/s/<id>/<key>               the contract's own state (its host calls)
    contracts/params                     chain parameters (params.py)
    contracts/fuel                       fuel used in the block: height 8B || used 8B
"""

from __future__ import annotations

from collections.abc import Callable

from govchain.contracts.lifecycle.records import (
    ContractRecord,
    HistoryEntry,
    ReviewVote,
    TestRecord,
    VersionRecord,
)
from govchain.contracts.state_lists import ListKeys, append_to_list
from govchain.execution.registry import ReadState
from govchain.types.errors import ValidationError

__all__ = [
    "CONTRACTS",
    "CONTRACTS_KEY_PREFIX",
    "FUEL_KEY",
    "code_key",
    "contract_key",
    "history_keys",
    "name_key",
    "read_code",
    "read_contract",
    "read_fuel_used",
    "read_test_record",
    "read_version",
    "read_vote",
    "record_history",
    "state_prefix",
    "tested_key",
    "version_key",
    "vote_key",
]

CONTRACTS_KEY_PREFIX = b"contracts/"
CONTRACTS = ListKeys(CONTRACTS_KEY_PREFIX + b"list/")
FUEL_KEY = CONTRACTS_KEY_PREFIX + b"fuel"

Write = Callable[[bytes, bytes], None]


def contract_key(contract: bytes) -> bytes:
    """State key of a contract's record."""
    return CONTRACTS_KEY_PREFIX + b"c/" + contract


def name_key(name: str) -> bytes:
    """State key of the id of the contract named ``name``."""
    return CONTRACTS_KEY_PREFIX + b"name/" + name.encode("ascii")


def version_key(contract: bytes, number: int) -> bytes:
    """State key of version ``number`` of a contract."""
    return CONTRACTS_KEY_PREFIX + b"v/" + contract + b"/" + number.to_bytes(4, "big")


def vote_key(contract: bytes, number: int, member: str) -> bytes:
    """State key of member ``member``'s review of a version."""
    return (
        CONTRACTS_KEY_PREFIX + b"vote/" + contract + b"/" + number.to_bytes(4, "big") + b"/"
        + member.encode("ascii")
    )  # fmt: skip


def tested_key(contract: bytes, number: int) -> bytes:
    """State key of the test record of a version."""
    return CONTRACTS_KEY_PREFIX + b"test/" + contract + b"/" + number.to_bytes(4, "big")


def history_keys(contract: bytes) -> ListKeys:
    """The list of a contract's history entries."""
    return ListKeys(CONTRACTS_KEY_PREFIX + b"h/" + contract + b"/")


def code_key(code_hash: bytes) -> bytes:
    """State key of the module whose suite hash is ``code_hash``."""
    return CONTRACTS_KEY_PREFIX + b"code/" + code_hash


def state_prefix(contract: bytes) -> bytes:
    """The prefix of a contract's own keys: ``contracts/s/<id>/``."""
    return CONTRACTS_KEY_PREFIX + b"s/" + contract + b"/"


def read_contract(read: ReadState, contract: bytes) -> ContractRecord | None:
    """A contract's record, or None."""
    raw = read(contract_key(contract))
    if raw is None:
        return None
    record: ContractRecord = ContractRecord.from_stored(raw)
    return record


def read_version(read: ReadState, contract: bytes, number: int) -> VersionRecord:
    """Version ``number`` of a contract, which its record counts; ValidationError if missing."""
    raw = read(version_key(contract, number))
    if raw is None:
        raise ValidationError(f"contract {contract.hex()}: version {number} is missing")
    record: VersionRecord = VersionRecord.from_stored(raw)
    return record


def read_vote(read: ReadState, contract: bytes, number: int, member: str) -> ReviewVote | None:
    """A member's review of a version, or None."""
    raw = read(vote_key(contract, number, member))
    if raw is None:
        return None
    vote: ReviewVote = ReviewVote.from_stored(raw)
    return vote


def read_test_record(read: ReadState, contract: bytes, number: int) -> TestRecord | None:
    """The test record of a version, or None."""
    raw = read(tested_key(contract, number))
    if raw is None:
        return None
    record: TestRecord = TestRecord.from_stored(raw)
    return record


def read_code(read: ReadState, code_hash: bytes) -> bytes:
    """The module of a submitted version; ValidationError if the store lost it."""
    raw = read(code_key(code_hash))
    if raw is None:
        raise ValidationError(f"contracts: the code {code_hash.hex()} of a version is missing")
    return raw


def read_fuel_used(read: ReadState, height: int) -> int:
    """Fuel the calls of block ``height`` used so far (0 when none ran yet)."""
    raw = read(FUEL_KEY)
    if raw is None:
        return 0
    if len(raw) != 16:
        raise ValidationError(f"contracts fuel: expected 16 bytes, got {len(raw)}")
    if int.from_bytes(raw[:8], "big") != height:
        return 0
    return int.from_bytes(raw[8:], "big")


def record_history(read: ReadState, write: Write, contract: bytes, entry: HistoryEntry) -> None:
    """Append a step to a contract's history."""
    entry.validate()
    append_to_list(read, write, history_keys(contract), entry.encode())
