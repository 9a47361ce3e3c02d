"""The storage node trusts records only with a state fact that verifies against the genesis.

A real chain with a registry (``GovernedChain``) answers as chain nodes do,
through an httpx mock transport: some nodes are down, one lies.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from govchain.contracts.proving_reader import ChainReader
from govchain.contracts.registry.reads import account_with_fact, member_with_fact
from govchain.contracts.registry.records import MemberRecord
from govchain.contracts.registry.state import member_key
from govchain.storage_node.access import BlobGrant
from govchain.storage_node.chain_source import (
    ChainUnavailableError,
    GrantRead,
    HttpChainSource,
    TimedCache,
)
from govchain.types.errors import ProofError
from tests.unit.contracts.governed_chain import GovernedChain

GOOD, DOWN, LIAR = "http://good:1", "http://down:1", "http://liar:1"


@pytest.fixture(scope="module")
def gc() -> GovernedChain:
    chain = GovernedChain.make()
    chain.run()
    return chain


def _answer(gc: GovernedChain, path: str) -> tuple[int, dict[str, Any]]:
    with gc.chain.view() as view:
        reader = ChainReader(view)
        if path.startswith("/v1/accounts/"):
            proven = account_with_fact(reader, bytes.fromhex(path.rsplit("/", 1)[1]))
            record, name = proven.account, "account"
        else:
            proven = member_with_fact(reader, path.rsplit("/", 1)[1])  # type: ignore[assignment]
            record, name = proven.member, "member"  # type: ignore[attr-defined]
    if record is None:
        return 404, {"error": {"code": "not_found", "message": "absent"}}
    return 200, {name: record.to_json(), "fact": proven.proven.fact.to_json()}


Json = dict[str, Any]


def _transport(
    gc: GovernedChain, calls: list[str], liar_fact: Callable[[Json], Json] | None = None
) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        url = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        calls.append(url)
        if url == DOWN:
            raise httpx.ConnectError("refused", request=request)
        status, body = _answer(gc, request.url.path)
        if url == LIAR and status == 200 and liar_fact is not None:
            body = {**body, "fact": liar_fact(body["fact"])}
        return httpx.Response(status, content=json.dumps(body).encode())

    return httpx.MockTransport(handle)


def _source(
    gc: GovernedChain,
    urls: tuple[str, ...],
    calls: list[str],
    liar_fact: Callable[[Json], Json] | None = None,
    cache_s: float = 10.0,
) -> HttpChainSource:
    transport = _transport(gc, calls, liar_fact)
    return HttpChainSource(urls, gc.genesis, {}, transport=transport, cache_s=cache_s)


def test_a_proven_account_and_member_are_read_past_a_node_that_is_down(gc: GovernedChain) -> None:
    calls: list[str] = []
    source = _source(gc, (DOWN, GOOD), calls)
    for _ in range(2):  # whichever the rotation tries first
        account = source.account(gc.address(gc.client))
        assert account is not None
        assert account.kind == "client"
        assert account.org == gc.codes[0]
    member = source.member(gc.codes[1])
    assert member is not None
    assert member.status == "active"
    assert GOOD in calls


def test_an_unregistered_account_is_none_and_the_answer_is_cached(gc: GovernedChain) -> None:
    calls: list[str] = []
    source = _source(gc, (GOOD,), calls)
    stranger = bytes(20)
    assert source.account(stranger) is None
    assert source.account(stranger) is None
    assert len(calls) == 1


def test_a_fact_that_does_not_verify_is_skipped_for_the_next_node(gc: GovernedChain) -> None:
    def tamper(fact: Json) -> Json:
        commit = fact["commit"]
        flipped = commit[:-2] + ("00" if commit[-2:] != "00" else "11")
        return {**fact, "commit": flipped}

    calls: list[str] = []
    source = _source(gc, (LIAR, GOOD), calls, liar_fact=tamper, cache_s=0)
    for _ in range(2):
        assert source.account(gc.address(gc.client)) is not None
    assert LIAR in calls  # it was asked, and its answer was not taken


def test_a_fact_of_another_key_is_not_taken(gc: GovernedChain) -> None:
    other = _answer(gc, f"/v1/registry/members/{gc.codes[2]}")[1]["fact"]
    calls: list[str] = []
    source = _source(gc, (LIAR,), calls, liar_fact=lambda _fact: other)
    with pytest.raises(ChainUnavailableError):
        source.member(gc.codes[1])


def test_with_no_node_answering_the_source_is_unavailable(gc: GovernedChain) -> None:
    with pytest.raises(ChainUnavailableError):
        _source(gc, (DOWN,), []).account(gc.address(gc.client))


def test_a_grant_is_read_with_the_records_own_decoder(gc: GovernedChain) -> None:
    """The asset and locker reads plug in as GrantReads; a member record stands in here."""
    code = gc.codes[3]
    decoded: list[str] = []

    def grant_of(raw: bytes) -> BlobGrant:
        decoded.append(MemberRecord.from_stored(raw).code)
        return BlobGrant("member", bytes(32), bytes(20), decoded[-1])

    read = GrantRead(
        path=lambda key: f"/v1/registry/members/{key.decode()}",
        state_key=lambda key: member_key(key.decode()),
        grant=grant_of,
    )
    source = HttpChainSource((GOOD,), gc.genesis, {"member": read}, transport=_transport(gc, []))
    grant = source.grant("member", code.encode())
    assert grant is not None
    assert grant.issuer == code
    assert decoded == [code]


def test_a_source_refuses_a_genesis_whose_validator_keys_do_not_match(gc: GovernedChain) -> None:
    validators = gc.genesis.validators
    first = validators.validators[0]
    broken = dataclasses.replace(first, address=bytes(20))
    genesis = dataclasses.replace(
        gc.genesis,
        validators=dataclasses.replace(validators, validators=(broken, *validators.validators[1:])),
    )
    with pytest.raises(ProofError, match="genesis"):
        HttpChainSource((GOOD,), genesis, {})


def test_the_cache_forgets_after_its_time_and_when_full() -> None:
    now = [0.0]
    cache = TimedCache(10, capacity=2, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", None)
    assert cache.get("a") == 1
    assert cache.get("b") is None
    cache.put("c", 3)  # full: the oldest goes
    assert cache.get("a") is TimedCache.MISSING
    now[0] = 11
    assert cache.get("c") is TimedCache.MISSING
