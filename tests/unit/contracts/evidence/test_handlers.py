"""F-E6: duplicate-vote evidence becomes a committed record through ``consensus.evidence``.

Every chain here is real: blocks go through ``propose_block``, ``apply_block``
and ``ChainStore.commit_block``, with votes and txs signed by validator keys.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.codec import decode, encode
from govchain.consensus.evidence import DuplicateVote
from govchain.contracts.evidence import (
    EVIDENCE_TX_TYPE,
    MAX_EVIDENCE_AGE,
    evidence_handler,
    evidence_key,
    evidence_tx,
    read_evidence,
    register_evidence,
)
from govchain.crypto import SigningKey
from govchain.execution import ContractError, TxContext
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.statetree import get_value
from govchain.storage import MemoryStore
from govchain.types import Commit, Event, Receipt, Tx, Vote, VoteType
from govchain.types.errors import ValidationError

from ....chain_support import CHAIN_ID, ChainMaker, make_registry
from ...codec.strategies import values

LIAR = 1
"""Index in ``maker.keys`` of the validator that equivocates."""


@pytest.fixture(scope="module", params=["intl", "gm"])
def maker(request: pytest.FixtureRequest) -> ChainMaker:
    return _with_evidence(ChainMaker.make(request.param))


def _with_evidence(base: ChainMaker) -> ChainMaker:
    registry = make_registry()
    register_evidence(registry, base.suite, lambda _height: base.validators)
    return dataclasses.replace(base, registry=registry)


@functools.cache
def _intl_maker() -> ChainMaker:
    return _with_evidence(ChainMaker.make("intl"))


@dataclass
class Chain:
    """A chain in memory that is one empty block high, and helpers to extend and read it."""

    maker: ChainMaker
    store: ChainStore
    last_commit: Commit | None = None

    def commit(self, txs: list[Tx]) -> list[Receipt]:
        """Commit one block of ``txs``; return its receipts as stored."""
        self.last_commit = self.maker.extend(self.store, txs, self.last_commit)
        with self.store.view() as view:
            return view.receipts(view.height)

    def read(self, key: bytes) -> bytes | None:
        """``key`` in the latest committed state."""
        with self.store.view() as view:
            return get_value(view.state, self.maker.suite.hash_name, view.height, key)

    def state_root(self, height: int) -> bytes:
        with self.store.view() as view:
            return view.header(height).state_root


@pytest.fixture
def chain(maker: ChainMaker) -> Chain:
    made = Chain(maker, ChainStore.create(MemoryStore(TABLES), maker.genesis))
    made.commit([])
    return made


def _vote(
    maker: ChainMaker,
    *,
    key: SigningKey | None = None,
    signer: SigningKey | None = None,
    chain_id: str = CHAIN_ID,
    height: int = 1,
    round_: int = 0,
    vote_type: VoteType = VoteType.PREVOTE,
    block_hash: bytes | None = None,
) -> Vote:
    """A vote by ``key`` (the liar by default), signed by ``signer`` (the same key by default)."""
    key = key or maker.keys[LIAR]
    vote = Vote(
        chain_id,
        vote_type,
        height,
        round_,
        os.urandom(32) if block_hash is None else block_hash,
        maker.genesis.time + 5,
        records.address_of(maker.suite, key.public_key),
    )
    signature = (signer or key).sign(records.vote_signing_bytes(vote))
    return dataclasses.replace(vote, signature=signature)


def _double_vote(maker: ChainMaker, **fields: Any) -> DuplicateVote:
    """Two votes for one step by one key, for different blocks, in canonical order."""
    return DuplicateVote.of(_vote(maker, **fields), _vote(maker, **fields))


def _tx(maker: ChainMaker, evidence: DuplicateVote) -> Tx:
    return evidence_tx(maker.keys[0], CHAIN_ID, evidence, os.urandom(16), 1_000)


def _expected_key(address: bytes, height: int, round_: int, vote_type: int) -> bytes:
    return (
        b"consensus/evidence/"
        + address
        + height.to_bytes(8, "big")
        + round_.to_bytes(4, "big")
        + bytes([vote_type])
    )


def _refused(receipt: Receipt, reason: str) -> None:
    assert receipt.status == 1
    assert receipt.events == ()
    assert reason in receipt.error, receipt.error


# --- a real double vote, committed ------------------------------------------


def test_f_e6_a_double_vote_is_committed_as_a_record_and_an_event(chain: Chain) -> None:
    maker = chain.maker
    evidence = _double_vote(maker)
    liar = evidence.first.validator
    [receipt] = chain.commit([_tx(maker, evidence)])
    assert receipt.ok, receipt.error
    assert receipt.events == (
        Event(
            "consensus.evidence",
            {"validator": liar, "height": 1, "round": 0, "vote_type": 1},
        ),
    )
    key = _expected_key(liar, 1, 0, 1)
    assert evidence_key(liar, 1, 0, VoteType.PREVOTE) == key
    assert len(key) == 52  # docs/formats.md, section 7
    assert chain.read(key) == encode({"evidence": evidence.to_cbor(), "height": 2})
    assert read_evidence(chain.read, liar, 1, 0, VoteType.PREVOTE) == evidence
    assert read_evidence(chain.read, liar, 1, 0, VoteType.PRECOMMIT) is None


def test_f_e6_precommit_evidence_at_the_block_height_is_recorded(chain: Chain) -> None:
    maker = chain.maker
    evidence = _double_vote(maker, height=2, round_=3, vote_type=VoteType.PRECOMMIT)
    [receipt] = chain.commit([_tx(maker, evidence)])
    assert receipt.ok, receipt.error
    key = _expected_key(evidence.first.validator, 2, 3, 2)
    assert chain.read(key) == encode({"evidence": evidence.to_cbor(), "height": 2})


def test_f_e6_the_same_evidence_again_fails_and_leaves_the_state_alone(chain: Chain) -> None:
    maker = chain.maker
    evidence = _double_vote(maker)
    key = _expected_key(evidence.first.validator, 1, 0, 1)
    assert chain.commit([_tx(maker, evidence)])[0].ok
    recorded = chain.read(key)
    # the same pair, then another pair for the same step
    for again in (evidence, _double_vote(maker)):
        [receipt] = chain.commit([_tx(maker, again)])
        _refused(receipt, "already recorded")
        assert chain.read(key) == recorded
    assert chain.state_root(4) == chain.state_root(3) == chain.state_root(2)


def test_f_e6_the_same_evidence_twice_in_one_block_is_recorded_once(chain: Chain) -> None:
    maker = chain.maker
    evidence = _double_vote(maker)
    first, second = chain.commit([_tx(maker, evidence), _tx(maker, evidence)])
    assert first.ok, first.error
    _refused(second, "already recorded")


# --- evidence that proves nothing, or args that are not evidence ------------


def _forged(maker: ChainMaker) -> Tx:
    honest = _vote(maker)
    forged = _vote(maker, signer=maker.keys[2])
    return _tx(maker, DuplicateVote.of(honest, forged))


def _identical(maker: ChainMaker) -> Tx:
    vote = _vote(maker)
    return _tx(maker, DuplicateVote(vote, vote))


def _rounds(maker: ChainMaker) -> Tx:
    return _tx(maker, DuplicateVote.of(_vote(maker, round_=0), _vote(maker, round_=1)))


def _types(maker: ChainMaker) -> Tx:
    precommit = _vote(maker, vote_type=VoteType.PRECOMMIT)
    return _tx(maker, DuplicateVote.of(_vote(maker), precommit))


def _unordered(maker: ChainMaker) -> Tx:
    ordered = _double_vote(maker)
    return _tx(maker, DuplicateVote(ordered.second, ordered.first))


def _outsider(maker: ChainMaker) -> Tx:
    return _tx(maker, _double_vote(maker, key=maker.suite.generate_key()))


def _other_chain(maker: ChainMaker) -> Tx:
    return _tx(maker, _double_vote(maker, chain_id="other-chain"))


def _future(maker: ChainMaker) -> Tx:
    return _tx(maker, _double_vote(maker, height=3))


def _args(**args: object) -> Callable[[ChainMaker], Tx]:
    return lambda maker: maker.tx(maker.keys[0], EVIDENCE_TX_TYPE, 1_000, **args)


def _evidence_map(maker: ChainMaker) -> dict[str, Any]:
    return _double_vote(maker).to_cbor()


def _extra_key(maker: ChainMaker) -> Tx:
    return _args(evidence=_evidence_map(maker), reporter=b"me")(maker)


def _evidence_missing_second(maker: ChainMaker) -> Tx:
    return _args(evidence={"first": _evidence_map(maker)["first"]})(maker)


def _evidence_extra_field(maker: ChainMaker) -> Tx:
    return _args(evidence={**_evidence_map(maker), "third": 3})(maker)


def _bad_vote_field(maker: ChainMaker) -> Tx:
    evidence = _evidence_map(maker)
    return _args(evidence={**evidence, "first": {**evidence["first"], "height": 0}})(maker)


REFUSED: dict[str, tuple[Callable[[ChainMaker], Tx], str]] = {
    "forged-signature": (_forged, "signature does not verify"),
    "identical-votes": (_identical, "must differ"),
    "different-rounds": (_rounds, "not for the same step"),
    "different-vote-types": (_types, "not for the same step"),
    "not-in-block-hash-order": (_unordered, "block-hash order"),
    "non-validator": (_outsider, "not a validator"),
    "other-chain-id": (_other_chain, "for chain 'other-chain', not 'test-chain'"),
    "future-height": (_future, "height 3, above the block's 2"),
    "args-not-a-map": (_args(evidence=5), "evidence: expected a map, got int"),
    "args-garbage-bytes": (_args(evidence=b"\xde\xad\xbe\xef"), "expected a map, got bytes"),
    "args-missing-key": (_args(), "missing ['evidence']"),
    "args-extra-key": (_extra_key, "unexpected ['reporter']"),
    "evidence-missing-second": (_evidence_missing_second, "missing ['second']"),
    "evidence-extra-field": (_evidence_extra_field, "unexpected ['third']"),
    "evidence-bad-vote": (_bad_vote_field, "evidence.first: vote.height"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_f_e6_bad_evidence_gets_a_failure_receipt(chain: Chain, case: str) -> None:
    build, reason = REFUSED[case]
    root = chain.state_root(1)
    [receipt] = chain.commit([build(chain.maker)])
    _refused(receipt, reason)
    assert chain.state_root(2) == root


# --- the handler at its limits ----------------------------------------------


def _context(height: int) -> TxContext:
    return TxContext(height, 0, b"\x00" * 32, lambda _key: None, {})


def test_f_e6_evidence_age_and_height_limits_at_the_boundary() -> None:
    maker = _intl_maker()
    handle = evidence_handler(maker.suite, lambda _height: maker.validators)
    tx = _tx(maker, _double_vote(maker, height=5))

    for ctx_height in (5, 5 + MAX_EVIDENCE_AGE):
        ctx = _context(ctx_height)
        handle(ctx, tx)
        assert len(ctx.writes) == 1
    with pytest.raises(ContractError, match="above the block's 4"):
        handle(_context(4), tx)
    with pytest.raises(ContractError, match=f"more than {MAX_EVIDENCE_AGE} heights below"):
        handle(_context(6 + MAX_EVIDENCE_AGE), tx)


_VOTE_FIELDS = ("chain_id", "type", "height", "round", "block_hash", "time", "validator")


@settings(max_examples=200, deadline=None)
@given(
    which=st.sampled_from(["first", "second"]),
    field=st.sampled_from([*_VOTE_FIELDS, "signature"]),
    value=values,
    whole=st.one_of(st.none(), values),
)
def test_f_e6_handler_refuses_anything_with_contract_error_only(
    which: str, field: str, value: object, whole: object
) -> None:
    maker = _intl_maker()
    handle = evidence_handler(maker.suite, lambda _height: maker.validators)
    evidence = _evidence_map(maker)
    mangled = {**evidence, which: {**evidence[which], field: value}} if whole is None else whole
    tx = dataclasses.replace(_tx(maker, _double_vote(maker)), args={"evidence": mangled})
    ctx = _context(3)
    try:
        handle(ctx, tx)
    except ContractError:
        assert ctx.writes == {}
        assert ctx.events == []


# --- the record itself ------------------------------------------------------


def test_f_e6_duplicate_vote_round_trips_through_cbor() -> None:
    maker = _intl_maker()
    evidence = _double_vote(maker, round_=7, vote_type=VoteType.PRECOMMIT)
    assert DuplicateVote.from_cbor(evidence.to_cbor()) == evidence
    assert DuplicateVote.from_cbor(decode(encode(evidence.to_cbor()))) == evidence


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda m: {**m, "third": m["first"]}, r"unexpected \['third'\]"),
        (lambda m: {"first": m["first"]}, r"missing \['second'\]"),
        (lambda m: [m["first"], m["second"]], "expected a map, got list"),
        (lambda m: {**m, "second": b"vote"}, "evidence.second: vote: expected a map"),
    ],
    ids=["extra-key", "missing-key", "not-a-map", "vote-not-a-map"],
)
def test_f_e6_duplicate_vote_from_cbor_is_strict(
    mangle: Callable[[dict[str, object]], object], reason: str
) -> None:
    evidence = _double_vote(_intl_maker())
    with pytest.raises(ValidationError, match=reason):
        DuplicateVote.from_cbor(mangle(evidence.to_cbor()))


def test_f_e6_evidence_tx_is_signed_and_checked() -> None:
    maker = _intl_maker()
    evidence = _double_vote(maker)
    tx = _tx(maker, evidence)
    assert tx.type == EVIDENCE_TX_TYPE
    assert tx.args == {"evidence": evidence.to_cbor()}
    records.verify_tx_signature(maker.suite, tx)
    with pytest.raises(ValidationError, match="nonce"):
        evidence_tx(maker.keys[0], CHAIN_ID, evidence, b"short", 10)
    with pytest.raises(ValidationError, match="address"):
        evidence_key(b"\x01" * 19, 1, 0, VoteType.PREVOTE)
