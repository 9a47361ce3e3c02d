"""Building a department's contract from source: ``govchain contract build DIR``.

The language is detected from the directory (``asconfig.json``: AssemblyScript,
``Cargo.toml``: Rust); the compiler runs with fixed flags (optimized, no debug
names, no paths of this machine), so two builds of the same source give the same
bytes (docs/spec/contracts.md, "Contract languages").
"""

from govchain.contract_build.build import BuildResult, build_contract, detect_language
from govchain.contract_build.errors import (
    BadProjectError,
    BuildError,
    CompileFailedError,
    CompilerMissingError,
)

__all__ = [
    "BadProjectError",
    "BuildError",
    "BuildResult",
    "CompileFailedError",
    "CompilerMissingError",
    "build_contract",
    "detect_language",
]
