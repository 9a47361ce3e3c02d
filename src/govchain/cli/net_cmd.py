"""``govchain net``: lay out, start, watch and stop a local network of node processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from govchain.cli.console import console, fail, print_json, reports_errors
from govchain.cli.net_apps import RunningApps, start_apps
from govchain.cli.net_node_proposals import command_name, print_node_added, print_node_removal
from govchain.cli.net_status import print_status
from govchain.contracts.lifecycle.tested import TEST_CHAIN_SUFFIX
from govchain.contracts.registry.validators import MAX_POWER
from govchain.crypto import suite_for
from govchain.enterprise_demo.network import add_demo_members
from govchain.ledger.genesis_file import load_genesis
from govchain.node import add_node as node_addition
from govchain.node import launcher
from govchain.node import remove_node as node_removal
from govchain.node.home_lock import HomeLock
from govchain.node.keeper import CHECK_INTERVAL_S, NetworkKeeper
from govchain.node.netinit import (
    GENESIS_FILE,
    VALIDATOR_POWER,
    NetworkLayout,
    init_network,
    read_layout,
)
from govchain.node.storage_layout import MAX_STORAGE_NODES

KEEPER_OUT = "net.out"
"""What a background ``net up`` prints, in the network's directory."""

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
    chain_id: str = typer.Option(
        "", "--chain-id", help="The chain's id (default govchain-local, or govchain-local-test)."
    ),
    profile: str = typer.Option(
        "production",
        "--profile",
        help="production, or test: a test network for contracts, whose chain id ends in -test "
        "(a production chain records its genesis hash as contracts' test_genesis).",
    ),
    api_tls: bool = typer.Option(
        False,
        "--api-tls",
        help="Serve every API over HTTPS: an API CA per member (ECDSA P-256), a certificate "
        "per node for --host, and DIR/ca-bundle.pem for clients (--ca-bundle). "
        "Without it the APIs are plain HTTP.",
    ),
    storage_nodes: int = typer.Option(
        0,
        "--storage-nodes",
        min=0,
        max=MAX_STORAGE_NODES,
        help="Storage nodes DIR/storage1..K (blob API over a disk store, plain HTTP), on the "
        "ports after the nodes'; registered with role storage, listed to clients by every "
        "node at /v1/storage-nodes.",
    ),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Give the network the enterprise-setup demo's members: the window, a regulator "
        "and seven departments (the first run the nodes, the others run none), so govchain "
        "net up --with-console can seed the demo (make run does this).",
    ),
) -> None:
    """Write genesis.json, every node's home (keys, certificates, config) and a client key."""
    if suite not in ("gm", "intl"):
        fail(f"--suite {suite!r}: expected gm or intl")
    chain_id = _profile_chain_id(profile, chain_id)
    layout = init_network(
        directory,
        validators=validators,
        full_nodes=full_nodes,
        suite_name=suite,
        host=host,
        base_port=base_port,
        chain_id=chain_id,
        api_tls=api_tls,
        storage_nodes=storage_nodes,
    )
    if demo:
        layout = add_demo_members(layout)
    table = Table(title=f"network {layout.chain_id} ({layout.suite}) in {directory}")
    for column in ("node", "role", "home", "API"):
        table.add_column(column)
    for node in layout.nodes:
        table.add_row(node.name, node.role, str(node.home), node.api_url)
    for store in layout.storage_nodes:
        table.add_row(store.name, "storage", str(store.home), store.url)
    console.print(table)
    console.print(f"genesis: {directory / 'genesis.json'}")
    if profile == "test":
        digest = suite_for(layout.suite).hash((directory / "genesis.json").read_bytes())
        console.print(
            f"test network: a production chain records it with govchain gov propose "
            f"contracts.params --set test_genesis={digest.hex()}",
            highlight=False,
        )
    console.print(f"client key (may notarize): {layout.client_key}")
    members = Table(title="members (their admins propose and vote: govchain gov)")
    members.add_column("credit code", no_wrap=True)
    members.add_column("name")
    members.add_column("admin key", overflow="fold")
    for code, name, admin_key in layout.members:
        members.add_row(code, name, str(admin_key))
    console.print(members)
    if layout.ca_bundle is not None:
        console.print(f"CA bundle for clients (--ca-bundle): {layout.ca_bundle}")
    console.print(f"next: govchain net up --dir {directory}")


