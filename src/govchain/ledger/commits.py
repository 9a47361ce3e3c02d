"""Checking commit certificates, and BFT time (F-A2, F-A6).

A commit for block ``B`` at height ``h`` is valid against validator set ``V``
when every signature is a valid precommit for ``B`` by a member of ``V`` and
the signers hold more than two thirds of ``V``'s voting power. BFT time is
the power-weighted median of the precommit times, so validators holding less
than a third of the power cannot move it.
"""

from __future__ import annotations

from govchain.crypto import CryptoSuite
from govchain.ledger.records import vote_signing_bytes
from govchain.types import Commit, ValidatorSet
from govchain.types.errors import InvalidCommitError, ValidationError


def verify_commit(
    suite: CryptoSuite,
    commit: Commit,
    validators: ValidatorSet,
    *,
    chain_id: str,
    height: int,
    block_hash: bytes,
) -> int:
    """Check ``commit`` for ``block_hash`` at ``height``; return the power that signed it.

    Raises InvalidCommitError naming the first problem found.
    """
    try:
        commit.validate()
    except ValidationError as exc:
        raise InvalidCommitError(f"malformed commit: {exc}") from exc
    if commit.chain_id != chain_id:
        raise InvalidCommitError(f"commit is for chain {commit.chain_id!r}, not {chain_id!r}")
    if commit.height != height:
        raise InvalidCommitError(f"commit is for height {commit.height}, not {height}")
    if commit.block_hash != block_hash:
        raise InvalidCommitError(f"commit at height {height} is for another block")
    items = []
    power = 0
    for sig in commit.signatures:
        member = validators.get(sig.validator)
        if member is None:
            raise InvalidCommitError(
                f"commit at height {height} is signed by {sig.validator.hex()}, not a validator"
            )
        items.append((member.public_key, vote_signing_bytes(commit.vote_of(sig)), sig.signature))
        power += member.power
    for sig, ok in zip(commit.signatures, suite.batch_verify(items), strict=True):
        if not ok:
            raise InvalidCommitError(
                f"commit at height {height}: bad signature from {sig.validator.hex()}"
            )
    if power < validators.quorum():
        raise InvalidCommitError(
            f"commit at height {height} has {power} of {validators.total_power} power; "
            f"{validators.quorum()} is needed"
        )
    return power


def bft_time(commit: Commit, validators: ValidatorSet) -> int:
    """The power-weighted median of the precommit times in ``commit`` (milliseconds).

    Times are sorted (ties by address); walking up from the earliest, the
    median is the first time at which half of the signed power is reached.
    """
    weighted = []
    for sig in commit.signatures:
        member = validators.get(sig.validator)
        if member is None:
            raise InvalidCommitError(f"{sig.validator.hex()} is not a validator")
        weighted.append((sig.time, sig.validator, member.power))
    weighted.sort()
    remaining = sum(power for _, _, power in weighted) // 2
    for time, _, power in weighted:
        if remaining < power:
            return time
        remaining -= power
    raise InvalidCommitError("commit has no signatures")
