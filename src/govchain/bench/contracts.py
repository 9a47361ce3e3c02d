"""``govchain bench contracts``: contract calls committed per second, against notarizations.

F-D2. A fresh local network (4 validators by default) runs as OS processes,
exactly as ``net up`` starts them, with the API rate limits off. The bench's
contract (:data:`COUNTER_WAT`, WebAssembly text made into a module by
``wasmtime.wat2wasm``) is submitted by the first member's admin, approved by a
majority of the member admins and deployed, as any contract is. Its one method
``count`` does what a department's rule typically does: reads a key of its
state, writes it back changed, emits an event and answers canonical CBOR.

Then two phases with the same shape, calls first, then the reference:

- **calls**: ``calls`` ``contracts.call`` txs of ``count``, signed ahead by the
  network's client key, offered at once in batches (``POST /v1/txs/batch``,
  round robin over the nodes) and each waited for;
- **notarizations**: as many ``notary.anchor`` txs, offered the same way.

A phase's rate is its committed txs over the time from the first batch sent
(this machine's clock) to the BFT time of the last block holding them (the
validators' clocks, on the same machine): when the chain committed the last
one, not when this process's polling saw it. The fuel of each call is read from its
receipt. Figures only; nothing here fails on a figure (a refused or failed
call is counted, and the phase's first error is shown).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import wasmtime

from govchain.bench.cluster import percentile
from govchain.bench.network import BenchError, local_network, without_rate_limits
from govchain.bench.procstats import machine
from govchain.client.contracts import ContractsClient
from govchain.client.sdk import ApiError, NodeClient
from govchain.client.submission import committed_receipt
from govchain.contracts.lifecycle.txs import (
    CallArgs,
    DeployArgs,
    ReviewArgs,
    SubmitArgs,
    lifecycle_tx,
)
from govchain.contracts.notary import anchor_tx
from govchain.crypto import SigningKey
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from govchain.types import Receipt, Tx
from govchain.types.errors import GovChainError

__all__ = [
    "COUNTER_WAT",
    "ContractsSettings",
    "PhaseResult",
    "deploy_counter",
    "run_contracts_bench",
]

Progress = Callable[[str], None]

MAX_TXS = 10_000
"""At most this many txs per phase: the mempool of a node holds 10,000."""
BATCH_TXS = 100
"""Txs per ``POST /v1/txs/batch``."""
EXPIRY_AHEAD = 9_000
COMMIT_TIMEOUT_S = 120.0
CONTRACT_NAME = "bench-counter"
SUITES = ("gm", "intl")

COUNTER_WAT = """
(module
  (import "govchain" "state_get" (func $get (param i32 i32 i32 i32) (result i32)))
  (import "govchain" "state_set" (func $set (param i32 i32 i32 i32)))
  (import "govchain" "emit" (func $emit (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\a0")
  (data (i32.const 8) "n")
  (data (i32.const 16) "counted")
  (global $top (mut i32) (i32.const 1024))
  (func (export "govchain_alloc") (param $size i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $top))
    (global.set $top (i32.add (global.get $top) (local.get $size)))
    (local.get $at))
  (func (export "count") (param i32 i32) (result i64)
    (if (i32.ne (call $get (i32.const 8) (i32.const 1) (i32.const 32) (i32.const 8))
                (i32.const 8))
      (then (i64.store (i32.const 32) (i64.const 0))))
    (i64.store (i32.const 32) (i64.add (i64.load (i32.const 32)) (i64.const 1)))
    (call $set (i32.const 8) (i32.const 1) (i32.const 32) (i32.const 8))
    (call $emit (i32.const 16) (i32.const 7) (i32.const 0) (i32.const 1))
    (i64.const 1)))
"""
"""The bench's contract: ``count`` reads the 8-byte counter ``n`` (0 when absent), writes it
back plus one, emits ``counted`` with an empty map and answers an empty map (the byte 0xa0 at
offset 0, length 1)."""


@dataclass(frozen=True)
class ContractsSettings:
    """What ``govchain bench contracts`` was asked for."""

    validators: int = 4
    suite: str = "gm"
    calls: int = 1000
    notarizations: int = 1000
    directory: Path | None = None
    keep: bool = False

    def validate(self) -> None:
        """BenchError when the settings cannot make a run."""
        if self.suite not in SUITES:
            raise BenchError(f"--suite: expected one of {', '.join(SUITES)}, got {self.suite!r}")
        for name, count in (("--calls", self.calls), ("--notarizations", self.notarizations)):
            if not 1 <= count <= MAX_TXS:
                raise BenchError(f"{name} {count}: expected 1..{MAX_TXS}")


@dataclass(frozen=True)
class PhaseResult:
    """One phase's figures."""

    offered: int
    committed: int
    """Committed with status 0."""
    failed: int
    """Refused by a node, or committed with a failure receipt."""
    blocks: int
    seconds: float
    """From the first batch sent to the BFT time of the last block holding the phase's txs."""
    per_s: float
    send_s: float
    """This process's time to offer every batch (the nodes check each tx's signature)."""
    first_error: str


@dataclass(frozen=True)
class _Committed:
    height: int
    time_ms: int
    receipt: Receipt


def _module() -> bytes:
    return bytes(wasmtime.wat2wasm(COUNTER_WAT))


def _accepted(receipt: Receipt, what: str) -> Receipt:
    if receipt.status != 0:
        raise BenchError(f"{what} failed: {receipt.error}")
    return receipt


def deploy_counter(layout: NetworkLayout, progress: Progress) -> bytes:
    """Submit, approve (a majority of the member admins) and deploy the bench's contract."""
    admins = [read_signing_key(admin) for _, _, admin in layout.members]
    urls = [node.api_url for node in layout.nodes]
    progress(f"deploying {CONTRACT_NAME}: submit, {len(admins) // 2 + 1} reviews, deploy")
    with NodeClient(urls, timeout_s=10) as node:
        contracts = ContractsClient(node)

        def send(signer: SigningKey, args: Any, what: str) -> Receipt:
            _, tx_hash = contracts.send(signer, args)
            return _accepted(committed_receipt(node, tx_hash, COMMIT_TIMEOUT_S), what)

        submitted = send(admins[0], SubmitArgs(CONTRACT_NAME, 1, _module()), "submitting")
        contract = next(
            e.attributes["contract"] for e in submitted.events if e.type == "contracts.submitted"
        )
        for admin in admins[: len(admins) // 2 + 1]:
            send(admin, ReviewArgs(contract, 1, True, "bench contract"), "a review")
        send(admins[0], DeployArgs(contract), "deploying")
    return bytes(contract)


def _signed_calls(key: SigningKey, chain_id: str, contract: bytes, expiry: int, count: int
                  ) -> list[Tx]:  # fmt: skip
    args = CallArgs(contract, "count")
    return [lifecycle_tx(key, chain_id, args, os.urandom(16), expiry) for _ in range(count)]


def _signed_anchorings(key: SigningKey, chain_id: str, expiry: int, count: int) -> list[Tx]:
    return [anchor_tx(key, chain_id, os.urandom(32), os.urandom(16), expiry) for _ in range(count)]


def _offer(urls: Sequence[str], txs: Sequence[Tx]) -> tuple[list[bytes], list[str]]:
    """Send ``txs`` in batches, round robin over the nodes: the accepted hashes, the refusals."""
    clients = [NodeClient(url, timeout_s=30) for url in urls]
    accepted: list[bytes] = []
    refused: list[str] = []
    try:
        for number, start in enumerate(range(0, len(txs), BATCH_TXS)):
            batch = txs[start : start + BATCH_TXS]
            for outcome in clients[number % len(clients)].submit_many(batch):
                if isinstance(outcome, ApiError):
                    refused.append(f"{outcome.code}: {outcome}")
                else:
                    accepted.append(outcome)
    finally:
        for client in clients:
            client.close()
    return accepted, refused


def _committed_at(url: str, tx_hashes: Sequence[bytes]) -> list[_Committed]:
    """Each tx's block height, BFT time and receipt from one node, waited for in turn."""
    found = []
    with NodeClient(url, timeout_s=30) as node:
        for tx_hash in tx_hashes:
            bundle = node.wait(tx_hash, COMMIT_TIMEOUT_S).receipt or {}
            try:
                header = records.decode_header(bytes.fromhex(str(bundle.get("header"))))
                receipt = records.decode_receipt(bytes.fromhex(str(bundle.get("receipt"))))
            except (ValueError, GovChainError) as exc:
                raise BenchError(f"tx {tx_hash.hex()}: its receipt does not decode: {exc}") from exc
            found.append(_Committed(header.height, header.time, receipt))
    return found


def _committed(urls: Sequence[str], tx_hashes: Sequence[bytes]) -> list[_Committed]:
    """Every tx's commit, the receipts read from all nodes at once (a receipt carries its
    proofs: reading them one after another from one node takes longer than the phase)."""
    shares = [tx_hashes[i :: len(urls)] for i in range(len(urls))]
    with ThreadPoolExecutor(len(urls)) as pool:
        found = pool.map(_committed_at, urls, shares)
        return [item for share in found for item in share]


def _phase(urls: Sequence[str], txs: Sequence[Tx]) -> tuple[PhaseResult, list[_Committed]]:
    """Offer ``txs``, wait for every accepted one; the figures and the committed txs."""
    sent_ms = time.time() * 1000
    began = time.perf_counter()
    accepted, refused = _offer(urls, txs)
    send_s = time.perf_counter() - began
    if not accepted:
        raise BenchError(f"every tx was refused: {refused[0] if refused else 'no answer'}")
    done = _committed(urls, accepted)
    heights = {c.height for c in done}
    seconds = max(max(c.time_ms for c in done) - sent_ms, 1.0) / 1000
    good = [c for c in done if c.receipt.status == 0]
    failures = refused + [c.receipt.error for c in done if c.receipt.status != 0]
    result = PhaseResult(
        offered=len(txs),
        committed=len(good),
        failed=len(failures),
        blocks=len(heights),
        seconds=round(seconds, 3),
        per_s=round(len(good) / seconds, 1),
        send_s=round(send_s, 2),
        first_error=failures[0] if failures else "",
    )
    return result, good


def _fuel_of(committed: Sequence[_Committed]) -> list[int]:
    return [
        int(event.attributes["fuel"])
        for c in committed
        for event in c.receipt.events
        if event.type == "contracts.called"
    ]


def run_contracts_bench(
    settings: ContractsSettings, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the whole benchmark; returns the JSON-ready figures."""
    settings.validate()
    report = progress or (lambda _stage: None)
    started = time.time()
    host = machine()
    report(f"starting {settings.validators} validators")
    with local_network(
        settings.directory,
        settings.keep,
        validators=settings.validators,
        suite=settings.suite,
        before_start=without_rate_limits,
    ) as (layout, _processes):
        contract = deploy_counter(layout, report)
        urls = [node.api_url for node in layout.nodes]
        key = read_signing_key(layout.client_key)
        with NodeClient(urls, timeout_s=10) as node:
            expiry = int(node.status()["height"]) + EXPIRY_AHEAD
            params = ContractsClient(node).params()
        report(f"signing {settings.calls} calls and {settings.notarizations} notarizations")
        calls = _signed_calls(key, layout.chain_id, contract, expiry, settings.calls)
        anchorings = _signed_anchorings(key, layout.chain_id, expiry, settings.notarizations)
        report(f"offering {settings.calls} calls of {CONTRACT_NAME}.count")
        called, called_txs = _phase(urls, calls)
        report(f"offering {settings.notarizations} notarizations (the reference)")
        notarized, _ = _phase(urls, anchorings)
        network_dir = str(layout.directory) if settings.keep or settings.directory else None
    fuel = _fuel_of(called_txs)
    median_fuel = percentile([float(f) for f in fuel], 50)
    return {
        "validators": settings.validators,
        "suite": settings.suite,
        "contract": CONTRACT_NAME,
        "method": "count",
        "module_bytes": len(_module()),
        "calls": asdict(called),
        "notarizations": asdict(notarized),
        "calls_per_s": called.per_s,
        "notarizations_per_s": notarized.per_s,
        "calls_to_notarizations": round(called.per_s / notarized.per_s, 3)
        if notarized.per_s > 0
        else None,
        "fuel_per_call": None if median_fuel is None else int(median_fuel),
        "fuel_per_call_min": min(fuel, default=None),
        "fuel_per_call_max": max(fuel, default=None),
        "tx_fuel": int(params["tx_fuel"]),
        "block_fuel": int(params["block_fuel"]),
        "calls_per_block_fuel": int(params["block_fuel"]) // int(median_fuel)
        if median_fuel
        else None,
        "cores": host["cores"],
        "machine": host,
        "network_dir": network_dir,
        "wall_s": round(time.time() - started, 1),
    }
