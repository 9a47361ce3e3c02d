"""A fake chain source and an in-memory blob store for the storage node's unit tests.

The chain source holds records as a chain node would prove them (the tests
of ``HttpChainSource`` prove them for real); the store checks hashes on read
as every backend must.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from govchain.codes.demo import demo_uscc
from govchain.contracts.registry.records import Account, MemberRecord
from govchain.crypto import CryptoSuite, SigningKey
from govchain.ledger.records import address_of
from govchain.storage.blobs import BlobCorruptError, BlobNotFoundError
from govchain.storage_node.access import BlobGrant
from govchain.storage_node.chain_source import ChainUnavailableError, ProvenUsage

ISSUER = demo_uscc(1)
OTHER_MEMBER = demo_uscc(2)


class MemoryBlobs:
    """A BlobStore in memory: the suite's hash names a blob; a read checks it."""

    def __init__(self, suite: CryptoSuite) -> None:
        self.suite = suite
        self.blobs: dict[bytes, bytes] = {}

    def put(self, data: bytes) -> bytes:
        digest = self.suite.hash(data)
        self.blobs[digest] = data
        return digest

    def get(self, digest: bytes) -> bytes:
        data = self.blobs.get(digest)
        if data is None:
            raise BlobNotFoundError(f"no blob {digest.hex()}")
        if self.suite.hash(data) != digest:
            raise BlobCorruptError(f"blob {digest.hex()} is corrupt")
        return data

    def has(self, digest: bytes) -> bool:
        return digest in self.blobs

    def delete(self, digest: bytes) -> None:
        self.blobs.pop(digest, None)

    def digests(self) -> Iterator[bytes]:
        return iter(list(self.blobs))


@dataclass
class FakeChain:
    """Proven records as a chain node gives them; ``down`` makes every read unavailable."""

    suite: CryptoSuite
    accounts: dict[bytes, Account] = field(default_factory=dict)
    members: dict[str, MemberRecord] = field(default_factory=dict)
    grants: dict[tuple[str, bytes], BlobGrant] = field(default_factory=dict)
    usages: dict[bytes, ProvenUsage] = field(default_factory=dict)
    down: bool = False
    reads: int = 0
    usage_reads: int = 0

    def account(self, address: bytes) -> Account | None:
        self._read()
        return self.accounts.get(address)

    def member(self, code: str) -> MemberRecord | None:
        self._read()
        return self.members.get(code)

    def grant(self, kind: str, key: bytes) -> BlobGrant | None:
        self._read()
        return self.grants.get((kind, key))

    def usage(self, tx_hash: bytes) -> ProvenUsage | None:
        self._read()
        self.usage_reads += 1
        return self.usages.get(tx_hash)

    def _read(self) -> None:
        self.reads += 1
        if self.down:
            raise ChainUnavailableError("no chain node gave a proven answer")

    def add_member(self, code: str, status: str = "active") -> MemberRecord:
        record = MemberRecord(code, f"member {code}", status, ("subject",), 1, (bytes(20),), (), 0)
        self.members[code] = record
        return record

    def add_account(
        self, key: SigningKey, kind: str, org: str = "", status: str = "active"
    ) -> Account:
        address = address_of(self.suite, key.public_key)
        roles = () if kind == "subject" else (kind,) if kind in ("admin", "client") else ()
        account = Account(address, key.public_key, kind, org, roles, status, 0)
        account.validate()
        self.accounts[address] = account
        return account
