"""``govchain net status``: what it prints, as a table or JSON (split from ``net_cmd``)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from govchain.cli.console import console, human_time_ms, print_json
from govchain.cli.net_apps import apps_json, print_apps
from govchain.node import launcher
from govchain.node.app_processes import app_processes
from govchain.node.netinit import NetworkLayout
from govchain.node.validator_status import ValidatorSets, set_changes

__all__ = ["print_status"]


def print_status(layout: NetworkLayout, directory: Path, json_out: bool) -> None:
    """Each node's process, height, block time, state root and peers; storage nodes, apps, sets."""
    states = launcher.status(layout)
    stores = launcher.storage_status(layout)
    apps = app_processes(layout)
    seen = _latest_validator_sets(states)
    if json_out:
        print_json(
            {
                "nodes": [s.to_json() for s in states],
                "validators": _sets_json(seen),
                "storage_nodes": [s.to_json() for s in stores],
                "apps": apps_json(apps),
            }
        )
        return
    table = Table(title=f"network in {directory}")
    for column in ("node", "role", "pid", "API", "height", "block time", "state root", "peers"):
        table.add_column(column)
    for s in states:
        table.add_row(
            s.name,
            s.role,
            "-" if s.pid is None else str(s.pid),
            s.api_url,
            "-" if s.height is None else str(s.height),
            "-" if s.block_time is None else human_time_ms(s.block_time),
            "-" if not s.state_root else s.state_root[:16] + "…",
            "-" if s.peers is None else str(s.peers),
        )
    console.print(table)
    if stores:
        _print_storage_nodes(stores)
    if apps:
        print_apps(console, apps)
    if seen is not None:
        _print_validator_sets(seen)


def _print_storage_nodes(stores: list[launcher.StorageNodeState]) -> None:
    table = Table(title="storage nodes")
    for column in ("name", "pid", "API", "ready"):
        table.add_column(column)
    for s in stores:
        pid = "-" if s.pid is None else str(s.pid)
        table.add_row(s.name, pid, s.url, "yes" if s.ready else "no")
    console.print(table)


_SeenSets = tuple[launcher.NodeState, ValidatorSets]


def _latest_validator_sets(states: list[launcher.NodeState]) -> _SeenSets | None:
    """The validator sets of the answering node at the greatest height (None: none answers)."""
    answered = [(s, s.validator_sets) for s in states if s.height is not None and s.validator_sets]
    if not answered:
        return None
    return max(answered, key=lambda seen: seen[0].height or 0)


def _sets_json(seen: _SeenSets | None) -> dict[str, object] | None:
    if seen is None:
        return None
    state, (current, upcoming) = seen
    return {
        "node": state.name,
        "height": state.height,
        "validators": [v.to_json() for v in current],
        "next_validators": [v.to_json() for v in upcoming],
    }


def _print_validator_sets(seen: _SeenSets) -> None:
    state, (current, upcoming) = seen
    height = state.height or 0
    table = Table(
        title=f"validators of height {height + 1} (as {state.name} at {height} sees them)"
    )
    for column in ("name", "address", "power", "votes from"):
        table.add_column(column)
    for v in current:
        table.add_row(v.name, v.address, str(v.power), str(v.votes_from))
    console.print(table)
    changes = set_changes(current, upcoming)
    if changes:
        console.print(f"from height {height + 2}: {'; '.join(changes)}", highlight=False)
