"""AssemblyScript: ``asconfig.json`` read and checked, then the pinned ``asc`` run.

The compiler is npm ``assemblyscript``, pinned in contract-sdk/assemblyscript/
(package.json and its lock file; ``make install`` runs ``npm ci`` there). A
contract builds with its ``release`` target; the options that would add imports
or exports beyond the host interface, or debug data, are refused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from govchain.contract_build.errors import BadProjectError, CompilerMissingError
from govchain.contract_build.process import run_compiler

__all__ = ["CONFIG_FILE", "build_assemblyscript", "find_asc"]

CONFIG_FILE = "asconfig.json"
ASC_IN_SDK = Path("contract-sdk/assemblyscript/node_modules/assemblyscript/bin/asc.js")
MAX_CONFIG_BYTES = 64 * 1024
MAX_PARENTS = 8
"""How far up from a contract the SDK (and its compiler) is looked for."""
REFUSED_OPTIONS = {
    "debug": "debug information",
    "sourceMap": "a source map",
    "textFile": "a text file",
    "bindings": "JavaScript bindings",
    "exportRuntime": "runtime exports",
    "exportStart": "a start export",
    "exportTable": "a table export",
    "importMemory": "a memory import",
    "importTable": "a table import",
    "noExportMemory": "no memory export",
    "sharedMemory": "shared memory",
    "enable": "features beyond the sandbox's",
}
"""asconfig.json options a contract may not set, and what each would add."""


def _source_root() -> Path:
    """The checkout this package runs from (src/govchain/contract_build -> the root)."""
    return Path(__file__).resolve().parents[3]


def find_asc(directory: Path) -> Path:
    """The pinned ``asc.js`` for a contract in ``directory``; raise if it is not installed."""
    start = directory.resolve()
    for base in [start, *list(start.parents)[:MAX_PARENTS], _source_root()]:
        candidate = base / ASC_IN_SDK
        if candidate.is_file():
            return candidate
    raise CompilerMissingError(
        "the AssemblyScript compiler is not installed: run make install "
        "(it runs npm ci in contract-sdk/assemblyscript/)"
    )


def _read_config(directory: Path) -> dict[str, Any]:
    path = directory / CONFIG_FILE
    raw = path.read_bytes()
    if len(raw) > MAX_CONFIG_BYTES:
        raise BadProjectError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        config = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadProjectError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise BadProjectError(f"{path} is not a JSON object")
    return config


def check_config(config: dict[str, Any], where: str) -> None:
    """Refuse a configuration whose release build is not a plain contract module."""
    entries = config.get("entries")
    if not (isinstance(entries, list) and len(entries) == 1 and isinstance(entries[0], str)):
        raise BadProjectError(f"{where}: entries must name one file (the contract's methods)")
    options = config.get("options", {})
    targets = config.get("targets", {})
    release = targets.get("release", {}) if isinstance(targets, dict) else None
    if not isinstance(options, dict) or not isinstance(release, dict):
        raise BadProjectError(f"{where}: options and targets.release must be objects")
    merged = {**options, **release}
    for name, adds in REFUSED_OPTIONS.items():
        if merged.get(name):
            raise BadProjectError(f"{where}: {name} would add {adds}; a contract may not set it")
    if merged.get("runtime") != "stub":
        raise BadProjectError(
            f'{where}: set "runtime": "stub" (a call runs in a fresh instance; '
            "the collecting runtimes add exports beyond the host interface)"
        )


def build_assemblyscript(directory: Path, out_file: Path) -> None:
    """Compile the contract in ``directory`` to ``out_file`` with its release target."""
    check_config(_read_config(directory), str(directory / CONFIG_FILE))
    asc = find_asc(directory)
    node = shutil.which("node")
    if node is None:
        raise CompilerMissingError(
            "node is missing: run make install (scripts/install-system-packages.sh installs nodejs)"
        )
    command = [
        node,
        str(asc),
        "--config",
        CONFIG_FILE,
        "--target",
        "release",
        "--outFile",
        str(out_file),
        "--noColors",
    ]
    run_compiler("asc (AssemblyScript)", command, cwd=directory)
