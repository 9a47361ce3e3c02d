"""One build: detect the language, compile in a scratch directory, strip, hash, write."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from govchain.codec.hashing import digest
from govchain.contract_build.assemblyscript import CONFIG_FILE, build_assemblyscript
from govchain.contract_build.errors import BadProjectError, CompileFailedError
from govchain.contract_build.rust import MANIFEST_FILE, build_rust
from govchain.contract_build.wasm_sections import strip_module

__all__ = ["LANGUAGES", "BuildResult", "build_contract", "default_out", "detect_language"]

LANGUAGES = ("assemblyscript", "rust")
MAX_MODULE_BYTES = 8 * 1024 * 1024
"""The largest module a build writes (the highest ``max_module_bytes`` a chain allows)."""


@dataclass(frozen=True)
class BuildResult:
    """A built contract: where it was written, its size and its code hashes under both suites."""

    language: str
    out: Path
    size: int
    sm3: bytes
    sha256: bytes

    def validate(self) -> None:
        """Check the fields hang together (a programmer error if not)."""
        assert self.language in LANGUAGES
        assert 0 < self.size <= MAX_MODULE_BYTES
        assert len(self.sm3) == len(self.sha256) == 32

    def to_json(self) -> dict[str, object]:
        """The result as ``govchain contract build --json`` prints it."""
        return {
            "language": self.language,
            "out": str(self.out),
            "size": self.size,
            "sm3": self.sm3.hex(),
            "sha256": self.sha256.hex(),
        }


def detect_language(directory: Path) -> str:
    """``assemblyscript`` (asconfig.json) or ``rust`` (Cargo.toml); raise when neither or both."""
    if not directory.is_dir():
        raise BadProjectError(f"{directory} is not a directory")
    has_as = (directory / CONFIG_FILE).is_file()
    has_rust = (directory / MANIFEST_FILE).is_file()
    if has_as and has_rust:
        raise BadProjectError(f"{directory} has both {CONFIG_FILE} and {MANIFEST_FILE}")
    if has_as:
        return "assemblyscript"
    if has_rust:
        return "rust"
    raise BadProjectError(
        f"{directory} is not a contract: expected {CONFIG_FILE} (AssemblyScript) "
        f"or {MANIFEST_FILE} (Rust)"
    )


def default_out(directory: Path) -> Path:
    """Where a build goes without ``--out``: ``DIR/build/<DIR's name>.wasm``."""
    return directory / "build" / f"{directory.resolve().name}.wasm"


def build_contract(directory: Path, out: Path | None = None) -> BuildResult:
    """Build the contract in ``directory`` and write its module to ``out`` (or the default)."""
    language = detect_language(directory)
    target = (out if out is not None else default_out(directory)).resolve()
    with tempfile.TemporaryDirectory(prefix="govchain-contract-build-") as scratch:
        work_dir = Path(scratch)
        raw_file = work_dir / "contract.wasm"
        if language == "assemblyscript":
            build_assemblyscript(directory.resolve(), raw_file)
        else:
            build_rust(directory.resolve(), raw_file, work_dir)
        if not raw_file.is_file():
            raise CompileFailedError(f"the {language} compiler wrote no module")
        module = strip_module(raw_file.read_bytes())
    if len(module) > MAX_MODULE_BYTES:
        raise CompileFailedError(f"the module is {len(module)} bytes, over {MAX_MODULE_BYTES}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(module)
    result = BuildResult(
        language=language,
        out=target,
        size=len(module),
        sm3=digest("sm3", module),
        sha256=digest("sha256", module),
    )
    result.validate()
    return result
