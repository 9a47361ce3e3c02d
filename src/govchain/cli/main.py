"""Entry point of the ``govchain`` command."""

from __future__ import annotations

import typer

import govchain
from govchain.cli import (
    adapter_cmd,
    asset_cmd,
    audit_cmd,
    bench_cmd,
    ca_cmd,
    case_cmd,
    chaos_cmd,
    console_cmd,
    crypto_cmd,
    demo_cmd,
    evidence_cmd,
    gov_cmd,
    grant_cmd,
    id_cmd,
    indexer_cmd,
    keys_cmd,
    ledger_cmd,
    locker_cmd,
    monitor_cmd,
    msg_cmd,
    net_cmd,
    node_cmd,
    notary_cmd,
    registry_cmd,
    regulator_cmd,
    sim_cmd,
    storage_cmd,
    subject_cmd,
    supervise_cmd,
    verify_cmd,
    workflow_cmd,
)

app = typer.Typer(
    help="GovChain: consortium blockchain for government services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(crypto_cmd.app, name="crypto")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(ca_cmd.app, name="ca")
app.add_typer(ledger_cmd.app, name="ledger")
app.add_typer(bench_cmd.app, name="bench")
app.add_typer(net_cmd.app, name="net")
app.add_typer(node_cmd.app, name="node")
app.add_typer(evidence_cmd.app, name="evidence")
app.add_typer(registry_cmd.member_app, name="member")
app.add_typer(registry_cmd.account_app, name="account")
app.add_typer(gov_cmd.app, name="gov")
app.add_typer(id_cmd.app, name="id")
app.add_typer(subject_cmd.app, name="subject")
app.add_typer(locker_cmd.type_app, name="asset-type")
app.add_typer(locker_cmd.locker_app, name="locker")
app.add_typer(asset_cmd.asset_app, name="asset")
asset_cmd.asset_app.command("history")(grant_cmd.history)
app.add_typer(workflow_cmd.matter_app, name="matter")
app.add_typer(workflow_cmd.process_app, name="process")
app.add_typer(case_cmd.case_app, name="case")
app.add_typer(supervise_cmd.app, name="supervise")
app.add_typer(grant_cmd.grant_app, name="grant")
app.add_typer(grant_cmd.code_app, name="code")
app.add_typer(grant_cmd.delegate_app, name="delegate")
app.add_typer(grant_cmd.request_app, name="request")
app.add_typer(storage_cmd.app, name="storage")
app.add_typer(msg_cmd.msg_app, name="msg")
app.add_typer(demo_cmd.app, name="demo")
app.add_typer(adapter_cmd.app, name="adapter")
app.add_typer(regulator_cmd.regulator_app, name="regulator")
app.command(name="usage")(regulator_cmd.usage_history)
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(indexer_cmd.app, name="indexer")
app.add_typer(monitor_cmd.app, name="monitor")
app.command(name="console")(console_cmd.console_command)
app.command(name="verify")(verify_cmd.verify)
app.command(name="sim")(sim_cmd.sim)
app.command(name="notarize")(notary_cmd.notarize)
app.command(name="chaos")(chaos_cmd.chaos)


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
