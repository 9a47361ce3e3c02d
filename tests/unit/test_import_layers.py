"""The import graph follows the layers of ARCHITECTURE.md (STYLE.md practice 10).

``types`` and ``codec`` import nothing of ours; ``crypto`` imports only those
two. Higher layers are added to ``ALLOWED`` as they appear, and pure layers
may never import ``api``, ``network`` or ``node``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "govchain"

ALLOWED: dict[str, set[str]] = {
    "types": set(),
    "codec": set(),
    # national code checks (GB 32100, GB 11643, GB/T 36904): pure, below every service
    "codes": {"types"},
    "crypto": {"types", "codec"},
    "storage": {"types", "codec"},
    "ledger": {"types", "codec", "crypto", "storage"},
    "execution": {"types", "codec", "crypto", "storage", "ledger"},
    # building contracts from source (issue 20 item 3): compilers run, modules hashed
    "contract_build": {"types", "codec"},
    # the WebAssembly sandbox of department contracts (docs/spec/contracts.md): pure, beside
    # execution; the lifecycle service (contracts) drives it
    "sandbox": {"types", "codec", "crypto"},
    # a service SDK builds its txs and reads with the service's own modules (ARCHITECTURE.md)
    "client": {"types", "codec", "codes", "crypto", "ledger", "execution", "contracts"},
    "consensus": {"types", "codec", "crypto", "ledger"},
    "network": {"types", "codec", "crypto", "ledger", "consensus"},
    "mempool": {"types", "codec", "crypto", "ledger"},
    "contracts": {
        "types",
        "codec",
        "codes",
        "crypto",
        "storage",
        "ledger",
        "execution",
        "consensus",
        "sandbox",
    },
    "sim": {
        "types",
        "codec",
        "codes",
        "crypto",
        "storage",
        "ledger",
        "execution",
        "consensus",
        "contracts",
    },
    "bench": {
        "types",
        "codec",
        "codes",
        "crypto",
        "storage",
        "ledger",
        "execution",
        "contracts",
        "client",
        "api",  # the [api.rate_limit] record a benchmark writes into its nodes' config
        "node",
        "enterprise_demo",  # bench workflow runs the demo's cases
    },
    "chaos": {
        "types",
        "codec",
        "crypto",
        "storage",
        "ledger",
        "consensus",
        "contracts",
        "client",
        "node",
    },
    # demo department systems (issue 18 item 6): shell-level, seen from outside the chain
    "demo": {"types", "codes"},
    # the supervisor of time limits (issue 18 item 4): a follower of the chain through the SDK
    "supervisor": {"types", "codec", "crypto", "ledger", "contracts", "client"},
    # the indexer into SQL (issue 19 item 2): a follower of the chain through the SDK
    "indexer": {"types", "codec", "crypto", "ledger", "client"},
    # compliance reports (issue 19 item 4): the index's tables, the nodes' access logs
    "audit": {"types", "codec", "crypto", "storage", "ledger", "indexer"},
    # the monitor (issue 19 item 3): health rules over the nodes' public API, through the SDK
    "monitor": {"types", "codec", "crypto", "ledger", "contracts", "client"},
    # the web console (issue 19 item 6): pages over the SDK, the index's SQL and the alerts;
    # the audit report's figures (audit) for the supervision pages
    "console": {"types", "codec", "crypto", "ledger", "contracts", "client", "audit"},
    # the enterprise-setup demo run (issue 18 item 7): lays out and starts a network, uses the SDK
    "enterprise_demo": {
        "types",
        "codec",
        "codes",
        "crypto",
        "ledger",
        "contracts",
        "client",
        "network",  # the transport CA of each member that runs no node
        "node",
    },
    # a service router runs the service's reads (contracts/<service>/reads.py)
    "api": {"types", "codec", "codes", "crypto", "storage", "ledger", "contracts"},
    # the storage node (docs/spec/assets.md): blob stores, records proven with the SDK's
    # checks, and the API's signed-request checks and error shape
    "storage_node": {
        "types",
        "codec",
        "codes",
        "crypto",
        "storage",
        "ledger",
        "contracts",
        "client",
        "api",
    },
    # department adapters (docs/spec/workflow.md): SDK clients of the chain and storage nodes
    "adapter": {"types", "codec", "codes", "crypto", "ledger", "contracts", "client"},
    "node": {
        "types",
        "codec",
        "codes",
        "crypto",
        "storage",
        "ledger",
        "execution",
        "consensus",
        "contracts",
        "mempool",
        "network",
        "api",
        "client",
        "storage_node",  # net init writes the storage nodes' storage.toml
    },
    "cli": {
        "types",
        "codec",
        "codes",
        "crypto",
        "storage",
        "ledger",
        "execution",
        "consensus",
        "bench",
        "client",
        "contracts",
        "node",
        "sim",
        "chaos",
        "storage_node",
        "demo",
        "adapter",
        "supervisor",
        "enterprise_demo",
        "indexer",
        "monitor",
        "audit",
        "console",
        "contract_build",
        "sandbox",
    },
}
"""Package -> the other govchain packages it may import."""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "govchain" and len(parts) > 1:
                found.add(parts[1])
    return found


def _packages() -> list[str]:
    return sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())


def test_every_package_has_a_rule() -> None:
    assert set(_packages()) <= set(ALLOWED), "add the new package to ALLOWED with its layer"


@pytest.mark.parametrize("package", _packages())
def test_package_imports_only_lower_layers(package: str) -> None:
    allowed = ALLOWED[package] | {package}
    offenders = {
        f"{path.relative_to(SRC)} imports govchain.{imported}"
        for path in (SRC / package).rglob("*.py")
        for imported in _imports(path)
        if imported not in allowed
    }
    assert not offenders, sorted(offenders)


def test_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("from govchain.crypto import suite_for\nimport govchain.node.app\n")
    assert _imports(module) == {"crypto", "node"}
