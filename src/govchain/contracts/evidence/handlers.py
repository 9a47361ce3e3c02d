"""The handler of ``consensus.evidence``: check a duplicate-vote pair and record it once per step.

Event ``consensus.evidence`` with ``validator``, ``height``, ``round`` and
``vote_type`` of the votes.
"""

from __future__ import annotations

from govchain.consensus.evidence import verify_duplicate_vote
from govchain.contracts.context import ValidatorsAt
from govchain.contracts.evidence.state import EvidenceRecord, evidence_key
from govchain.contracts.evidence.txs import EvidenceArgs
from govchain.crypto import CryptoSuite
from govchain.execution.registry import ContractError, Handler, TxContext
from govchain.types import Tx
from govchain.types.errors import ValidationError

__all__ = ["EVIDENCE_EVENT", "MAX_EVIDENCE_AGE", "evidence_handler"]

EVIDENCE_EVENT = "consensus.evidence"

MAX_EVIDENCE_AGE = 100_000
"""Evidence for votes more than this many heights below the block is refused.

The limit bounds how far back ``validators_at`` must know the validator set.
It also bounds the harm of a key that leaks after its validator has left the
set: whoever holds the old key could sign two votes for an old height and
frame the former validator. Past the window, only evidence committed in time
counts.
"""


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
        evidence = EvidenceArgs.from_args(tx.args).evidence
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
        ctx.put(key, EvidenceRecord(evidence, ctx.height).encode())
        ctx.emit(
            EVIDENCE_EVENT,
            validator=vote.validator,
            height=vote.height,
            round=vote.round,
            vote_type=int(vote.type),
        )

    return handle


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
