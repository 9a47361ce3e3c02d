"""How ``net add-node`` and ``net remove-node`` show the proposal the members then vote on.

A table of the node, then one ``govchain gov propose ...`` line to copy
(issue 14 item 8, issue 15 item 7): the ``--set`` arguments of the action,
the network's first three APIs, its CA bundle, and the admin key of the
member that runs the node.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from rich.table import Table

from govchain.cli.console import console
from govchain.node.add_node import AddedNode
from govchain.node.netinit import NETWORK_FILE, NetworkLayout
from govchain.node.remove_node import NodeRemoval

__all__ = ["command_name", "print_node_added", "print_node_removal"]

POWER_SHARE = 3
"""At most 1/POWER_SHARE of the set's total power may change per height (registry.md)."""


def command_name() -> str:
    """How the user can run ``govchain`` from this shell (the venv may not be on PATH)."""
    if shutil.which("govchain"):
        return "govchain"
    return str(Path(sys.executable).with_name("govchain"))


def print_node_added(added: AddedNode, layout: NetworkLayout, genesis_power: int) -> None:
    """The new node, its proposal, and what to do next; ``genesis_power``: the set's total."""
    node = added.node
    table = Table(title=f"node {node.name} laid out in {node.home}")
    columns = ["name", "member", "role", "peers on", "API", "transport key"]
    row = [node.name, added.org, node.role, node.p2p, node.api_url, added.transport_key.hex()]
    if node.role == "validator":
        columns += ["power", "validator key"]
        row += [str(added.power), added.validator_key.hex()]
    for column in columns:
        table.add_column(column, overflow="fold")
    table.add_row(*row)
    console.print(table)
    _print_propose_line(
        added.propose_arguments(), layout, added.org, shlex.quote(f"add node {node.name}")
    )
    if node.role == "validator":
        console.print(
            "it votes from two heights after the block that executes node.add, once it has "
            "synced; at most a third of the set's power may change per height",
            highlight=False,
        )
        if added.power * POWER_SHARE > genesis_power:
            console.print(
                f"[yellow]note:[/] power {added.power} is over a third of the genesis set's "
                f"{genesis_power}: the chain refuses it unless the set has grown since",
                highlight=False,
            )
    console.print(f"then: govchain net up --dir {layout.directory}", highlight=False)


def print_node_removal(removal: NodeRemoval, layout: NetworkLayout) -> None:
    """The node to remove, its proposal, and when to stop it."""
    node = removal.node
    table = Table(title=f"remove node {node.name}")
    for column in ("name", "member", "role", "home", "API", "reason"):
        table.add_column(column, overflow="fold")
    member = "?" if removal.org is None else removal.org
    table.add_row(node.name, member, node.role, str(node.home), node.api_url, removal.reason)
    console.print(table)
    reason = shlex.quote(f"remove node {node.name}")
    _print_propose_line(removal.propose_arguments(), layout, removal.org, reason)
    console.print(
        f"once node.remove executes (its peers then close their links), stop the node: "
        f"kill $(cat {node.home / 'node.pid'}) (net up does not restart a node stopped "
        f"that way; it starts it again at its next run while {layout.directory / NETWORK_FILE} "
        f"lists it)",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


def _print_propose_line(arguments: str, layout: NetworkLayout, org: str | None, why: str) -> None:
    admin = next((key for code, _, key in layout.members if code == org), None)
    key = "ADMIN.pem" if admin is None else str(admin)
    nodes = ",".join(n.api_url for n in layout.nodes[:3])
    trust = "" if layout.ca_bundle is None else f" --ca-bundle {layout.ca_bundle}"
    console.print("propose it (the members then vote: govchain gov vote ID --yes):")
    console.print(
        f"  {command_name()} {arguments} --node {nodes}{trust} --key {key} --reason {why}",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
