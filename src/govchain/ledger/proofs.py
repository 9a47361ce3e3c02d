"""Proof objects a node hands out, their JSON forms, and how a chain view builds them.

The objects carry records as their canonical CBOR bytes (hex in JSON), so a
verifier hashes exactly what the chain hashed. Verifying them needs no node:
see ``govchain.client.verify``. JSON layouts are in docs/formats.md, section 6.

Receipts and state facts carry the validator-set transitions since genesis
(:class:`SetTransition`, one per change, oldest first), so a verifier that
trusts only the genesis walks from its set to the set that signed the
header (docs/spec/ledger.md, "Receipts across set changes").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.ledger import records
from govchain.ledger.chainstore import ChainView
from govchain.ledger.merkle import inclusion_proof
from govchain.ledger.statetree import StateProof
from govchain.ledger.statetree.errors import StateProofError
from govchain.ledger.statetree.proof import prove
from govchain.ledger.validator_sets import EFFECT_DELAY
from govchain.types import Commit, Header, Receipt, Tx
from govchain.types.errors import LedgerError, ProofError, ValidationError

TX_RECEIPT_FORMAT = "govchain/tx-receipt/v1"
STATE_FACT_FORMAT = "govchain/state-fact/v1"
MAX_PROOF_PATH = 64
MAX_TRANSITIONS = 4096
"""The most validator-set transitions a receipt or state fact may carry."""


def _hex(obj: dict[str, Any], name: str) -> bytes:
    text = obj.get(name)
    if not isinstance(text, str):
        raise ProofError(f"proof field {name!r}: expected a hex string", "format")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ProofError(f"proof field {name!r}: not hex", "format") from None


def _uint(obj: dict[str, Any], name: str) -> int:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProofError(f"proof field {name!r}: expected a non-negative integer", "format")
    return value


def _hex_list(obj: dict[str, Any], name: str) -> tuple[bytes, ...]:
    items = obj.get(name)
    if not isinstance(items, list) or len(items) > MAX_PROOF_PATH:
        raise ProofError(
            f"proof field {name!r}: expected at most {MAX_PROOF_PATH} hashes", "format"
        )
    return tuple(_hex({"h": item}, "h") for item in items)


def _object(
    obj: object, names: set[str], what: str, optional: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(obj, dict) or not names <= set(obj) <= names | optional:
        raise ProofError(f"{what}: expected an object with fields {sorted(names)}", "format")
    return obj


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """RFC 6962 audit path of leaf ``index`` in a tree of ``size`` leaves."""

    index: int
    size: int
    leaf_hash: bytes
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"index", "size", "leaf_hash", "proof"}`` with hex hashes."""
        return {
            "index": self.index,
            "size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "proof": [p.hex() for p in self.path],
        }

    @classmethod
    def from_json(cls, obj: object) -> InclusionProof:
        """Parse the JSON form; raise ProofError on a malformed object."""
        o = _object(obj, {"index", "size", "leaf_hash", "proof"}, "inclusion proof")
        return cls(_uint(o, "index"), _uint(o, "size"), _hex(o, "leaf_hash"), _hex_list(o, "proof"))


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """RFC 6962 proof that the history log of ``size1`` is a prefix of ``size2``."""

    size1: int
    size2: int
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"size1", "size2", "proof"}`` with hex hashes."""
        return {"size1": self.size1, "size2": self.size2, "proof": [p.hex() for p in self.path]}

    @classmethod
    def from_json(cls, obj: object) -> ConsistencyProof:
        """Parse the JSON form; raise ProofError on a malformed object."""
        o = _object(obj, {"size1", "size2", "proof"}, "consistency proof")
        return cls(_uint(o, "size1"), _uint(o, "size2"), _hex_list(o, "proof"))


@dataclass(frozen=True, slots=True)
class SetTransition:
    """The proof that the validator set changed at height ``start``, signed by the set before.

    ``announcing`` is header ``start - 1``: its ``next_validators_hash`` names
    the new set; ``commit`` is its commit certificate, signed by the set
    that voted on it (the one before). ``previous`` is header ``start - 2``,
    whose hash is ``announcing.prev_hash``; ``proof`` is the state proof of
    ``registry/validator_set`` against ``previous.state_root`` (the state
    after block ``start - 2``), and its value is the new set's canonical
    bytes. Checked by ``govchain.client.verify.verify_header``.
    """

    announcing: Header
    commit: Commit
    previous: Header
    proof: StateProof

    @property
    def start(self) -> int:
        """The first height the new set votes on."""
        return self.announcing.height + 1

    def to_json(self) -> dict[str, Any]:
        """``{"announcing", "commit", "previous", "proof"}``: records as hex of their CBOR."""
        return {
            "announcing": records.encode_header(self.announcing).hex(),
            "commit": records.encode_commit(self.commit).hex(),
            "previous": records.encode_header(self.previous).hex(),
            "proof": self.proof.to_json(),
        }

    @classmethod
    def from_json(cls, obj: object) -> SetTransition:
        """Parse the JSON form; raise ProofError (or ValidationError for a record)."""
        o = _object(obj, {"announcing", "commit", "previous", "proof"}, "set transition")
        return cls(
            announcing=records.decode_header(_hex(o, "announcing")),
            commit=records.decode_commit(_hex(o, "commit")),
            previous=records.decode_header(_hex(o, "previous")),
            proof=StateProof.from_json(o["proof"]),
        )


def _transitions_from_json(o: dict[str, Any]) -> tuple[SetTransition, ...]:
    """The optional ``transitions`` list of a receipt or fact (absent: none, as before)."""
    items = o.get("transitions", [])
    if not isinstance(items, list) or len(items) > MAX_TRANSITIONS:
        raise ProofError(
            f"proof field 'transitions': expected a list of at most {MAX_TRANSITIONS}", "format"
        )
    parsed = []
    for number, item in enumerate(items, start=1):
        try:
            parsed.append(SetTransition.from_json(item))
        except StateProofError as exc:
            raise ProofError(f"transition {number}: {exc}", "format") from exc
        except ValidationError as exc:
            raise ValidationError(f"transition {number}: {exc}") from exc
    return tuple(parsed)


@dataclass(frozen=True, slots=True)
class TxReceiptBundle:
    """Everything needed to prove offline that a tx was committed, and with what result.

    The tx and its receipt, the header of their block, Merkle paths of both
    against the header's ``tx_root`` and ``receipts_root``, and the commit
    certificate that signs the header's hash; the validator-set transitions
    from genesis up to the header's height, oldest first.
    """

    tx: Tx
    receipt: Receipt
    header: Header
    commit: Commit
    tx_proof: InclusionProof
    receipt_proof: InclusionProof
    transitions: tuple[SetTransition, ...]

    def to_json(self) -> dict[str, Any]:
        """The receipt file's JSON object (records as hex of their canonical CBOR)."""
        return {
            "format": TX_RECEIPT_FORMAT,
            "tx": records.encode_tx(self.tx).hex(),
            "receipt": records.encode_receipt(self.receipt).hex(),
            "header": records.encode_header(self.header).hex(),
            "commit": records.encode_commit(self.commit).hex(),
            "tx_proof": self.tx_proof.to_json(),
            "receipt_proof": self.receipt_proof.to_json(),
            "transitions": [t.to_json() for t in self.transitions],
        }

    @classmethod
    def from_json(cls, obj: object) -> TxReceiptBundle:
        """Parse a receipt file's object; raise ProofError (or ValidationError for a record).

        A file without ``transitions`` (made before set changes) has none.
        """
        names = {"format", "tx", "receipt", "header", "commit", "tx_proof", "receipt_proof"}
        o = _object(obj, names, "tx receipt", optional={"transitions"})
        if o["format"] != TX_RECEIPT_FORMAT:
            raise ProofError(
                f"tx receipt format {o['format']!r} is not {TX_RECEIPT_FORMAT!r}", "format"
            )
        return cls(
            tx=records.decode_tx(_hex(o, "tx")),
            receipt=records.decode_receipt(_hex(o, "receipt")),
            header=records.decode_header(_hex(o, "header")),
            commit=records.decode_commit(_hex(o, "commit")),
            tx_proof=InclusionProof.from_json(o["tx_proof"]),
            receipt_proof=InclusionProof.from_json(o["receipt_proof"]),
            transitions=_transitions_from_json(o),
        )


