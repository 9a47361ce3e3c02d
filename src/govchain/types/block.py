"""Block headers and blocks (F-A4): every commitment a light client checks."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.types.commit import Commit
from govchain.types.errors import ValidationError
from govchain.types.fields import (
    CHAIN_ID_PATTERN,
    check_bytes,
    check_hash,
    check_list,
    check_text,
    check_uint,
    fields_of,
)
from govchain.types.tx import Tx
from govchain.types.validators import ADDRESS_SIZE

MAX_BLOCK_TXS = 10_000

HEADER_FIELDS = (
    "chain_id",
    "height",
    "time",
    "prev_hash",
    "tx_root",
    "state_root",
    "receipts_root",
    "history_root",
    "validators_hash",
    "next_validators_hash",
    "proposer",
    "last_commit_hash",
)


@dataclass(frozen=True, slots=True)
class Header:
    """A block header. Its hash is the block's hash.

    - ``time``: BFT time in milliseconds since the Unix epoch (F-A6).
    - ``prev_hash``/``last_commit_hash``: ``b""`` at height 1, else 32 bytes.
    - ``tx_root``/``receipts_root``: RFC 6962 roots over the block's txs and receipts.
    - ``state_root``: the state tree root after this block's txs.
    - ``history_root``: the history log root over the hashes of blocks
      ``1 .. height - 1`` (a header cannot commit to its own hash).
    """

    chain_id: str
    height: int
    time: int
    prev_hash: bytes
    tx_root: bytes
    state_root: bytes
    receipts_root: bytes
    history_root: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    proposer: bytes
    last_commit_hash: bytes

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("header.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if check_uint("header.height", self.height) == 0:
            raise ValidationError("header.height: heights start at 1")
        check_uint("header.time", self.time)
        first = self.height == 1
        for name in ("prev_hash", "last_commit_hash"):
            value = getattr(self, name)
            check_hash(f"header.{name}", value, allow_empty=first)
            if first and value:
                raise ValidationError(f"header.{name}: must be empty at height 1")
        for name in ("tx_root", "state_root", "receipts_root", "history_root"):
            check_hash(f"header.{name}", getattr(self, name))
        check_hash("header.validators_hash", self.validators_hash)
        check_hash("header.next_validators_hash", self.next_validators_hash)
        check_bytes("header.proposer", self.proposer, size=ADDRESS_SIZE)

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {name: getattr(self, name) for name in HEADER_FIELDS}

    @classmethod
    def from_cbor(cls, obj: object) -> Header:
        """Build and validate from a decoded map."""
        header = cls(**fields_of("header", obj, HEADER_FIELDS))
        header.validate()
        return header


@dataclass(frozen=True, slots=True)
class Block:
    """A header, its txs in order, and the commit certificate of the previous block."""

    header: Header
    txs: tuple[Tx, ...]
    last_commit: Commit | None

    def validate(self) -> None:
        """Raise ValidationError if the block is malformed (commitments are the ledger's job)."""
        self._validate(txs_checked=False)

    def _validate(self, *, txs_checked: bool) -> None:
        """``validate``; ``txs_checked``: each tx was validated as it was built."""
        self.header.validate()
        if len(self.txs) > MAX_BLOCK_TXS:
            raise ValidationError(f"block.txs: more than {MAX_BLOCK_TXS} txs")
        for tx in self.txs:
            if not txs_checked:
                tx.validate()
            if tx.chain_id != self.header.chain_id:
                raise ValidationError("block.txs: a tx is for another chain")
        if (self.last_commit is None) != (self.header.height == 1):
            raise ValidationError("block.last_commit: required above height 1, absent at 1")
        if self.last_commit is not None:
            self.last_commit.validate()
            if self.last_commit.height != self.header.height - 1:
                raise ValidationError("block.last_commit: not for the previous height")
            if self.last_commit.block_hash != self.header.prev_hash:
                raise ValidationError("block.last_commit: not for the previous block")

    @classmethod
    def assemble(cls, header: Header, txs: tuple[Tx, ...], last_commit: Commit | None) -> Block:
        """A block of txs that were each validated already (a pool's); the rest is validated."""
        block = cls(header, txs, last_commit)
        block._validate(txs_checked=True)
        return block

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "header": self.header.to_cbor(),
            "txs": [tx.to_cbor() for tx in self.txs],
            "last_commit": None if self.last_commit is None else self.last_commit.to_cbor(),
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Block:
        """Build and validate from a decoded map."""
        data = fields_of("block", obj, ("header", "txs", "last_commit"))
        items = check_list("block.txs", data["txs"], max_items=MAX_BLOCK_TXS)
        last = data["last_commit"]
        block = cls(
            header=Header.from_cbor(data["header"]),
            txs=tuple(Tx.from_cbor(item) for item in items),  # each validated as it is built
            last_commit=None if last is None else Commit.from_cbor(last),
        )
        block._validate(txs_checked=True)
        return block
