"""Offline verification: the chain-end node's check of what a node hands out (F-A4, F-C5).

Pure checks below every service: the SDK (``govchain.client.verify``) offers
them to clients, and the contracts service checks a test network's receipt
with them inside a handler (docs/spec/contracts.md, "Test and production
networks").

Nothing here reads a network or a store. The only trust is the genesis
(chain id, suite and validator set). A receipt is accepted when:

1. the tx is signed by its sender and is for this chain;
2. the receipt is for that tx (its ``tx_hash``);
3. the tx and the receipt are leaves of the header's ``tx_root`` and
   ``receipts_root`` at the same index;
4. the set transitions it carries lead from the genesis set, one change at
   a time, to the set that signed the header (``transition``): each is
   announced by a header signed with 2/3+ of the set before it, and the new
   set is proven by the state those signers committed to
   (docs/spec/ledger.md, "Receipts across set changes");
5. the header is for this chain and names the set the transitions reach
   (``header``);
6. the commit certificate signs the header's hash with more than two thirds
   of that set's voting power (``commit``).

Each failure raises :class:`ProofError` whose ``check`` names the step; a
failed transition's message names its number (1-based) and height.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.crypto import CryptoSuite, suite_for
from govchain.ledger import records
from govchain.ledger.commits import verify_commit
from govchain.ledger.merkle import MerkleError, hasher_for, verify_consistency, verify_inclusion
from govchain.ledger.proofs import (
    ConsistencyProof,
    InclusionProof,
    SetTransition,
    StateFact,
    TxReceiptBundle,
)
from govchain.ledger.statetree import StateProof
from govchain.ledger.statetree.proof import verify_state_proof
from govchain.ledger.validator_sets import EFFECT_DELAY, VALIDATOR_SET_KEY, decode_set
from govchain.types import Commit, Genesis, Header, ValidatorSet
from govchain.types.errors import (
    CryptoError,
    InvalidCommitError,
    ProofError,
    ValidationError,
)


@dataclass(frozen=True, slots=True)
class VerifiedTx:
    """What a verified receipt proves: this tx was committed here, with this result."""

    chain_id: str
    height: int
    index: int
    tx_hash: bytes
    tx_type: str
    block_hash: bytes
    block_time: int
    status: int
    error: str
    signed_power: int
    total_power: int
    transitions: int
    """How many validator-set transitions were walked from the genesis set."""


def check_genesis(genesis: Genesis) -> CryptoSuite:
    """Validate a trusted genesis and return its suite; addresses must match the keys."""
    try:
        genesis.validate()
    except ValidationError as exc:
        raise ProofError(f"genesis: {exc}", "genesis") from exc
    suite = suite_for(genesis.suite)
    for member in genesis.validators.validators:
        if records.address_of(suite, member.public_key) != member.address:
            raise ProofError(
                f"genesis: validator {member.name!r} address does not match its key", "genesis"
            )
    return suite


def _addresses_match_keys(suite: CryptoSuite, validators: ValidatorSet) -> bool:
    return all(records.address_of(suite, v.public_key) == v.address for v in validators.validators)


def _walk_transition(
    suite: CryptoSuite,
    chain_id: str,
    validators: ValidatorSet,
    number: int,
    transition: SetTransition,
) -> ValidatorSet:
    """Check one transition from ``validators`` (the set reached so far); return the new set."""
    announcing, previous, start = transition.announcing, transition.previous, transition.start

    def refuse(problem: str) -> ProofError:
        return ProofError(f"transition {number} (to height {start}): {problem}", "transition")

    if announcing.chain_id != chain_id or previous.chain_id != chain_id:
        raise refuse(f"its headers are not for chain {chain_id!r}")
    if announcing.validators_hash != records.validators_hash(suite, validators):
        raise refuse("names another set: a transition is missing or out of order")
    try:
        verify_commit(
            suite,
            transition.commit,
            validators,
            chain_id=chain_id,
            height=announcing.height,
            block_hash=records.header_hash(suite, announcing),
        )
    except InvalidCommitError as exc:
        raise refuse(f"the announcing header's commit: {exc}") from exc
    if previous.height != start - EFFECT_DELAY or (
        records.header_hash(suite, previous) != announcing.prev_hash
    ):
        raise refuse(f"the previous header is not block {start - EFFECT_DELAY} of this chain")
    if transition.proof.key != VALIDATOR_SET_KEY:
        raise refuse("the state proof is of another key than the validator set")
    try:
        raw = verify_state_proof(suite.hash_name, previous.state_root, transition.proof)
    except ProofError as exc:
        raise refuse(f"the state proof of the new set: {exc}") from exc
    if raw is None:
        raise refuse("the state proof shows no validator set")
    try:
        new_set = decode_set(raw)
    except ValidationError as exc:
        raise refuse(f"the proven set does not decode: {exc}") from exc
    if records.validators_hash(suite, new_set) != announcing.next_validators_hash:
        raise refuse("the proven set is not the one the announcing header names")
    if new_set == validators:
        raise refuse("the proven set is the set before it (no change)")
    if not _addresses_match_keys(suite, new_set):
        raise refuse("a validator's address in the new set does not match its key")
    return new_set


def validators_after(
    genesis: Genesis, transitions: tuple[SetTransition, ...], height: int
) -> ValidatorSet:
    """The set that votes on block ``height``, reached from the genesis set by ``transitions``.

    Each transition must start after the one before and at most at
    ``height``; raises ProofError (check ``transition``) naming the first
    that does not hold (docs/formats.md, section 6).
    """
    suite = check_genesis(genesis)
    validators = genesis.validators
    last_start = 0
    for number, transition in enumerate(transitions, start=1):
        start = transition.start
        if start <= last_start or start > height:
            raise ProofError(
                f"transition {number} (to height {start}): heights must increase, each "
                f"after the one before ({last_start}) and at most the header's ({height})",
                "transition",
            )
        validators = _walk_transition(suite, genesis.chain_id, validators, number, transition)
        last_start = start
    return validators


def _verify_signed_header(
    genesis: Genesis, header: Header, commit: Commit, transitions: tuple[SetTransition, ...]
) -> tuple[int, ValidatorSet]:
    suite = check_genesis(genesis)
    validators = validators_after(genesis, transitions, header.height)
    if header.chain_id != genesis.chain_id:
        raise ProofError(
            f"header is for chain {header.chain_id!r}, not {genesis.chain_id!r}", "header"
        )
    if header.validators_hash != records.validators_hash(suite, validators):
        raise ProofError(
            f"header {header.height} names another validator set than the one "
            f"{len(transitions)} transition(s) from the genesis reach: a transition is missing "
            "(or the header is not of this chain)",
            "header",
        )
    try:
        power = verify_commit(
            suite,
            commit,
            validators,
            chain_id=genesis.chain_id,
            height=header.height,
            block_hash=records.header_hash(suite, header),
        )
    except InvalidCommitError as exc:
        raise ProofError(str(exc), "commit") from exc
    return power, validators


def verify_header(
    genesis: Genesis, header: Header, commit: Commit, transitions: tuple[SetTransition, ...]
) -> int:
    """Check that ``commit`` signs ``header`` with 2/3+ of the power of the header's set.

    The set is the genesis set, changed by each of ``transitions`` in turn
    (every set change up to the header's height, oldest first). Returns the
    power that signed; raises ProofError naming the failed check.
    """
    power, _validators = _verify_signed_header(genesis, header, commit, transitions)
    return power


def _inclusion(
    hash_name: str, proof: InclusionProof, leaf: bytes, root: bytes, what: str, check: str
) -> None:
    hasher = hasher_for(hash_name)
    if proof.leaf_hash != hasher.hash_leaf(leaf):
        raise ProofError(f"{what}: the proof's leaf hash is not the hash of the record", check)
    try:
        verify_inclusion(hasher, proof.index, proof.size, proof.leaf_hash, list(proof.path), root)
    except MerkleError as exc:
        raise ProofError(f"{what}: {exc}", check) from exc


def verify_tx_receipt(genesis: Genesis, bundle: TxReceiptBundle) -> VerifiedTx:
    """Check a receipt bundle against a trusted genesis; return what it proves."""
    suite = check_genesis(genesis)
    tx, receipt, header = bundle.tx, bundle.receipt, bundle.header
    if tx.chain_id != genesis.chain_id:
        raise ProofError(f"tx is for chain {tx.chain_id!r}, not {genesis.chain_id!r}", "tx")
    try:
        records.verify_tx_signature(suite, tx)
    except CryptoError as exc:
        raise ProofError(f"tx signature: {exc}", "tx_signature") from exc
    tx_hash = records.tx_hash(suite, tx)
    if receipt.tx_hash != tx_hash:
        raise ProofError("the receipt is for another tx", "receipt")
    if bundle.tx_proof.index != bundle.receipt_proof.index:
        raise ProofError("the tx and the receipt are at different indexes", "receipt")
    _inclusion(
        suite.hash_name,
        bundle.tx_proof,
        records.encode_tx(tx),
        header.tx_root,
        "tx not in the block",
        "tx_inclusion",
    )
    _inclusion(
        suite.hash_name,
        bundle.receipt_proof,
        records.encode_receipt(receipt),
        header.receipts_root,
        "receipt not in the block",
        "receipt_inclusion",
    )
    power, validators = _verify_signed_header(genesis, header, bundle.commit, bundle.transitions)
    return VerifiedTx(
        chain_id=genesis.chain_id,
        height=header.height,
        index=bundle.tx_proof.index,
        tx_hash=tx_hash,
        tx_type=tx.type,
        block_hash=records.header_hash(suite, header),
        block_time=header.time,
        status=receipt.status,
        error=receipt.error,
        signed_power=power,
        total_power=validators.total_power,
        transitions=len(bundle.transitions),
    )


def verify_in_history(
    genesis: Genesis, trusted: Header, height: int, block_hash: bytes, proof: InclusionProof
) -> None:
    """Check that ``block_hash`` is block ``height`` of the chain that ``trusted`` heads.

    ``trusted`` is a header the caller already verified (``verify_header``);
    an old receipt stays provable against any newer trusted header this way.
    """
    suite = check_genesis(genesis)
    if proof.index != height - 1 or proof.size != trusted.height - 1:
        raise ProofError(
            f"history proof is for leaf {proof.index} of {proof.size}, not block {height} "
            f"under header {trusted.height}",
            "history",
        )
    _inclusion(suite.hash_name, proof, block_hash, trusted.history_root, "history", "history")


def verify_headers_consistent(
    genesis: Genesis, older: Header, newer: Header, proof: ConsistencyProof
) -> None:
    """Check that two trusted headers are on one chain (``older``'s history is a prefix)."""
    suite = check_genesis(genesis)
    if (proof.size1, proof.size2) != (older.height - 1, newer.height - 1):
        raise ProofError(
            f"consistency proof is for sizes {proof.size1}..{proof.size2}, not headers "
            f"{older.height}..{newer.height}",
            "consistency",
        )
    try:
        verify_consistency(
            hasher_for(suite.hash_name),
            proof.size1,
            proof.size2,
            list(proof.path),
            older.history_root,
            newer.history_root,
        )
    except MerkleError as exc:
        raise ProofError(f"consistency: {exc}", "consistency") from exc


def verify_state(genesis: Genesis, trusted: Header, proof: StateProof) -> bytes | None:
    """The value ``proof`` proves for its key after block ``trusted.height`` (None: absent)."""
    suite = check_genesis(genesis)
    return verify_state_proof(suite.hash_name, trusted.state_root, proof)


def verify_state_fact(genesis: Genesis, fact: StateFact, key: bytes) -> bytes | None:
    """The value ``fact`` proves for ``key`` after block ``fact.height`` (None: absent).

    The transitions must lead from the genesis set to the header's, the
    commit must sign the header with 2/3+ of that set's power, and the proof
    must be of ``key`` and lead to the header's state root. Raises
    ProofError naming the failed check.
    """
    verify_header(genesis, fact.header, fact.commit, fact.transitions)
    if fact.proof.key != key:
        raise ProofError("the state proof is of another key", "state")
    return verify_state(genesis, fact.header, fact.proof)
