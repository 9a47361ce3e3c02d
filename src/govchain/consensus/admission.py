"""The checks every consensus message passes before the core counts it (spec: consensus.md).

Each function returns the reason for refusing a message, or None to accept
it. Height and chain id are the core's business; these check form, round
bound, membership, proposer and signature.
"""

from __future__ import annotations

from govchain.consensus.messages import ProposalMessage
from govchain.consensus.proposer import ProposerSchedule
from govchain.crypto import CryptoSuite
from govchain.ledger import records
from govchain.types import Block, ValidatorSet, Vote
from govchain.types.errors import GovChainError

MAX_ROUNDS_AHEAD = 64


def round_problem(round_: int, current: int) -> str | None:
    """Refuse rounds far ahead, so a peer cannot make the core keep unbounded state."""
    if round_ > current + MAX_ROUNDS_AHEAD:
        return f"round {round_} is more than {MAX_ROUNDS_AHEAD} ahead"
    return None


def vote_problem(
    suite: CryptoSuite,
    validators: ValidatorSet,
    vote: Vote,
    current_round: int,
    *,
    check_signature: bool = True,
) -> str | None:
    """Why ``vote`` (already known to be for this chain and height) is refused, if it is."""
    try:
        vote.validate()
    except GovChainError as exc:
        return f"malformed vote: {exc}"
    problem = round_problem(vote.round, current_round)
    if problem is not None:
        return problem
    member = validators.get(vote.validator)
    if member is None:
        return f"vote from {vote.validator.hex()}, not a validator"
    if check_signature and not suite.verify(
        member.public_key, records.vote_signing_bytes(vote), vote.signature
    ):
        return f"bad vote signature from {vote.validator.hex()}"
    return None


def body_problem(suite: CryptoSuite, block: Block) -> str | None:
    """Why ``block``'s txs or last commit are not the ones its header commits to, if so.

    A peer can alter a block's body and keep its header (and so its hash). Such
    a block must be refused as a message, not judged invalid by hash: the real
    block with that hash may be valid.
    """
    if records.tx_root(suite, block.txs) != block.header.tx_root:
        return "the block's txs do not match its tx_root"
    if records.commit_hash(suite, block.last_commit) != block.header.last_commit_hash:
        return "the block's last commit does not match its last_commit_hash"
    return None


def proposal_problem(
    suite: CryptoSuite,
    validators: ValidatorSet,
    schedule: ProposerSchedule,
    message: ProposalMessage,
    current_round: int,
) -> str | None:
    """Why a proposal for this chain and height is refused, if it is."""
    proposal, block = message.proposal, message.block
    try:
        proposal.validate()
        block.validate()
    except GovChainError as exc:
        return f"malformed proposal: {exc}"
    problem = round_problem(proposal.round, current_round)
    if problem is not None:
        return problem
    if proposal.proposer != schedule.proposer(proposal.height, proposal.round):
        return f"proposal from {proposal.proposer.hex()}, not the round's proposer"
    if block.header.height != proposal.height:
        return "proposed block is for another height"
    if records.header_hash(suite, block.header) != proposal.block_hash:
        return "proposal names another block than the one it carries"
    problem = body_problem(suite, block)
    if problem is not None:
        return problem
    member = validators.get(proposal.proposer)
    if member is None or not suite.verify(
        member.public_key, proposal.signing_bytes(), proposal.signature
    ):
        return "bad proposal signature"
    return None
