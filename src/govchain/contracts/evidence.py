"""System contract ``consensus.evidence`` (F-E6): duplicate-vote evidence as a committed record.

When a node sees one validator sign two different votes for one step, a
validator submits the pair as a tx (docs/spec/consensus.md, "Evidence").
This contract checks the pair and records it once per step, so the
equivocation is on the chain and provable to anyone.

Args: ``{"evidence": <DuplicateVote map>}`` and nothing else.

State key of a record, one per (validator, height, round, vote type)::

    b"consensus/evidence/" || validator address (20 bytes)
        || height (8 bytes, big-endian) || round (4 bytes, big-endian)
        || vote type (1 byte)

Value: canonical CBOR of ``{"evidence": <DuplicateVote map>, "height": <the
height the record was committed at>}``. Event: ``consensus.evidence`` with
``validator``, ``height``, ``round`` and ``vote_type``. The format is also in
docs/formats.md, section 7.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from govchain.codec import encode
from govchain.consensus.evidence import DuplicateVote, verify_duplicate_vote
from govchain.crypto import CryptoSuite, SigningKey
from govchain.execution.registry import ContractError, Handler, ReadState, Registry, TxContext
from govchain.ledger import records
from govchain.types import Tx, ValidatorSet
from govchain.types.commit import MAX_ROUND, VoteType
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_uint, fields_of
from govchain.types.validators import ADDRESS_SIZE

EVIDENCE_TX_TYPE = "consensus.evidence"
EVIDENCE_EVENT = "consensus.evidence"
EVIDENCE_KEY_PREFIX = b"consensus/evidence/"

MAX_EVIDENCE_AGE = 100_000
"""Evidence for votes more than this many heights below the block is refused.

The limit bounds how far back ``validators_at`` must know the validator set.
It also bounds the harm of a key that leaks after its validator has left the
set: whoever holds the old key could sign two votes for an old height and
frame the former validator. Past the window, only evidence committed in time
counts.
"""

ValidatorsAt = Callable[[int], ValidatorSet]
"""The validator set that voted at a height (the ledger view's ``validators``)."""


def evidence_key(address: bytes, height: int, round: int, vote_type: int) -> bytes:
    """The state key of the evidence record for one step of one validator.

    Raises ValidationError if a part does not fit its fixed width.
    """
    check_bytes("evidence key: address", address, size=ADDRESS_SIZE)
    check_uint("evidence key: height", height)
    check_uint("evidence key: round", round, maximum=MAX_ROUND)
    if vote_type not in (VoteType.PREVOTE, VoteType.PRECOMMIT) or isinstance(vote_type, bool):
        raise ValidationError(f"evidence key: unknown vote type {vote_type!r}")
    return (
        EVIDENCE_KEY_PREFIX
        + address
        + height.to_bytes(8, "big")
        + round.to_bytes(4, "big")
        + int(vote_type).to_bytes(1, "big")
    )


def evidence_handler(suite: CryptoSuite, validators_at: ValidatorsAt) -> Handler:
    """The handler of ``consensus.evidence`` txs.

    Parameters:
        suite: the chain's crypto suite, to check the votes' signatures.
        validators_at: the validator set of a height; it must be deterministic.

    Returns:
        A handler that records valid, new evidence and raises ContractError
        for anything else.
    """

    def handle(ctx: TxContext, tx: Tx) -> None:
        evidence = _parse_args(tx.args)
        vote = evidence.first
        _check_height(vote.height, ctx.height)
        if vote.chain_id != tx.chain_id:
            raise ContractError(
                f"evidence: the votes are for chain {vote.chain_id!r}, not {tx.chain_id!r}"
            )
        try:
            verify_duplicate_vote(suite, evidence, validators_at(vote.height))
        except ValidationError as exc:
            raise ContractError(str(exc)) from exc
        key = evidence_key(vote.validator, vote.height, vote.round, vote.type)
        if ctx.get(key) is not None:
            raise ContractError(
                f"evidence: already recorded for validator {vote.validator.hex()} at height "
                f"{vote.height}, round {vote.round}, {vote.type.name.lower()}"
            )
        ctx.put(key, encode({"evidence": evidence.to_cbor(), "height": ctx.height}))
        ctx.emit(
            EVIDENCE_EVENT,
            validator=vote.validator,
            height=vote.height,
            round=vote.round,
            vote_type=int(vote.type),
        )

    return handle


def _parse_args(args: Mapping[str, object]) -> DuplicateVote:
    try:
        data = fields_of(f"{EVIDENCE_TX_TYPE} args", args, ("evidence",))
        return DuplicateVote.from_cbor(data["evidence"])
    except ValidationError as exc:
        raise ContractError(str(exc)) from exc


def _check_height(vote_height: int, block_height: int) -> None:
    if vote_height > block_height:
        raise ContractError(
            f"evidence: the votes are for height {vote_height}, above the block's {block_height}"
        )
    if block_height - vote_height > MAX_EVIDENCE_AGE:
        raise ContractError(
            f"evidence: the votes are for height {vote_height}, more than "
            f"{MAX_EVIDENCE_AGE} heights below the block's {block_height}"
        )


def register_evidence(registry: Registry, suite: CryptoSuite, validators_at: ValidatorsAt) -> None:
    """Add the ``consensus.evidence`` contract to ``registry``."""
    registry.register(EVIDENCE_TX_TYPE, evidence_handler(suite, validators_at))


def evidence_tx(
    key: SigningKey, chain_id: str, evidence: DuplicateVote, nonce: bytes, expiry: int
) -> Tx:
    """A ``consensus.evidence`` tx carrying ``evidence``, signed by ``key``.

    ``nonce`` should be fresh random bytes (8-32); ``expiry`` is the last
    height at which the tx may be committed. Raises ValidationError if a field
    breaks the tx rules.
    """
    unsigned = Tx(
        chain_id,
        EVIDENCE_TX_TYPE,
        {"evidence": evidence.to_cbor()},
        "key",
        key.public_key,
        nonce,
        expiry,
    )
    unsigned.validate()
    return records.sign_tx(key, unsigned)


def read_evidence(
    read_state: ReadState,
    address: bytes,
    height: int,
    round: int,
    vote_type: int,
) -> DuplicateVote | None:
    """The evidence recorded for one step of one validator, or None.

    ``read_state`` reads the state at the height of interest.
    """
    value = read_state(evidence_key(address, height, round, vote_type))
    if value is None:
        return None
    return records.decode_record(value, _stored_evidence, records.RECORD_LIMITS, "evidence record")


def _stored_evidence(obj: object) -> DuplicateVote:
    data = fields_of("evidence record", obj, ("evidence", "height"))
    check_uint("evidence record: height", data["height"])
    return DuplicateVote.from_cbor(data["evidence"])
