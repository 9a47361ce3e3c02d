"""CLI of contracts departments write: ``govchain contract ...`` (docs/spec/contracts.md).

``build`` compiles a contract's source (AssemblyScript or Rust, detected from
the directory) into the module a submission carries, checks it against the
chain's module rules (the same check a submission meets, with the default
parameters) and prints its methods and code hash. The lifecycle's commands
(submit, review, test-record, deploy, call, upgrade, freeze, unfreeze,
abolish, show, list) are in ``contract_life_cmd``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from govchain.cli.console import fail, print_json, reports_errors
from govchain.cli.contract_life_cmd import LIFECYCLE_COMMANDS
from govchain.contract_build import build_contract
from govchain.sandbox import ModuleParams, ModuleRefusedError, check_module

__all__ = ["app"]

app = typer.Typer(
    help=(
        "Contracts departments write: build from source (AssemblyScript or Rust), submit, "
        "review, test-record, deploy, call, upgrade, freeze, unfreeze, abolish, show, list."
    ),
    no_args_is_help=True,
)


@app.command("build")
@reports_errors
def build(
    directory: Path = typer.Argument(
        ..., help="The contract's directory: asconfig.json (AssemblyScript) or Cargo.toml (Rust)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="The module to write (default DIR/build/<DIR's name>.wasm)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Build the contract in DIR into a WebAssembly module and print its code hash and size.

    The compiler runs with fixed flags (optimized, no debug names, no local paths):
    two builds of the same source give the same bytes. The module is checked
    against the chain's module rules (default parameters). Exits 1 with the
    reason when a compiler is missing (make install installs both), the build
    fails, or the module breaks a rule.
    """
    result = build_contract(directory, out)
    try:
        info = check_module(result.out.read_bytes(), ModuleParams())
    except ModuleRefusedError as exc:
        fail(f"{result.out} was built but breaks a submission rule: {exc}")
    if json_out:
        print_json({**result.to_json(), "methods": list(info.methods)})
        return
    typer.echo(f"built {result.out} ({result.language}, {result.size} bytes)")
    typer.echo(f"methods: {', '.join(info.methods)}")
    typer.echo(f"code hash sm3:    {result.sm3.hex()}")
    typer.echo(f"code hash sha256: {result.sha256.hex()}")


for _name, _command in LIFECYCLE_COMMANDS.items():
    app.command(_name)(_command)