@dataclass(frozen=True, slots=True)
class StateFact:
    """Everything needed to prove offline what a state key held after a block.

    The block's header and its commit certificate, the state proof of the
    key (its value or its absence) against the header's ``state_root``, and
    the validator-set transitions from genesis up to the header's height.
    """

    header: Header
    commit: Commit
    proof: StateProof
    transitions: tuple[SetTransition, ...]

    @property
    def height(self) -> int:
        """The height whose state is proven."""
        return self.header.height

    def to_json(self) -> dict[str, Any]:
        """The JSON object (records as hex of their canonical CBOR)."""
        return {
            "format": STATE_FACT_FORMAT,
            "header": records.encode_header(self.header).hex(),
            "commit": records.encode_commit(self.commit).hex(),
            "proof": self.proof.to_json(),
            "transitions": [t.to_json() for t in self.transitions],
        }

    @classmethod
    def from_json(cls, obj: object) -> StateFact:
        """Parse the JSON object; raise ProofError (or ValidationError for a record).

        An object without ``transitions`` (made before set changes) has none.
        """
        names = {"format", "header", "commit", "proof"}
        o = _object(obj, names, "state fact", optional={"transitions"})
        if o["format"] != STATE_FACT_FORMAT:
            raise ProofError(
                f"state fact format {o['format']!r} is not {STATE_FACT_FORMAT!r}", "format"
            )
        return cls(
            header=records.decode_header(_hex(o, "header")),
            commit=records.decode_commit(_hex(o, "commit")),
            proof=StateProof.from_json(o["proof"]),
            transitions=_transitions_from_json(o),
        )


