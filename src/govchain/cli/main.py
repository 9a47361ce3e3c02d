"""Entry point of the ``govchain`` command.

Each command, or group of commands, lives in its own module
(``govchain.cli.<name>_cmd``), imported only when that command runs or when
the whole help is shown: a command pays for the libraries it uses, not for
every command's (the console's web server, the report's charts and PDF, the
benchmarks' network tooling). ``govchain gov vote`` starts in a fraction of
the time the full set takes to import.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

import govchain

__all__ = ["COMMANDS", "app", "main"]


@dataclass(frozen=True)
class CommandEntry:
    """Where a top-level command is defined: ``govchain.cli.<module>.<attribute>``."""

    module: str
    attribute: str
    group: bool = True
    """A Typer app of subcommands; else one command function."""


COMMANDS: dict[str, CommandEntry] = {
    "console": CommandEntry("console_cmd", "console_command", group=False),
    "verify": CommandEntry("verify_cmd", "verify", group=False),
    "sim": CommandEntry("sim_cmd", "sim", group=False),
    "notarize": CommandEntry("notary_cmd", "notarize", group=False),
    "chaos": CommandEntry("chaos_cmd", "chaos", group=False),
    "usage": CommandEntry("regulator_cmd", "usage_history", group=False),
    "crypto": CommandEntry("crypto_cmd", "app"),
    "keys": CommandEntry("keys_cmd", "app"),
    "ca": CommandEntry("ca_cmd", "app"),
    "ledger": CommandEntry("ledger_cmd", "app"),
    "bench": CommandEntry("bench_cmd", "app"),
    "net": CommandEntry("net_cmd", "app"),
    "node": CommandEntry("node_cmd", "app"),
    "evidence": CommandEntry("evidence_cmd", "app"),
    "member": CommandEntry("registry_cmd", "member_app"),
    "account": CommandEntry("registry_cmd", "account_app"),
    "gov": CommandEntry("gov_cmd", "app"),
    "id": CommandEntry("id_cmd", "app"),
    "subject": CommandEntry("subject_cmd", "app"),
    "asset-type": CommandEntry("locker_cmd", "type_app"),
    "locker": CommandEntry("locker_cmd", "locker_app"),
    "asset": CommandEntry("asset_cmd", "asset_app"),
    "matter": CommandEntry("workflow_cmd", "matter_app"),
    "process": CommandEntry("workflow_cmd", "process_app"),
    "case": CommandEntry("case_cmd", "case_app"),
    "supervise": CommandEntry("supervise_cmd", "app"),
    "grant": CommandEntry("grant_cmd", "grant_app"),
    "code": CommandEntry("grant_cmd", "code_app"),
    "delegate": CommandEntry("grant_cmd", "delegate_app"),
    "request": CommandEntry("grant_cmd", "request_app"),
    "storage": CommandEntry("storage_cmd", "app"),
    "msg": CommandEntry("msg_cmd", "msg_app"),
    "demo": CommandEntry("demo_cmd", "app"),
    "adapter": CommandEntry("adapter_cmd", "app"),
    "regulator": CommandEntry("regulator_cmd", "regulator_app"),
    "audit": CommandEntry("audit_cmd", "app"),
    "indexer": CommandEntry("indexer_cmd", "app"),
    "monitor": CommandEntry("monitor_cmd", "app"),
    "contract": CommandEntry("contract_cmd", "app"),
}
"""Every top-level command in the order the help lists them."""


@functools.cache
def load_command(name: str) -> Any:
    """The click command of top-level command ``name``, its module imported on first use.

    Built as the eager root built it (``add_typer`` / ``command`` on a Typer without
    completion options), so help, options and one-command groups come out the same.
    """
    entry = COMMANDS[name]
    defined = getattr(importlib.import_module(f"govchain.cli.{entry.module}"), entry.attribute)
    holder = typer.Typer(add_completion=False)
    if entry.group:
        holder.add_typer(defined, name=name)
    else:
        holder.command(name=name)(defined)
    holder.command(name="-")(_unused)  # a second entry: the holder stays a group
    built = typer.main.get_command(holder)
    return built.commands[name]  # type: ignore[attr-defined]


def _unused() -> None:
    """Never run: keeps a one-entry holder from collapsing into its entry."""


class LazyCommands(TyperGroup):
    """The root group: lists every command of :data:`COMMANDS`, imports one when it runs."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in COMMANDS:
            return load_command(cmd_name)
        return found


app = typer.Typer(
    cls=LazyCommands,
    help="GovChain: consortium blockchain for government services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"govchain {govchain.__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """GovChain: consortium blockchain for government services."""


def main() -> None:
    """Run the CLI."""
    app()