def _profile_chain_id(profile: str, chain_id: str) -> str:
    """The chain id of a network of ``profile``: a test network's ends in ``-test``."""
    if profile not in ("production", "test"):
        fail(f"--profile {profile!r}: expected production or test")
    if profile == "test":
        chain_id = chain_id or f"govchain-local{TEST_CHAIN_SUFFIX}"
        if not chain_id.endswith(TEST_CHAIN_SUFFIX):
            fail(f"--chain-id {chain_id!r}: a test network's chain id ends in {TEST_CHAIN_SUFFIX}")
        return chain_id
    chain_id = chain_id or "govchain-local"
    if chain_id.endswith(TEST_CHAIN_SUFFIX):
        fail(f"--chain-id {chain_id!r}: a chain id ending in -test is for --profile test")
    return chain_id


@app.command("add-node")
@reports_errors
def add_node(
    directory: Path = typer.Option(..., "--dir", help="The network's directory (net init)."),
    name: str = typer.Option(..., "--name", help="The new node's name (a-z, 0-9, '-')."),
    org: str = typer.Option(..., "--org", help="Credit code of the member that runs it."),
    role: str = typer.Option(..., "--role", help="validator, full or storage."),
    power: int | None = typer.Option(
        None,
        "--power",
        help=f"A validator's voting power, 1 to {MAX_POWER:,} (default {VALIDATOR_POWER}, "
        "the genesis validators').",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the proposal as one JSON object."),
) -> None:
    """Lay out DIR/NAME, a node of member ORG, and print the node.add proposal to vote on.

    The home gets a transport key and certificate from the member's transport
    CA under DIR/cas/, an API certificate when the network serves HTTPS,
    genesis.json and a config.toml on the next free ports, whose peers are
    every node; DIR/network.json lists it. A validator also gets a new
    signing key, validator.pem (mode 0600), and the consensus settings of
    the other validators; its proposal names the key and the power. Once the
    members' vote executes node.add, its peers admit it (a validator votes
    from two heights later, once synced); govchain net up --dir DIR starts
    it with the others (before that it runs but no peer links with it).
    Nothing is written when a check fails.
    """
    added = node_addition.add_node(directory, name, org, role, power=power)
    if json_out:
        print_json(added.proposal())
        return
    genesis_power = load_genesis(directory / GENESIS_FILE).validators.total_power
    print_node_added(added, read_layout(directory), genesis_power)


@app.command("remove-node")
@reports_errors
def remove_node(
    directory: Path = typer.Option(..., "--dir", help="The network's directory (net init)."),
    name: str = typer.Option(
        ..., "--name", help="The node to remove, as DIR/network.json names it."
    ),
    reason: str | None = typer.Option(
        None, "--reason", help="Why (the action's reason; default: remove node NAME)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the proposal as one JSON object."),
) -> None:
    """Print the node.remove proposal for node NAME of the network in DIR.

    It writes and deletes nothing: NAME keeps its home, stays in
    DIR/network.json and keeps running. Once the members' vote executes
    node.remove (a validator leaves the set two heights later), its peers
    close their links; then stop the node (kill $(cat DIR/NAME/node.pid)).
    net up starts it again while DIR/network.json lists it, where it runs
    with no peers. Refuses a NAME that DIR/network.json does not list.
    """
    removal = node_removal.remove_node(directory, name, reason)
    if json_out:
        print_json(removal.proposal())
        return
    print_node_removal(removal, read_layout(directory))


@app.command("up")
@reports_errors
def up(
    directory: Path = typer.Option(..., "--dir", help="The network's directory."),
    detach: bool = typer.Option(
        False, "--detach", help="Keep the network up from a background process and return."
    ),
    with_console: bool = typer.Option(
        False,
        "--with-console",
        help="Also run the indexer (DIR/apps/indexer/index.db), the monitor "
        "(DIR/apps/monitor, thresholds in DIR/apps/monitor.toml) and the web console, "
        "and seed the demo once (a network of net init --demo).",
    ),
) -> None:
    """Start every node (and storage node) that is not running, and keep them running until
    stopped.

    A node that exits non-zero (it stops itself when a part fails) is started
    again after 1, 2, 4 ... 30 s, at most 8 times in a row. In the foreground,
    Ctrl-C, SIGTERM or SIGHUP stops every node, also when the output pipe is
    gone. With --detach a background net up does this (its log: DIR/net.out)
    until `govchain net down`.

    With --with-console, once the nodes answer, it starts the indexer, the
    monitor and the console (kept like the nodes; output in
    DIR/apps/NAME/node.out), prints the console URL, and runs govchain demo
    seed --dir DIR unless DIR/demo/seed.json says it ran: a second run
    seeds nothing. Ctrl-C stops them all.
    """
    layout = read_layout(directory)
    running = launcher.keeper_pid(directory)
    if running is not None:
        fail(
            f"the network in {directory} is already kept up by net up (pid {running}); "
            f"govchain net down --dir {directory} stops it"
        )
    if detach:
        _up_in_background(layout, with_console)
    else:
        _keep_up(layout, with_console)


class _PipeSafeConsole(Console):
    """A console that goes quiet when its output pipe is gone, instead of exiting.

    Rich's default ends the process on a broken pipe; ``net up`` must go on
    (or stop its nodes) whatever happened to the terminal or ``| tee``.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # later flushes, also at exit, go nowhere
        os.close(devnull)


def _keep_up(layout: NetworkLayout, with_console: bool = False) -> None:
    """Run the network in the foreground until a signal; always stop every node at the end."""
    out = _PipeSafeConsole(highlight=False, soft_wrap=True)  # a line stays one line in a log
    lock = HomeLock.take(layout.directory / launcher.KEEPER_LOCK, f"network {layout.directory}")
    stop = _StopRequest()
    apps: RunningApps | None = None

    def say(line: str) -> None:
        out.print(line, markup=False)

    try:
        keeper = NetworkKeeper(layout, say)
        started = keeper.start(stop.requested)
        out.print("waiting for every node's API ...")
        late = launcher.wait_ready(layout, stop_requested=stop.requested)
        if late and not stop.requested():
            out.print(f"[yellow]not answering yet:[/] {', '.join(late)} (see node.log)")
        if with_console and not stop.requested():
            apps = start_apps(keeper, layout, say, stop.requested)
        if not stop.requested():
            _print_ready(out, layout, started)
            for line in [] if apps is None else apps.ready_lines():
                say(line)
            out.print("Ctrl-C stops every node.")
        while not stop.requested():
            keeper.check()
            if apps is not None:
                apps.check_seed()
            time.sleep(CHECK_INTERVAL_S)  # a signal handler only sets a flag: no half-done step
        out.print("stopping ...")
    finally:  # also after an error, or a SystemExit: no node is left behind
        if apps is not None:
            apps.stop_seed()
        _print_down(out, launcher.down(layout))
        lock.release()


class _StopRequest:
    """Remembers the first SIGINT, SIGTERM or SIGHUP (Ctrl-C, kill, a closed terminal).

    The handler only sets a flag, which the loop reads between steps, so a
    signal never cuts a step short (a node started but not yet recorded).
    """

    def __init__(self) -> None:
        self.signal: int | None = None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.signal is None:
            self.signal = signum

    def requested(self) -> bool:
        """Whether a stop signal arrived."""
        return self.signal is not None


_background: list[subprocess.Popen[bytes]] = []
"""The background net up this process started (kept so it is never reaped as garbage)."""


def _up_in_background(layout: NetworkLayout, with_console: bool) -> None:
    """Start ``net up`` in its own session, wait until every API answers, and return."""
    log = layout.directory / KEEPER_OUT
    missing = sum(1 for n in launcher.every_process(layout) if launcher.pid_of(n) is None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "govchain", "net", "up", "--dir", str(layout.directory)]
            + (["--with-console"] if with_console else []),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _background.append(process)
    deadline = time.monotonic() + launcher.READY_TIMEOUT_S
    waiting = list(launcher.every_process(layout))
    while waiting and time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"net up in the background exited with status {process.returncode}; see {log}")
        waiting = [n for n in waiting if not launcher.answers(n, layout.ca_bundle)]
        if waiting:
            time.sleep(0.3)
    if waiting:
        console.print(f"[yellow]not answering yet:[/] {', '.join(n.name for n in waiting)}")
    _print_ready(console, layout, missing)
    console.print(
        f"kept up by net up in the background (pid {process.pid}; its log: {log}); "
        f"govchain net down --dir {layout.directory} stops it",
        highlight=False,
    )


@app.command("status")
@reports_errors
def status(
    directory: Path = typer.Option(..., "--dir", help="The network's directory."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Each node's process, height, latest block time, state root and peers; the validators.

    The table shows the block time as ISO 8601 in UTC; --json gives it in
    milliseconds since the Unix epoch (block_time). The validator set is the
    one the node at the greatest height answers: the set that votes on its
    next block, each validator with the height it votes from, and a line
    naming what changes when the set after it differs (--json: validators,
    {node, height, validators, next_validators}, or null when no node answers).
    Storage nodes: their process, URL and whether /v1/health answers
    (--json: storage_nodes, [{name, pid, url, ready}]). The apps of net up
    --with-console (indexer, monitor, console): their process, URL or file,
    and whether they answer (--json: apps, [{name, pid, url, ready}]).
    """
    print_status(read_layout(directory), directory, json_out)


@app.command("down")
@reports_errors
def down(directory: Path = typer.Option(..., "--dir", help="The network's directory.")) -> None:
    """Stop the network's net up, if one keeps it up, its apps (net up --with-console), and
    every node and storage node (SIGTERM, then SIGKILL)."""
    _print_down(console, launcher.down(read_layout(directory)))


def _print_ready(console: Console, layout: NetworkLayout, started: int) -> None:
    govchain = command_name()
    total = len(layout.nodes) + len(layout.storage_nodes)
    console.print(f"{started} node(s) started; {total} in the network")
    for node in layout.nodes:
        console.print(
            f"  {node.name:<8} {node.role:<10} API {node.api_url}  docs {node.api_url}/docs"
        )
    for store in layout.storage_nodes:
        console.print(
            f"  {store.name:<8} {'storage':<10} API {store.url}  docs {store.url}/docs",
            highlight=False,
            soft_wrap=True,
        )
    nodes = ",".join(node.api_url for node in layout.nodes[:3])  # spread, and fail over
    trust = "" if layout.ca_bundle is None else f" --ca-bundle {layout.ca_bundle}"
    console.print("notarize a document:")
    console.print(
        f"  {govchain} notarize README.md --node {nodes}{trust} --key {layout.client_key} "
        f"--out receipt.json",
        highlight=False,
        soft_wrap=True,  # one line, to copy
    )
    console.print(
        f"  {govchain} verify receipt.json --genesis {layout.directory / 'genesis.json'}",
        highlight=False,
        soft_wrap=True,
    )


def _print_down(console: Console, outcome: dict[str, str]) -> None:
    for name, what in sorted(outcome.items()):
        console.print(f"{name}: {what}")
