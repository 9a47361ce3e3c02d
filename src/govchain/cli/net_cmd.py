"""``govchain net``: lay out, start, watch and stop a local network of node processes."""

from __future__ import annotations

import shutil
import signal
import sys
import time
from pathlib import Path

import typer
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, init_network, read_layout

app = typer.Typer(
    help="A network of nodes on this machine (or laid out for many).", no_args_is_help=True
)


@app.command("init")
@reports_errors
def init(
    directory: Path = typer.Option(..., "--dir", help="New directory for the network."),
    validators: int = typer.Option(4, "--validators", min=1, max=64, help="Validator nodes."),
    full_nodes: int = typer.Option(0, "--full-nodes", min=0, max=63, help="Full nodes."),
    suite: str = typer.Option("gm", "--suite", help="gm (SM2/SM3/SM4) or intl."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address every node listens on."),
    base_port: int = typer.Option(
        26600,
        "--base-port",
        min=1024,
        max=65000,
        help="Node k: peers on base+2k, API on base+2k+1.",
    ),
    chain_id: str = typer.Option("govchain-local", "--chain-id", help="The chain's id."),
) -> None:
    """Write genesis.json, every node's home (keys, certificates, config) and a client key."""
    if suite not in ("gm", "intl"):
        fail(f"--suite {suite!r}: expected gm or intl")
    layout = init_network(
        directory,
        validators=validators,
        full_nodes=full_nodes,
        suite_name=suite,
        host=host,
        base_port=base_port,
        chain_id=chain_id,
    )
    table = Table(title=f"network {layout.chain_id} ({layout.suite}) in {directory}")
    for column in ("node", "role", "home", "API"):
        table.add_column(column)
    for node in layout.nodes:
        table.add_row(node.name, node.role, str(node.home), node.api_url)
    console.print(table)
    console.print(f"genesis: {directory / 'genesis.json'}")
    console.print(f"client key (may notarize): {layout.client_key}")
    console.print(f"next: govchain net up --dir {directory}")


@app.command("up")
@reports_errors
def up(
    directory: Path = typer.Option(..., "--dir", help="The network's directory."),
    detach: bool = typer.Option(False, "--detach", help="Start and return; nodes keep running."),
) -> None:
    """Start every node that is not running (again after a crash: the missing ones).

    Without --detach it stays in the foreground; Ctrl-C (or SIGTERM, SIGHUP) stops
    every node cleanly.
    """
    layout = read_layout(directory)
    started = launcher.up(layout, lambda name, pid: console.print(f"started {name} (pid {pid})"))
    with console.status("waiting for every node's API"):
        late = launcher.wait_ready(layout)
    if late:
        console.print(f"[yellow]not answering yet:[/] {', '.join(late)} (see node.log)")
    _print_ready(layout, len(started))
    if detach:
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):  # kill, or a closed terminal: as Ctrl-C
        signal.signal(sig, _interrupt)
    try:
        console.print("Ctrl-C stops every node.")
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        console.print("stopping ...")
    _print_down(launcher.down(layout))


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@app.command("status")
@reports_errors
def status(
    directory: Path = typer.Option(..., "--dir", help="The network's directory."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Each node's process, height, state root and peers."""
    states = launcher.status(read_layout(directory))
    if json_out:
        print_json({"nodes": [s.to_json() for s in states]})
        return
    table = Table(title=f"network in {directory}")
    for column in ("node", "role", "pid", "API", "height", "state root", "peers"):
        table.add_column(column)
    for s in states:
        table.add_row(
            s.name,
            s.role,
            "-" if s.pid is None else str(s.pid),
            s.api_url,
            "-" if s.height is None else str(s.height),
            "-" if not s.state_root else s.state_root[:16] + "…",
            "-" if s.peers is None else str(s.peers),
        )
    console.print(table)


@app.command("down")
@reports_errors
def down(directory: Path = typer.Option(..., "--dir", help="The network's directory.")) -> None:
    """Stop every node (SIGTERM, then SIGKILL after a grace period)."""
    _print_down(launcher.down(read_layout(directory)))


def _command_name() -> str:
    """How the user can run ``govchain`` from this shell (the venv may not be on PATH)."""
    if shutil.which("govchain"):
        return "govchain"
    return str(Path(sys.executable).with_name("govchain"))


def _print_ready(layout: NetworkLayout, started: int) -> None:
    first = layout.nodes[0]
    govchain = _command_name()
    console.print(f"{started} node(s) started; {len(layout.nodes)} in the network")
    for node in layout.nodes:
        console.print(
            f"  {node.name:<8} {node.role:<10} API {node.api_url}  docs {node.api_url}/docs"
        )
    console.print("notarize a document:")
    console.print(
        f"  {govchain} notarize README.md --node {first.api_url} --key {layout.client_key} "
        f"--out receipt.json",
        highlight=False,
    )
    console.print(
        f"  {govchain} verify receipt.json --genesis {layout.directory / 'genesis.json'}",
        highlight=False,
    )


def _print_down(outcome: dict[str, str]) -> None:
    for name, what in sorted(outcome.items()):
        console.print(f"{name}: {what}")
