"""Rust: ``Cargo.toml`` read, then Debian's ``rustc`` run crate by crate (no cargo, no registry).

A contract is a ``cdylib`` whose dependencies are all path dependencies (the
support library in contract-sdk/rust/, or the department's own crates): each is
compiled to an rlib first, then the contract with link-time optimization for
``wasm32-unknown-unknown``. Source paths are remapped to crate names, so the
bytes do not depend on where the checkout lives.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from govchain.contract_build.errors import BadProjectError, CompilerMissingError
from govchain.contract_build.process import run_compiler

__all__ = ["MANIFEST_FILE", "TARGET", "CrateSpec", "build_rust", "find_rustc", "load_crate"]

MANIFEST_FILE = "Cargo.toml"
TARGET = "wasm32-unknown-unknown"
DEBIAN_RUSTC = "/usr/bin/rustc"
MAX_DEPENDENCY_DEPTH = 4
MAX_CRATES = 16
MAX_MANIFEST_BYTES = 64 * 1024
EDITIONS = ("2015", "2018", "2021")
CODEGEN_FLAGS = (
    "-C",
    "opt-level=s",
    "-C",
    "panic=abort",
    "-C",
    "codegen-units=1",
    "-C",
    "debuginfo=0",
)
"""Flags every crate of a contract is compiled with: small, no unwinding, one unit, no debug."""


@dataclass(frozen=True)
class CrateSpec:
    """One crate of a contract's build: where it is and what it needs."""

    directory: Path
    crate_name: str
    edition: str
    root: Path
    """Its root source file, relative to ``directory``."""
    dependencies: tuple[CrateSpec, ...]
    cdylib: bool


def find_rustc() -> str:
    """A ``rustc`` that has the wasm32 standard library; raise if none is installed."""
    candidates = [DEBIAN_RUSTC, shutil.which("rustc")]
    for rustc in dict.fromkeys(c for c in candidates if c):
        try:
            sysroot = subprocess.run(
                [rustc, "--print", "sysroot"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        libdir = Path(sysroot) / "lib" / "rustlib" / TARGET / "lib"
        if any(libdir.glob("libstd-*.rlib")):
            return rustc
    raise CompilerMissingError(
        f"no Rust compiler with the {TARGET} target: run make install "
        "(it installs Debian's rustc, libstd-rust-dev-wasm32 and lld)"
    )


def _read_manifest(directory: Path) -> dict[str, object]:
    path = directory / MANIFEST_FILE
    raw = path.read_bytes()
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BadProjectError(f"{path} is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BadProjectError(f"{path} is not TOML: {exc}") from exc


def _table(manifest: dict[str, object], name: str, where: Path) -> dict[str, object]:
    value = manifest.get(name, {})
    if not isinstance(value, dict):
        raise BadProjectError(f"{where}: [{name}] is not a table")
    return value


def load_crate(
    directory: Path, depth: int = 0, seen: dict[Path, CrateSpec] | None = None
) -> CrateSpec:
    """The crate in ``directory`` with its path dependencies, read from its Cargo.toml."""
    directory = directory.resolve()
    seen = {} if seen is None else seen
    if directory in seen:
        return seen[directory]
    if depth > MAX_DEPENDENCY_DEPTH or len(seen) >= MAX_CRATES:
        raise BadProjectError(
            f"{directory}: dependencies nest deeper than {MAX_DEPENDENCY_DEPTH} "
            f"or number more than {MAX_CRATES} crates"
        )
    where = directory / MANIFEST_FILE
    manifest = _read_manifest(directory)
    package, lib = _table(manifest, "package", where), _table(manifest, "lib", where)
    name = package.get("name")
    if not isinstance(name, str) or not name:
        raise BadProjectError(f"{where}: [package] has no name")
    edition = str(package.get("edition", "2015"))
    if edition not in EDITIONS:
        raise BadProjectError(f"{where}: edition {edition} is not one of {', '.join(EDITIONS)}")
    root = Path(str(lib.get("path", "src/lib.rs")))
    if root.is_absolute() or ".." in root.parts or not (directory / root).is_file():
        raise BadProjectError(f"{where}: the library source {root} is not a file in the crate")
    crate_types = lib.get("crate-type", ["lib"])
    dependencies = []
    for dep_name, dep in sorted(_table(manifest, "dependencies", where).items()):
        if not (isinstance(dep, dict) and set(dep) == {"path"} and isinstance(dep["path"], str)):
            raise BadProjectError(
                f"{where}: dependency {dep_name} is not a path dependency "
                "(contracts build with no crates from outside)"
            )
        dependencies.append(load_crate(directory / dep["path"], depth + 1, seen))
    spec = CrateSpec(
        directory=directory,
        crate_name=name.replace("-", "_"),
        edition=edition,
        root=root,
        dependencies=tuple(dependencies),
        cdylib=isinstance(crate_types, list) and "cdylib" in crate_types,
    )
    seen[directory] = spec
    return spec


def _build_order(crate: CrateSpec) -> list[CrateSpec]:
    order: list[CrateSpec] = []
    for dependency in crate.dependencies:
        for spec in _build_order(dependency):
            if spec not in order:
                order.append(spec)
    order.append(crate)
    return order


def _rustc_command(rustc: str, crate: CrateSpec, libs: Path) -> list[str]:
    command = [rustc, "--edition", crate.edition, "--target", TARGET, *CODEGEN_FLAGS]
    command += ["--crate-name", crate.crate_name]
    command += ["--remap-path-prefix", f"{crate.directory}={crate.crate_name}"]
    command += ["--remap-path-prefix", f"{libs}=deps"]
    command += ["-L", f"dependency={libs}"]
    for dependency in crate.dependencies:
        command += [
            "--extern",
            f"{dependency.crate_name}={libs / f'lib{dependency.crate_name}.rlib'}",
        ]
    return command


def build_rust(directory: Path, out_file: Path, work_dir: Path) -> None:
    """Compile the contract crate in ``directory`` to ``out_file``; rlibs go to ``work_dir``."""
    crate = load_crate(directory)
    if not crate.cdylib:
        raise BadProjectError(
            f'{directory / MANIFEST_FILE}: a contract is a [lib] with crate-type = ["cdylib"]'
        )
    rustc = find_rustc()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RUST", "CARGO"))}
    for dependency in _build_order(crate)[:-1]:
        command = _rustc_command(rustc, dependency, work_dir)
        command += ["--crate-type", "rlib", "--out-dir", str(work_dir), str(dependency.root)]
        run_compiler(f"rustc ({dependency.crate_name})", command, cwd=dependency.directory, env=env)
    command = _rustc_command(rustc, crate, work_dir)
    command += ["--crate-type", "cdylib", "-C", "lto=fat", "-C", "strip=symbols"]
    command += ["-o", str(out_file), str(crate.root)]
    run_compiler(f"rustc ({crate.crate_name})", command, cwd=crate.directory, env=env)