# --- building proofs from a chain view ---------------------------------------


def set_transitions(view: ChainView, height: int) -> tuple[SetTransition, ...]:
    """The transitions of every set that votes from a height ``<= height``, oldest first."""
    if not 1 <= height <= view.height:
        raise LedgerError(f"no block {height} (latest is {view.height})")
    transitions = []
    for start, _validators in view.set_changes():
        if start > height:
            break
        announcing = start - 1
        transitions.append(
            SetTransition(
                announcing=view.header(announcing),
                commit=view.commit(announcing),
                previous=view.header(start - EFFECT_DELAY),
                proof=view.set_proof(start),
            )
        )
    return tuple(transitions)


def state_fact(view: ChainView, key: bytes, height: int) -> StateFact:
    """The state fact of ``key`` after block ``height``, with the transitions up to it."""
    return StateFact(
        header=view.header(height),
        commit=view.commit(height),
        proof=state_proof(view, key, height),
        transitions=set_transitions(view, height),
    )


def tx_receipt_bundle(view: ChainView, tx_hash: bytes) -> TxReceiptBundle:
    """The receipt bundle of a committed tx; LedgerError if the chain has no such tx."""
    location = view.tx_location(tx_hash)
    if location is None:
        raise LedgerError(f"no committed tx {tx_hash.hex()}")
    height, index = location
    block = view.block(height)
    receipts = view.receipts(height)
    hasher = view.hasher
    tx_leaves = [hasher.hash_leaf(records.encode_tx(tx)) for tx in block.txs]
    receipt_leaves = [hasher.hash_leaf(records.encode_receipt(r)) for r in receipts]
    return TxReceiptBundle(
        tx=block.txs[index],
        receipt=receipts[index],
        header=block.header,
        commit=view.commit(height),
        tx_proof=InclusionProof(
            index,
            len(tx_leaves),
            tx_leaves[index],
            tuple(inclusion_proof(hasher, tx_leaves, index)),
        ),
        receipt_proof=InclusionProof(
            index,
            len(receipt_leaves),
            receipt_leaves[index],
            tuple(inclusion_proof(hasher, receipt_leaves, index)),
        ),
        transitions=set_transitions(view, height),
    )


def history_proof(view: ChainView, height: int, trusted_height: int) -> InclusionProof:
    """Proof that block ``height`` is in the history root of the header at ``trusted_height``."""
    if not 1 <= height < trusted_height <= view.height:
        raise LedgerError(
            f"no history proof of block {height} at height {trusted_height} "
            f"(need 1 <= {height} < {trusted_height} <= {view.height})"
        )
    size = trusted_height - 1
    path = view.history().inclusion_proof(height - 1, size)
    leaf = view.hasher.hash_leaf(view.block_hash(height))
    return InclusionProof(height - 1, size, leaf, tuple(path))


def consistency_between(view: ChainView, height1: int, height2: int) -> ConsistencyProof:
    """Proof that the history root of header ``height1`` is a prefix of header ``height2``'s."""
    if not 2 <= height1 <= height2 <= view.height:
        raise LedgerError(
            f"no consistency proof from height {height1} to {height2} "
            f"(need 2 <= {height1} <= {height2} <= {view.height})"
        )
    size1, size2 = height1 - 1, height2 - 1
    return ConsistencyProof(size1, size2, tuple(view.history().consistency_proof(size1, size2)))


def state_proof(view: ChainView, key: bytes, height: int) -> StateProof:
    """Proof of ``key``'s value, or absence, in the state after block ``height``."""
    if not 1 <= height <= view.height:
        raise LedgerError(f"no block {height} (latest is {view.height})")
    return prove(view.state, view.suite.hash_name, height, key)
