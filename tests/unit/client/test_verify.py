"""Offline verification of receipts and proofs, against a trusted genesis only (F-A4, F-C5, F-A7).

Every test builds a real chain (signed txs, executed blocks, commits signed
by the validators), exports proofs from it, and checks them with nothing but
the genesis. Each way of lying is one failing case, named by its check.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.client import (
    verify_header,
    verify_headers_consistent,
    verify_in_history,
    verify_state,
    verify_tx_receipt,
)
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.genesis_file import genesis_from_json, genesis_json_text, genesis_to_json
from govchain.ledger.proofs import (
    ConsistencyProof,
    InclusionProof,
    TxReceiptBundle,
    consistency_between,
    history_proof,
    state_proof,
    tx_receipt_bundle,
)
from govchain.ledger.statetree import StateProof
from govchain.storage import MemoryStore
from govchain.types import Receipt, ValidatorSet
from govchain.types.errors import GovChainError, LedgerError, ProofError, ValidationError

from ...chain_support import ChainMaker

BLOCKS = 6


@dataclasses.dataclass
class Chain:
    maker: ChainMaker
    store: ChainStore
    tx_hashes: list[bytes]


def _build(suite: str) -> Chain:
    maker = ChainMaker.make(suite)
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    last = None
    for b in range(BLOCKS):
        txs = [maker.tx(maker.keys[i], key=f"k{b}-{i}".encode(), value=b"v") for i in range(3)]
        if b == 2:  # a refused tx is committed with a failure receipt, and provable too
            txs.append(maker.tx(maker.keys[0], key=b"deny", value=b"v"))
        last = maker.extend(chain, txs, last)
    with chain.view() as view:
        hashes = [
            records.tx_hash(maker.suite, tx)
            for h in range(1, BLOCKS + 1)
            for tx in view.block(h).txs
        ]
    return Chain(maker, chain, hashes)


@pytest.fixture(scope="module", params=["intl", "gm"])
def chain(request: pytest.FixtureRequest) -> Chain:
    return _build(request.param)


def _bundle(chain: Chain, index: int = 0) -> TxReceiptBundle:
    with chain.store.view() as view:
        return tx_receipt_bundle(view, chain.tx_hashes[index])


def _expect_check(check: str, run: Callable[[], object]) -> None:
    with pytest.raises(ProofError) as caught:
        run()
    assert caught.value.check == check, (caught.value.check, str(caught.value))


# --- receipts: accepted -------------------------------------------------------


def test_every_committed_tx_has_a_receipt_that_verifies_offline(chain: Chain) -> None:
    genesis = chain.maker.genesis
    for number, tx_hash in enumerate(chain.tx_hashes):
        with chain.store.view() as view:
            height, index = view.tx_location(tx_hash) or (0, 0)
            stored_receipt = view.receipts(height)[index]
            block_hash = view.block_hash(height)
        bundle = _bundle(chain, number)
        # through the JSON file form, as a client receives it
        parsed = TxReceiptBundle.from_json(json.loads(json.dumps(bundle.to_json())))
        assert parsed == bundle
        checked = verify_tx_receipt(genesis, parsed)
        assert (checked.height, checked.index, checked.tx_hash) == (height, index, tx_hash)
        assert checked.block_hash == block_hash
        assert checked.status == stored_receipt.status
        assert checked.signed_power == genesis.validators.total_power


def test_a_refused_tx_proves_its_failure(chain: Chain) -> None:
    statuses = [verify_tx_receipt(chain.maker.genesis, _bundle(chain, i)).status for i in range(13)]
    assert statuses.count(1) == 1  # the b"deny" tx in block 3
    refused = verify_tx_receipt(chain.maker.genesis, _bundle(chain, 9))
    assert (refused.status, refused.height) == (1, 3)
    assert "refused" in refused.error


def test_a_bare_quorum_of_signatures_is_enough(chain: Chain) -> None:
    bundle = _bundle(chain)
    maker = chain.maker
    block_hash = records.header_hash(maker.suite, bundle.header)
    three = maker.commit(bundle.header.height, block_hash, bundle.header.time, signers=3)
    checked = verify_tx_receipt(maker.genesis, dataclasses.replace(bundle, commit=three))
    assert checked.signed_power == 30


# --- receipts: each lie is caught by its check --------------------------------


def test_tx_with_altered_args_fails_its_signature(chain: Chain) -> None:
    bundle = _bundle(chain)
    forged = dataclasses.replace(bundle.tx, args={**bundle.tx.args, "value": b"forged"})
    _expect_check(
        "tx_signature",
        lambda: verify_tx_receipt(chain.maker.genesis, dataclasses.replace(bundle, tx=forged)),
    )


def test_another_signed_tx_is_not_in_the_block(chain: Chain) -> None:
    bundle = _bundle(chain)
    maker = chain.maker
    other = maker.tx(maker.keys[1], key=b"never", value=b"committed")
    receipt = dataclasses.replace(bundle.receipt, tx_hash=records.tx_hash(maker.suite, other))
    lie = dataclasses.replace(bundle, tx=other, receipt=receipt)
    _expect_check("tx_inclusion", lambda: verify_tx_receipt(maker.genesis, lie))


def test_receipt_of_another_tx_is_refused(chain: Chain) -> None:
    bundle, other = _bundle(chain, 0), _bundle(chain, 1)
    lie = dataclasses.replace(bundle, receipt=other.receipt)
    _expect_check("receipt", lambda: verify_tx_receipt(chain.maker.genesis, lie))


def test_receipt_with_a_better_status_is_not_in_the_block(chain: Chain) -> None:
    refused = _bundle(chain, 9)
    assert refused.receipt.status == 1
    lie = dataclasses.replace(refused, receipt=Receipt(refused.receipt.tx_hash, 0))
    _expect_check("receipt_inclusion", lambda: verify_tx_receipt(chain.maker.genesis, lie))


def test_mismatched_tx_and_receipt_indexes_are_refused(chain: Chain) -> None:
    bundle = _bundle(chain, 1)
    moved = dataclasses.replace(bundle.receipt_proof, index=0)
    lie = dataclasses.replace(bundle, receipt_proof=moved)
    _expect_check("receipt", lambda: verify_tx_receipt(chain.maker.genesis, lie))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: dataclasses.replace(p, path=p.path[:-1]),
        lambda p: dataclasses.replace(p, path=(*p.path, p.path[0])),
        lambda p: dataclasses.replace(p, path=(bytes(32), *p.path[1:])),
        lambda p: dataclasses.replace(p, leaf_hash=bytes(32)),
        lambda p: dataclasses.replace(p, index=p.size),
    ],
    ids=["truncated", "extra", "wrong-sibling", "wrong-leaf", "index-out-of-range"],
)
def test_damaged_tx_proof_is_refused(
    chain: Chain, damage: Callable[[InclusionProof], InclusionProof]
) -> None:
    bundle = _bundle(chain, 1)
    lie = dataclasses.replace(bundle, tx_proof=damage(bundle.tx_proof))
    with pytest.raises(ProofError) as caught:
        verify_tx_receipt(chain.maker.genesis, lie)
    assert caught.value.check in {"tx_inclusion", "receipt"}


def test_altered_header_is_not_what_the_commit_signed(chain: Chain) -> None:
    bundle = _bundle(chain)
    header = dataclasses.replace(bundle.header, time=bundle.header.time + 1)
    _expect_check(
        "commit",
        lambda: verify_tx_receipt(chain.maker.genesis, dataclasses.replace(bundle, header=header)),
    )


def test_commit_below_two_thirds_is_refused(chain: Chain) -> None:
    bundle = _bundle(chain)
    maker = chain.maker
    block_hash = records.header_hash(maker.suite, bundle.header)
    two = maker.commit(bundle.header.height, block_hash, bundle.header.time, signers=2)
    lie = dataclasses.replace(bundle, commit=two)
    _expect_check("commit", lambda: verify_tx_receipt(maker.genesis, lie))


def test_commit_with_a_bad_signature_is_refused(chain: Chain) -> None:
    bundle = _bundle(chain)
    first = bundle.commit.signatures[0]
    bad = dataclasses.replace(
        first, signature=first.signature[:-1] + bytes([first.signature[-1] ^ 1])
    )
    commit = dataclasses.replace(bundle.commit, signatures=(bad, *bundle.commit.signatures[1:]))
    lie = dataclasses.replace(bundle, commit=commit)
    _expect_check("commit", lambda: verify_tx_receipt(chain.maker.genesis, lie))


def test_a_chain_with_other_validators_is_refused(chain: Chain) -> None:
    impostor = _build(chain.maker.genesis.suite)  # same chain id, other keys
    _expect_check("header", lambda: verify_tx_receipt(chain.maker.genesis, _bundle(impostor)))


def test_receipt_for_another_chain_is_refused(chain: Chain) -> None:
    other = dataclasses.replace(chain.maker.genesis, chain_id="other-chain")
    _expect_check("tx", lambda: verify_tx_receipt(other, _bundle(chain)))


def test_genesis_whose_address_does_not_match_its_key_is_refused(chain: Chain) -> None:
    genesis = chain.maker.genesis
    members = list(genesis.validators.validators)
    a, b = members[0], members[1]
    members[0] = dataclasses.replace(a, public_key=b.public_key)
    bad = dataclasses.replace(genesis, validators=ValidatorSet(tuple(members)))
    _expect_check("genesis", lambda: verify_tx_receipt(bad, _bundle(chain)))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_changed_hex_digit_in_a_receipt_file_is_refused(data: st.DataObject) -> None:
    chain = _CHAIN_FOR_FUZZ
    obj = _bundle(chain, 4).to_json()
    fields = ["tx", "receipt", "header", "commit"]
    field = data.draw(st.sampled_from([*fields, "tx_proof", "receipt_proof"]))
    if field in fields:
        text = obj[field]
    else:
        part = data.draw(st.sampled_from(["leaf_hash", "proof"]))
        text = obj[field][part] if part == "leaf_hash" else "".join(obj[field][part])
    position = data.draw(st.integers(0, len(text) - 1))
    digit = data.draw(st.sampled_from([c for c in "0123456789abcdef" if c != text[position]]))
    changed = text[:position] + digit + text[position + 1 :]
    if field in fields:
        obj[field] = changed
    elif part == "leaf_hash":
        obj[field]["leaf_hash"] = changed
    else:
        obj[field]["proof"] = [changed[i : i + 64] for i in range(0, len(changed), 64)]
    with pytest.raises((ProofError, ValidationError)):
        verify_tx_receipt(chain.maker.genesis, TxReceiptBundle.from_json(obj))


_CHAIN_FOR_FUZZ = _build("intl")


@pytest.mark.parametrize(
    "obj",
    [
        None,
        [],
        {"format": "govchain/tx-receipt/v1"},
        {**_bundle(_CHAIN_FOR_FUZZ).to_json(), "format": "govchain/tx-receipt/v0"},
        {**_bundle(_CHAIN_FOR_FUZZ).to_json(), "tx": "zz"},
        {**_bundle(_CHAIN_FOR_FUZZ).to_json(), "tx": "a0"},
        {**_bundle(_CHAIN_FOR_FUZZ).to_json(), "tx_proof": {"index": -1}},
        {**_bundle(_CHAIN_FOR_FUZZ).to_json(), "extra": 1},
    ],
    ids=["null", "list", "partial", "format", "not-hex", "not-a-tx", "bad-proof", "extra-field"],
)
def test_malformed_receipt_files_raise_typed_errors(obj: object) -> None:
    with pytest.raises((ProofError, ValidationError)):
        TxReceiptBundle.from_json(obj)


# --- history, consistency and state -----------------------------------------


def test_old_blocks_prove_against_every_newer_header(chain: Chain) -> None:
    genesis = chain.maker.genesis
    with chain.store.view() as view:
        for trusted_height in range(2, BLOCKS + 1):
            trusted = view.header(trusted_height)
            verify_header(genesis, trusted, view.commit(trusted_height), ())
            for height in range(1, trusted_height):
                proof = history_proof(view, height, trusted_height)
                verify_in_history(genesis, trusted, height, view.block_hash(height), proof)
                with pytest.raises(ProofError, match="history"):
                    verify_in_history(genesis, trusted, height, bytes(32), proof)
                if height > 1:  # the right hash claimed at the wrong height
                    with pytest.raises(ProofError, match="history"):
                        verify_in_history(
                            genesis, trusted, height - 1, view.block_hash(height), proof
                        )


def test_headers_prove_consistent(chain: Chain) -> None:
    genesis = chain.maker.genesis
    with chain.store.view() as view:
        for h1 in range(2, BLOCKS + 1):
            for h2 in range(h1, BLOCKS + 1):
                proof = consistency_between(view, h1, h2)
                parsed = ConsistencyProof.from_json(json.loads(json.dumps(proof.to_json())))
                verify_headers_consistent(genesis, view.header(h1), view.header(h2), parsed)
        wrong = consistency_between(view, 2, 4)
        _expect_check(
            "consistency",
            lambda: verify_headers_consistent(genesis, view.header(2), view.header(5), wrong),
        )
        older = dataclasses.replace(view.header(3), history_root=bytes(32))
        proof = consistency_between(view, 3, 5)
        _expect_check(
            "consistency", lambda: verify_headers_consistent(genesis, older, view.header(5), proof)
        )


def test_state_values_and_absence_prove_against_a_header(chain: Chain) -> None:
    genesis = chain.maker.genesis
    with chain.store.view() as view:
        trusted = view.header(BLOCKS)
        present = state_proof(view, b"kv/k0-1", BLOCKS)
        absent = state_proof(view, b"kv/deny", BLOCKS)
        later = state_proof(view, b"kv/k5-0", 2)  # written in block 6, absent at 2
        header_2 = view.header(2)
    as_json = StateProof.from_json(json.loads(json.dumps(present.to_json())))
    assert verify_state(genesis, trusted, as_json) == b"v"
    assert verify_state(genesis, trusted, absent) is None
    assert verify_state(genesis, header_2, later) is None
    with pytest.raises(ProofError):
        verify_state(genesis, header_2, present)  # not the root it was made for
    with pytest.raises(ProofError):
        verify_state(genesis, trusted, dataclasses.replace(present, value=b"w"))


def test_proof_builders_refuse_heights_the_chain_lacks(chain: Chain) -> None:
    with chain.store.view() as view:
        with pytest.raises(LedgerError):
            history_proof(view, BLOCKS, BLOCKS)
        with pytest.raises(LedgerError):
            consistency_between(view, 1, 3)
        with pytest.raises(LedgerError):
            state_proof(view, b"k", BLOCKS + 1)
        with pytest.raises(LedgerError):
            tx_receipt_bundle(view, bytes(32))


# --- genesis file ---------------------------------------------------------------


def test_genesis_file_round_trips(chain: Chain) -> None:
    genesis = chain.maker.genesis
    assert genesis_from_json(json.loads(genesis_json_text(genesis))) == genesis


@pytest.mark.parametrize(
    "change",
    [
        lambda g: g.pop("validators"),
        lambda g: g.update(time="0"),
        lambda g: g.update(time=True),
        lambda g: g.update(suite="rsa"),
        lambda g: g["validators"][0].update(address="xyz"),
        lambda g: g["validators"][0].update(power=0),
        lambda g: g.update(validators=[]),
        lambda g: g.update(validators=[1]),
    ],
    ids=["no-validators", "time-text", "time-bool", "suite", "hex", "power", "empty", "item"],
)
def test_malformed_genesis_files_raise_validation_errors(
    chain: Chain, change: Callable[[dict[str, object]], object]
) -> None:
    obj = genesis_to_json(chain.maker.genesis)
    change(obj)
    with pytest.raises(ValidationError):
        genesis_from_json(obj)


def test_proof_errors_are_govchain_errors_with_a_code() -> None:
    assert issubclass(ProofError, GovChainError)
    assert ProofError("x", "commit").code == "invalid_proof"
