"""Contracts departments write, on real processes (issue 20 acceptance; F-D1, F-D2, F-E6, F-F1).

One production network of 4 validators and one 1-validator test network (``net init --profile
test``), shared by the module's tests and driven through the ``govchain`` CLI as a user would:
the fee rule is built from source in AssemblyScript and in Rust, submitted, reviewed by a
majority of the member admins, called on the test network, whose receipt is recorded on the
production chain (``require_test`` set by governance), deployed, called (state, events, a receipt
that verifies offline), upgraded with its state kept (AssemblyScript, to ``fee-rule-as-v2``),
frozen, unfrozen and abolished. Then determinism across the four validators (state roots, an
endless loop out of fuel, memory growth past the limit) and the refused modules of item 6.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from govchain.client.contracts import ContractsClient
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.contracts.lifecycle.txs import CallArgs
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, read_layout
from govchain.node.ports import free_base_port
from tests.govchain_cli import govchain, govchain_json, one_line_error
from tests.integration.network_support import (
    assert_ready,
    decide_by_vote,
    running_network,
    wait_for,
)

pytestmark = pytest.mark.timeout(900)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "contracts"
TARIFF = {"kind": "llc", "base": 10_000, "per_wan": 10, "cap": 100_000}
QUOTE = {"kind": "llc", "capital_wan": 500}
FEE = 15_000  # min(cap, base + per_wan * capital_wan)


# A small contract in WebAssembly text: `ok` answers an empty map, `spin` never ends and
# `grow` takes memory a page at a time until refused, then traps.
PROBE_WAT = """
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\\a0")
  (global $top (mut i32) (i32.const 1024))
  (func (export "govchain_alloc") (param $n i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $top))
    (global.set $top (i32.add (global.get $top) (local.get $n)))
    (local.get $at))
  (func (export "ok") (param i32 i32) (result i64) (i64.const 1))
  (func (export "spin") (param i32 i32) (result i64)
    (loop $again (br $again))
    (i64.const 1))
  (func (export "grow") (param i32 i32) (result i64)
    (loop $again
      (br_if $again (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
"""


@dataclass(frozen=True)
class Networks:
    """The production network, the test network and a directory for the tests' files."""

    prod: NetworkLayout
    test: NetworkLayout
    tmp: Path

    def node(self, layout: NetworkLayout | None = None) -> list[str]:
        """``--node URL,...`` of a network (the production one by default)."""
        chosen = self.prod if layout is None else layout
        return ["--node", ",".join(n.api_url for n in chosen.nodes)]

    def admins(self, layout: NetworkLayout | None = None) -> list[Path]:
        """The member admins' keys of a network (the production one by default)."""
        chosen = self.prod if layout is None else layout
        return [admin for _, _, admin in chosen.members]

    def file(self, name: str, content: Any) -> Path:
        """A JSON file of the tests (a call's arguments)."""
        path = self.tmp / name
        path.write_text(json.dumps(content), encoding="utf-8")
        return path


@contextmanager
def _test_network(directory: Path) -> Iterator[NetworkLayout]:
    """``net init --profile test`` with one validator, started; stopped afterwards."""
    made = govchain(
        "net", "init", "--dir", directory, "--validators", "1", "--profile", "test",
        "--base-port", str(free_base_port(2)),
    )  # fmt: skip
    genesis = (directory / "genesis.json").read_bytes()
    assert json.loads(genesis)["chain_id"] == "govchain-local-test"
    digest = suite_for("gm").hash(genesis).hex()
    assert f"test_genesis={digest}" in made.stdout.replace("\n", ""), made.stdout
    layout = read_layout(directory)
    try:
        launcher.up(layout)
        assert_ready(layout)
        yield layout
    finally:
        launcher.down(layout, grace_s=10)


@pytest.fixture(scope="module")
def networks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Networks]:
    """Both networks, running; the production chain requires a recorded test (F-F1)."""
    tmp = tmp_path_factory.mktemp("contracts")
    with ExitStack() as stack:
        prod = stack.enter_context(running_network(tmp / "prod", validators=4))
        test = stack.enter_context(_test_network(tmp / "test"))
        digest = suite_for("gm").hash((tmp / "test" / "genesis.json").read_bytes()).hex()
        decide_by_vote(
            [n.api_url for n in prod.nodes], prod, "contracts.params",
            {"test_genesis": digest, "require_test": "true"},
        )  # fmt: skip
        yield Networks(prod, test, tmp)


def _submit(nets: Networks, layout: NetworkLayout, module: Path, name: str) -> str:
    key = nets.admins(layout)[0]
    answer = govchain_json(
        "contract", "submit", module, *nets.node(layout), "--key", key, "--name", name
    )
    return str(answer["contract"])


def _approve(nets: Networks, layout: NetworkLayout, contract: str) -> None:
    """Reviews by the member admins until a majority approves (3 of 4; 1 of 1)."""
    admins = nets.admins(layout)
    needed = len(admins) // 2 + 1
    statuses = []
    for admin in admins[:needed]:
        reviewed = govchain_json(
            "contract", "review", contract, *nets.node(layout), "--key", admin, "--approve",
            "--comment", f"checked by {admin.parent.name}",
        )  # fmt: skip
        statuses.append(reviewed["status"])
    assert statuses == ["in_review"] * (needed - 1) + ["approved"], statuses


def _call(nets: Networks, layout: NetworkLayout, contract: str, method: str,
          args: Any, key: Path | None = None, out: Path | None = None) -> Any:  # fmt: skip
    signer = nets.admins(layout)[0] if key is None else key
    extra: list[str | Path] = [] if out is None else ["--out", out]
    return govchain_json(
        "contract", "call", contract, method, *nets.node(layout), "--key", signer,
        "--args", nets.file(f"{method}.json", args), *extra,
    )  # fmt: skip


def _tested_on_test_network(
    nets: Networks,
    module: Path,
    name: str,
    prod_id: str,
    call: tuple[str, Any] = ("set_tariff", TARIFF),
) -> None:
    """Submit, approve, deploy and call ``module`` on the test network; record that call's
    receipt for the production contract's latest version."""
    test = nets.test
    test_id = _submit(nets, test, module, name)
    _approve(nets, test, test_id)
    govchain("contract", "deploy", test_id, *nets.node(test), "--key", nets.admins(test)[0])
    receipt = nets.tmp / f"{name}-test-call.json"
    _call(nets, test, test_id, *call, out=receipt)
    recorded = govchain_json(
        "contract", "test-record", prod_id, *nets.node(), "--key", nets.admins()[0],
        "--genesis", nets.tmp / "test" / "genesis.json", "--receipt", receipt,
    )  # fmt: skip
    assert recorded["test_chain"] == "govchain-local-test"


def _govern(nets: Networks, verb: str, contract: str) -> None:
    """``contract freeze|unfreeze|abolish`` by the first admin, two more admins vote yes."""
    admins = nets.admins()
    proposed = govchain_json("contract", verb, contract, *nets.node(), "--key", admins[0])
    assert proposed["state"] == "open", proposed
    decided = [
        govchain_json("gov", "vote", str(proposed["proposal"]), *nets.node(), "--key", admin,
                      "--yes")["decided"]
        for admin in admins[1:3]
    ]  # fmt: skip
    assert decided == [None, "executed"], decided


def _refused_call(nets: Networks, contract: str) -> str:
    refused = govchain(
        "contract", "call", contract, "quote", *nets.node(), "--key", nets.prod.client_key,
        "--args", nets.file("quote.json", QUOTE), check=False,
    )  # fmt: skip
    return one_line_error(refused)


def _build(nets: Networks, example: str) -> Path:
    module = nets.tmp / f"{example}.wasm"
    built = govchain("contract", "build", EXAMPLES / example, "--out", module)
    assert module.read_bytes().startswith(b"\0asm"), built.stdout
    return module


@pytest.mark.parametrize("language", ["as", "rs"])
def test_f_d1_a_contract_s_whole_life_in_each_language(networks: Networks, language: str) -> None:
    nets = networks
    name = f"fee-rule-{language}"
    module = _build(nets, name)
    contract = _submit(nets, nets.prod, module, name)
    _approve(nets, nets.prod, contract)
    untested = govchain(
        "contract", "deploy", contract, *nets.node(), "--key", nets.admins()[0], check=False
    )
    assert "test_required" in one_line_error(untested)
    _tested_on_test_network(nets, module, name, contract)
    deployed = govchain_json("contract", "deploy", contract, *nets.node(), "--key",
                             nets.admins()[0])  # fmt: skip
    assert deployed["version"] == 1

    tariff = _call(nets, nets.prod, contract, "set_tariff", TARIFF)
    assert [e["name"] for e in tariff["events"]] == ["tariff_set"]
    client = nets.prod.client_key
    assert _call(nets, nets.prod, contract, "quote", QUOTE, key=client)["result"] == {
        "kind": "llc", "fee": FEE,
    }  # fmt: skip
    receipt = nets.tmp / f"{name}-record.json"
    recorded = _call(nets, nets.prod, contract, "record", {"case": "c-1", **QUOTE},
                     key=client, out=receipt)  # fmt: skip
    assert recorded["result"] == {"fee": FEE, "number": 1}
    assert recorded["fuel"] > 0
    assert recorded["events"] == [{
        "name": "fee_decided",
        "data": {"case": "c-1", "kind": "llc", "capital_wan": 500, "fee": FEE, "number": 1},
    }]  # fmt: skip
    assert _call(nets, nets.prod, contract, "stats", {}, key=client)["result"] == {"decisions": 1}
    verified = govchain_json("verify", receipt, "--genesis", nets.prod.directory / "genesis.json")
    assert verified["ok"] is True
    assert verified["tx_type"] == "contracts.call"
    assert verified["status"] == 0

    if language == "as":
        _upgrade_keeps_state(nets, contract)

    _govern(nets, "freeze", contract)
    assert "contract_frozen" in _refused_call(nets, contract)
    _govern(nets, "unfreeze", contract)
    assert _call(nets, nets.prod, contract, "quote", QUOTE, key=client)["result"]["fee"] == FEE
    _govern(nets, "abolish", contract)
    assert "contract_abolished" in _refused_call(nets, contract)
    shown = govchain_json(
        "contract", "show", contract, *nets.node(), "--genesis",
        nets.prod.directory / "genesis.json",
    )  # fmt: skip
    assert shown["verified"] is True
    assert shown["contract"]["status"] == "abolished"


def _upgrade_keeps_state(nets: Networks, contract: str) -> None:
    """Version 2 of the AssemblyScript rule reads what version 1 wrote (its state is kept)."""
    module = _build(nets, "fee-rule-as-v2")
    govchain("contract", "upgrade", contract, module, *nets.node(), "--key", nets.admins()[0],
             "--version", "2")  # fmt: skip
    _approve(nets, nets.prod, contract)
    _tested_on_test_network(nets, module, "fee-rule-as-v2", contract)
    deployed = govchain_json("contract", "deploy", contract, *nets.node(), "--key",
                             nets.admins()[0])  # fmt: skip
    assert deployed["version"] == 2
    client = nets.prod.client_key
    stats = _call(nets, nets.prod, contract, "stats", {}, key=client)
    assert stats["result"] == {"decisions": 1, "version": 2}
    assert stats["version"] == 2
    decision = _call(nets, nets.prod, contract, "decision", {"case": "c-1"}, key=client)
    assert decision["result"]["fee"] == FEE
    assert decision["result"]["number"] == 1


def _modules_of(nets: Networks, texts: dict[str, str]) -> dict[str, Path]:
    paths = {}
    for name, text in texts.items():
        paths[name] = nets.tmp / f"{name}.wasm"
        paths[name].write_bytes(wasmtime.wat2wasm(text))
    return paths


def _every_node_s_receipt(nets: Networks, tx_hash: bytes) -> tuple[int, str]:
    """The receipt of ``tx_hash`` from each production validator: the same on every one."""
    receipts = set()
    for node in nets.prod.nodes:
        with NodeClient(node.api_url, timeout_s=10) as client:
            bundle = client.wait(tx_hash, 60).receipt or {}
            receipt = committed_receipt(client, tx_hash, 60)
        receipts.add((bundle.get("receipt"), receipt.status, receipt.error))
    assert len(receipts) == 1, receipts
    _, status, error = receipts.pop()
    return status, error


def _sent_call(nets: Networks, contract: str, method: str) -> bytes:
    signer = read_signing_key(nets.prod.client_key)
    with NodeClient([n.api_url for n in nets.prod.nodes], timeout_s=10) as client:
        _, tx_hash = ContractsClient(client).send(signer, CallArgs(bytes.fromhex(contract), method))
    return tx_hash


def _same_state_roots(nets: Networks) -> int:
    """Wait until every validator has the latest block one of them has; compare that
    block's state root on all four. Returns the height compared."""
    urls = [n.api_url for n in nets.prod.nodes]
    with NodeClient(urls[0], timeout_s=10) as client:
        height = int(client.status()["height"])

    def reached() -> bool:
        for url in urls:
            with NodeClient(url, timeout_s=10) as client:
                if int(client.status()["height"]) < height:
                    return False
        return True

    wait_for(reached, what=f"every validator at height {height}")
    roots = set()
    for url in urls:
        with NodeClient(url, timeout_s=10) as client:
            roots.add(client.block(height)["header"]["state_root"])
    assert len(roots) == 1, roots
    return height


def test_f_d2_the_same_calls_give_the_same_results_on_every_validator(networks: Networks) -> None:
    nets = networks
    probe = _modules_of(nets, {"probe": PROBE_WAT})["probe"]
    contract = _submit(nets, nets.prod, probe, "probe")
    _approve(nets, nets.prod, contract)
    _tested_on_test_network(nets, probe, "probe", contract, call=("ok", {}))
    govchain("contract", "deploy", contract, *nets.node(), "--key", nets.admins()[0])

    endless = govchain(
        "contract", "call", contract, "spin", *nets.node(), "--key", nets.prod.client_key,
        check=False,
    )  # fmt: skip
    assert "out_of_fuel: used 10000000 of 10000000 fuel" in one_line_error(endless)
    status, error = _every_node_s_receipt(nets, _sent_call(nets, contract, "spin"))
    assert status != 0
    assert error == "out_of_fuel: used 10000000 of 10000000 fuel", error

    status, error = _every_node_s_receipt(nets, _sent_call(nets, contract, "grow"))
    assert status != 0
    assert error.startswith("memory_limit"), error
    assert error.endswith(" of 10000000 fuel"), error

    status, error = _every_node_s_receipt(nets, _sent_call(nets, contract, "ok"))
    assert (status, error) == (0, "")
    assert _same_state_roots(nets) > 0


# Each module breaks one rule of item 6 (docs/spec/contracts.md "Module rules").
_ALLOC = """
  (memory (export "memory") 1)
  (func (export "govchain_alloc") (param i32) (result i32) (i32.const 1024))
"""
REFUSED_WAT = {
    "bad_import": f'(module (import "env" "clock" (func (result i64))) {_ALLOC}'
    '(func (export "ok") (param i32 i32) (result i64) (i64.const 1)))',
    "floats_forbidden": f"(module {_ALLOC}"
    '(func (export "half") (param i32 i32) (result i64)'
    " (i64.trunc_f64_s (f64.div (f64.const 1) (f64.const 2)))))",
    "no_entry": f"(module {_ALLOC})",
    "bad_export": f"(module {_ALLOC}"
    '(func (export "twice") (param i32) (result i32) (local.get 0)))',
    "too_large": f'(module {_ALLOC} (data (i32.const 0) "{"x" * 2048}")'
    '(func (export "ok") (param i32 i32) (result i64) (i64.const 1)))',
}


def test_item_6_refused_modules_are_refused_at_submission_with_their_reasons(
    networks: Networks,
) -> None:
    nets = networks
    modules = _modules_of(nets, REFUSED_WAT)
    not_wasm = nets.tmp / "not_wasm.wasm"
    not_wasm.write_bytes(b"\0asm\x01\0\0\0\x01\xff\xff")
    modules["not_wasm"] = not_wasm
    urls = [n.api_url for n in nets.prod.nodes]
    decide_by_vote(urls, nets.prod, "contracts.params", {"max_module_bytes": "1024"})
    try:
        for code, module in sorted(modules.items()):
            refused = govchain(
                "contract", "submit", module, *nets.node(), "--key", nets.admins()[0],
                "--name", f"refused-{code.replace('_', '-')}", check=False,
            )  # fmt: skip
            assert code in one_line_error(refused), (code, refused.stderr)
    finally:
        decide_by_vote(urls, nets.prod, "contracts.params", {"max_module_bytes": "524288"})
    listed = govchain_json("contract", "list", *nets.node())["contracts"]
    assert not [c for c in listed if c["name"].startswith("refused-")]
