"""Validator sets per height: the state key that holds the set, and the chain store's index.

docs/spec/ledger.md, "Validator sets by height". Governance writes the set
to one state key (``VALIDATOR_SET_KEY``) as canonical CBOR. A block ``H``
that changes it changes the set that votes from ``H + 2``: header ``H + 1``
announces it in ``next_validators_hash``. The chain store keeps each set
under the height it starts at (``meta`` rows ``validators/<start>``), so the
set of any height is known after the state it came from is pruned. A chain
whose blocks never write the key keeps its genesis set.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from govchain.codec import encode
from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.types import Header, ValidatorSet
from govchain.types.errors import InvalidBlock, ValidationError

VALIDATOR_SET_KEY = b"registry/validator_set"
"""State key of the validator set the state makes (the set of height version + 2)."""

SET_ROW_PREFIX = b"validators/"
"""``meta`` rows: ``validators/<start height 8B>`` -> the encoded set that votes from there."""

PROOF_ROW_PREFIX = b"validator_proofs/"
"""``meta`` rows: ``validator_proofs/<start 8B>`` -> the state proof of ``VALIDATOR_SET_KEY``
at version ``start - 2``, kept because state versions are pruned (receipts carry it)."""

EFFECT_DELAY = 2
"""A set written by block ``H`` votes from ``H + EFFECT_DELAY``."""


def encode_set(validators: ValidatorSet) -> bytes:
    """The canonical bytes of a set, as state and the index hold them."""
    return encode(validators.to_cbor())


@lru_cache(maxsize=128)
def decode_set(raw: bytes) -> ValidatorSet:
    """A stored set, checked (``ValidationError`` if malformed); decoded once per value."""
    return records.decode_record(raw, ValidatorSet.from_cbor, records.RECORD_LIMITS, "validators")


def set_row_key(start: int) -> bytes:
    """The ``meta`` key of the set that starts at height ``start``."""
    return SET_ROW_PREFIX + start.to_bytes(8, "big")


def proof_row_key(start: int) -> bytes:
    """The ``meta`` key of the state proof of the set that starts at height ``start``."""
    return PROOF_ROW_PREFIX + start.to_bytes(8, "big")


def start_of_row(key: bytes) -> int:
    """The start height a ``meta`` set row's key names."""
    return int.from_bytes(key[len(SET_ROW_PREFIX) :], "big")


def new_set_of_block(
    height: int, writes: Mapping[bytes, bytes | None], in_force: ValidatorSet
) -> bytes | None:
    """The set block ``height`` makes, as stored bytes, or None when it changes nothing.

    ``writes`` are the block's net state writes; ``in_force`` is the set of
    ``height + 1``, the last one decided before this block. InvalidBlock when
    the block wrote the key with something that is not a set (a contract
    fault every node meets alike).
    """
    if VALIDATOR_SET_KEY not in writes:
        return None
    raw = writes[VALIDATOR_SET_KEY]
    if raw is None:
        raise InvalidBlock(f"block {height}: the validator set was deleted")
    try:
        validators = decode_set(raw)
    except ValidationError as exc:
        raise InvalidBlock(f"block {height}: the validator set written is invalid: {exc}") from exc
    return None if validators == in_force else raw


def header_sets_problem(
    suite: CryptoSuite, header: Header, validators: ValidatorSet, following: ValidatorSet
) -> str | None:
    """Why ``header`` does not name ``validators`` (its height's set) and ``following`` (the
    next height's) or has a proposer outside its set; None when it does."""
    if header.validators_hash != records.validators_hash(suite, validators):
        return "validators_hash differs from the validator set of its height"
    if header.next_validators_hash != records.validators_hash(suite, following):
        return "next_validators_hash differs from the validator set of the next height"
    if validators.get(header.proposer) is None:
        return "proposer is not a validator"
    return None
