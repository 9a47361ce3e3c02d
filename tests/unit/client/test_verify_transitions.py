"""Receipts and state facts stay offline-verifiable across validator-set changes (issue 15
item 6; F-A2, F-A4, F-C5; docs/spec/ledger.md "Receipts across set changes").

A real governed chain changes its set three times by vote (``changing_chain``).
Receipts and state facts from before, between and after the changes verify
with nothing but the genesis; a transition tampered, dropped or reordered
fails with check ``transition`` naming the step, and a missing last
transition fails naming a missing transition.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import pytest

from govchain.client import verify_header, verify_tx_receipt
from govchain.client.verify import verify_state_fact
from govchain.contracts import ChainReader
from govchain.contracts.facts import prove_key
from govchain.ledger.proofs import (
    SetTransition,
    StateFact,
    TxReceiptBundle,
    set_transitions,
    state_fact,
    state_proof,
    tx_receipt_bundle,
)
from govchain.ledger.validator_sets import VALIDATOR_SET_KEY, decode_set, encode_set
from govchain.types.errors import LedgerError, ProofError, ValidationError

from .changing_chain import TOTAL_POWER_AFTER, ChangingChain, build_changing_chain

CHANGES = 3


@pytest.fixture(scope="module")
def changing() -> ChangingChain:
    return build_changing_chain("intl")


def _bundle(changing: ChangingChain, changes_before: int) -> TxReceiptBundle:
    with changing.gc.chain.view() as view:
        return tx_receipt_bundle(view, changing.tx_at(changes_before))


def _refused(run: Callable[[], object]) -> ProofError:
    with pytest.raises(ProofError) as caught:
        run()
    return caught.value


def _transition_refused(run: Callable[[], object], number: int) -> str:
    error = _refused(run)
    assert error.check == "transition", (error.check, str(error))
    assert f"transition {number} " in str(error), str(error)
    return str(error)


# --- accepted -------------------------------------------------------------------


@pytest.mark.parametrize("suite_name", ["intl", "gm"])
def test_f_a4_every_receipt_before_between_and_after_changes_verifies_with_the_genesis(
    suite_name: str, changing: ChangingChain
) -> None:
    chain = changing if suite_name == "intl" else build_changing_chain(suite_name)
    genesis = chain.gc.genesis
    starts = chain.starts
    for tx_hash, height in chain.tx_heights.items():
        with chain.gc.chain.view() as view:
            bundle = tx_receipt_bundle(view, tx_hash)
            block_hash = view.block_hash(height)
        in_force = sum(1 for start in starts if start <= height)
        assert [t.start for t in bundle.transitions] == list(starts[:in_force])
        parsed = TxReceiptBundle.from_json(json.loads(json.dumps(bundle.to_json())))
        assert parsed == bundle
        checked = verify_tx_receipt(genesis, parsed)
        assert (checked.height, checked.tx_hash, checked.block_hash) == (
            height,
            tx_hash,
            block_hash,
        )
        assert checked.transitions == in_force
        assert checked.signed_power == checked.total_power == TOTAL_POWER_AFTER[in_force]


def test_f_a4_the_cost_grows_with_the_changes_not_the_blocks(changing: ChangingChain) -> None:
    latest = _bundle(changing, CHANGES)
    assert len(latest.transitions) == CHANGES
    assert latest.header.height > 3 * CHANGES  # many more blocks than transitions
    assert _bundle(changing, 0).transitions == ()


def test_f_c5_state_facts_verify_across_changes(changing: ChangingChain) -> None:
    genesis = changing.gc.genesis
    with changing.gc.chain.view() as view:
        heights = [1, *changing.starts, view.height]
        facts = [
            (height, prove_key(ChainReader(view, height), VALIDATOR_SET_KEY), view)
            for height in heights
        ]
        expected = [view.validators(height + 2) for height in heights]
        assert state_fact(view, VALIDATOR_SET_KEY, view.height) == facts[-1][1].fact
    for (height, proven, _view), validators in zip(facts, expected, strict=True):
        parsed = StateFact.from_json(json.loads(json.dumps(proven.fact.to_json())))
        assert parsed == proven.fact
        assert len(parsed.transitions) == sum(1 for s in changing.starts if s <= height)
        value = verify_state_fact(genesis, parsed, VALIDATOR_SET_KEY)
        assert value is not None
        assert decode_set(value) == validators  # the state names the set of height + 2


def test_verify_header_walks_the_transitions_it_is_given(changing: ChangingChain) -> None:
    genesis = changing.gc.genesis
    with changing.gc.chain.view() as view:
        height = view.height
        header, commit = view.header(height), view.commit(height)
        transitions = set_transitions(view, height)
    assert verify_header(genesis, header, commit, transitions) == TOTAL_POWER_AFTER[CHANGES]
    error = _refused(lambda: verify_header(genesis, header, commit, ()))
    assert error.check == "header"
    assert "a transition is missing" in str(error)


# --- each lie about a transition is named ------------------------------------------


def _with_transitions(
    bundle: TxReceiptBundle, transitions: tuple[SetTransition, ...]
) -> TxReceiptBundle:
    return dataclasses.replace(bundle, transitions=transitions)


def _replace_one(
    bundle: TxReceiptBundle, number: int, change: Callable[[SetTransition], SetTransition]
) -> TxReceiptBundle:
    items = list(bundle.transitions)
    items[number - 1] = change(items[number - 1])
    return _with_transitions(bundle, tuple(items))


def _flip_signature(t: SetTransition) -> SetTransition:
    first = t.commit.signatures[0]
    bad = dataclasses.replace(
        first, signature=first.signature[:-1] + bytes([first.signature[-1] ^ 1])
    )
    return dataclasses.replace(
        t, commit=dataclasses.replace(t.commit, signatures=(bad, *t.commit.signatures[1:]))
    )


@pytest.mark.parametrize("number", [1, 2, 3])
@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (_flip_signature, "commit"),
        (
            lambda t: dataclasses.replace(
                t, commit=dataclasses.replace(t.commit, signatures=t.commit.signatures[:1])
            ),
            "power",
        ),
        (
            lambda t: dataclasses.replace(
                t, announcing=dataclasses.replace(t.announcing, time=t.announcing.time + 1)
            ),
            "commit",
        ),
        (
            lambda t: dataclasses.replace(
                t, previous=dataclasses.replace(t.previous, state_root=bytes(32))
            ),
            "previous header",
        ),
        (
            lambda t: dataclasses.replace(
                t, proof=dataclasses.replace(t.proof, value=t.proof.value + b"\x00")
            ),
            "state proof",
        ),
        (
            lambda t: dataclasses.replace(t, proof=dataclasses.replace(t.proof, key=b"other")),
            "another key",
        ),
    ],
    ids=[
        "commit-signature",
        "commit-power",
        "announcing-header",
        "previous-header",
        "proof-value",
        "proof-key",
    ],
)
def test_f_a4_a_tampered_transition_fails_naming_its_step(
    changing: ChangingChain,
    number: int,
    damage: Callable[[SetTransition], SetTransition],
    named: str,
) -> None:
    bundle = _bundle(changing, CHANGES)
    lie = _replace_one(bundle, number, damage)
    message = _transition_refused(lambda: verify_tx_receipt(changing.gc.genesis, lie), number)
    assert f"height {changing.starts[number - 1]}" in message
    assert named in message


def test_a_proof_of_another_set_value_is_refused(changing: ChangingChain) -> None:
    bundle = _bundle(changing, CHANGES)
    genesis_bytes = encode_set(changing.gc.genesis.validators)
    lie = _replace_one(
        bundle,
        2,
        lambda t: dataclasses.replace(t, proof=dataclasses.replace(t.proof, value=genesis_bytes)),
    )
    _transition_refused(lambda: verify_tx_receipt(changing.gc.genesis, lie), 2)


@pytest.mark.parametrize("dropped", [1, 2])
def test_f_a4_a_dropped_transition_fails_at_the_next_one(
    changing: ChangingChain, dropped: int
) -> None:
    bundle = _bundle(changing, CHANGES)
    kept = tuple(t for n, t in enumerate(bundle.transitions, start=1) if n != dropped)
    message = _transition_refused(
        lambda: verify_tx_receipt(changing.gc.genesis, _with_transitions(bundle, kept)), dropped
    )
    assert "a transition is missing or out of order" in message


@pytest.mark.parametrize("kept", [0, 1, 2])
def test_f_a4_missing_last_transitions_fail_naming_a_missing_transition(
    changing: ChangingChain, kept: int
) -> None:
    bundle = _bundle(changing, CHANGES)
    lie = _with_transitions(bundle, bundle.transitions[:kept])
    error = _refused(lambda: verify_tx_receipt(changing.gc.genesis, lie))
    assert error.check == "header"
    assert "a transition is missing" in str(error)


@pytest.mark.parametrize("pair", [(1, 2), (2, 3)])
def test_f_a4_reordered_transitions_fail_naming_the_step(
    changing: ChangingChain, pair: tuple[int, int]
) -> None:
    bundle = _bundle(changing, CHANGES)
    items = list(bundle.transitions)
    first, second = pair
    items[first - 1], items[second - 1] = items[second - 1], items[first - 1]
    message = _transition_refused(
        lambda: verify_tx_receipt(changing.gc.genesis, _with_transitions(bundle, tuple(items))),
        first,
    )
    assert "heights must increase" in message or "out of order" in message


def test_a_transition_after_the_header_is_refused(changing: ChangingChain) -> None:
    early = _bundle(changing, 0)
    later = _bundle(changing, 1)
    lie = _with_transitions(early, later.transitions)
    message = _transition_refused(lambda: verify_tx_receipt(changing.gc.genesis, lie), 1)
    assert "at most the header's" in message


def test_a_transition_that_changes_nothing_is_refused(changing: ChangingChain) -> None:
    """All its parts are genuine and signed, but the set it proves is the one before."""
    with changing.gc.chain.view() as view:
        sham = SetTransition(
            view.header(2), view.commit(2), view.header(1), state_proof(view, VALIDATOR_SET_KEY, 1)
        )
        tx_hash = next(h for h, height in changing.tx_heights.items() if height == 3)
        bundle = tx_receipt_bundle(view, tx_hash)
    assert bundle.transitions == ()  # the first change starts later
    lie = _with_transitions(bundle, (sham,))
    message = _transition_refused(lambda: verify_tx_receipt(changing.gc.genesis, lie), 1)
    assert "no change" in message


# --- JSON forms -------------------------------------------------------------------


def test_transitions_round_trip_and_parse_strictly(changing: ChangingChain) -> None:
    bundle = _bundle(changing, CHANGES)
    obj = bundle.to_json()
    assert len(obj["transitions"]) == CHANGES
    assert set(obj["transitions"][0]) == {"announcing", "commit", "previous", "proof"}
    assert TxReceiptBundle.from_json(json.loads(json.dumps(obj))) == bundle
    extra = {**obj, "transitions": [{**obj["transitions"][0], "start": 5}]}
    with pytest.raises(ProofError, match="set transition"):
        TxReceiptBundle.from_json(extra)
    with pytest.raises(ProofError, match="transitions"):
        TxReceiptBundle.from_json({**obj, "transitions": {}})
    not_a_header = [{**obj["transitions"][0], "announcing": "a0"}]
    with pytest.raises(ValidationError, match="transition 1"):
        TxReceiptBundle.from_json({**obj, "transitions": not_a_header})
    bad_proof = [{**obj["transitions"][1], "proof": {"key": "zz"}}]
    with pytest.raises(ProofError, match="transition 1"):
        TxReceiptBundle.from_json({**obj, "transitions": bad_proof})


def _flip_last_digit(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


@pytest.mark.parametrize("field", ["announcing", "commit", "previous", "proof-value"])
def test_f_a4_a_byte_changed_in_a_transition_of_the_file_is_named(
    changing: ChangingChain, field: str
) -> None:
    obj = _bundle(changing, CHANGES).to_json()
    transition = obj["transitions"][1]
    if field == "proof-value":
        transition["proof"]["value"] = _flip_last_digit(transition["proof"]["value"])
    else:
        transition[field] = _flip_last_digit(transition[field])
    parsed = TxReceiptBundle.from_json(json.loads(json.dumps(obj)))
    _transition_refused(lambda: verify_tx_receipt(changing.gc.genesis, parsed), 2)


def test_a_file_without_transitions_still_parses_and_fails_once_the_set_changed(
    changing: ChangingChain,
) -> None:
    genesis = changing.gc.genesis
    before = _bundle(changing, 0).to_json()
    del before["transitions"]
    assert verify_tx_receipt(genesis, TxReceiptBundle.from_json(before)).transitions == 0
    after = _bundle(changing, 2).to_json()
    del after["transitions"]
    error = _refused(lambda: verify_tx_receipt(genesis, TxReceiptBundle.from_json(after)))
    assert (error.check, "a transition is missing" in str(error)) == ("header", True)


def test_set_transitions_refuse_heights_the_chain_lacks(changing: ChangingChain) -> None:
    with changing.gc.chain.view() as view:
        with pytest.raises(LedgerError):
            set_transitions(view, view.height + 1)
        with pytest.raises(LedgerError):
            set_transitions(view, 0)
