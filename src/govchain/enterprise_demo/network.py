"""The demo network: laid out with nine members (departments, window, regulator), started, stopped.

``init_network`` lays out the validators and storage nodes with one member
per node; the demo then names those members as in
:data:`~govchain.enterprise_demo.plan.DEMO_MEMBERS` and adds the members
that run no node (each with its own transport CA and admin key, as net init
writes them), before any node starts, so every node starts from the same
genesis.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from govchain.client.subjects import new_identity_key
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.enterprise_demo.plan import DEMO_MEMBERS, DEMO_STORAGE_NODES, DEMO_VALIDATORS
from govchain.ledger.genesis_file import genesis_json_text, load_genesis
from govchain.network.certs import init_transport_ca
from govchain.node import launcher
from govchain.node.netinit import GENESIS_FILE, NETWORK_FILE, NetworkLayout, init_network
from govchain.node.ports import free_base_port
from govchain.types import Member
from govchain.types.network_registry import MEMBER_PERMISSIONS

__all__ = ["add_demo_members", "lay_out_demo_network", "start_network", "stop_network"]

STOP_GRACE_S = 10.0


def lay_out_demo_network(directory: Path, now: dt.datetime | None = None) -> NetworkLayout:
    """Lay out the demo network in ``directory`` (which must not hold one): nine members,
    ``DEMO_VALIDATORS`` validators run by the first members, and the storage nodes."""
    now = now or dt.datetime.now(dt.UTC)
    base = free_base_port(2 * DEMO_VALIDATORS + DEMO_STORAGE_NODES)
    layout = init_network(
        directory,
        validators=DEMO_VALIDATORS,
        base_port=base,
        storage_nodes=DEMO_STORAGE_NODES,
        chain_id="govchain-demo",
        now=now,
    )
    return add_demo_members(layout, now)


def add_demo_members(layout: NetworkLayout, now: dt.datetime | None = None) -> NetworkLayout:
    """Name the members of a network just laid out by ``init_network`` (none of its nodes has
    started) as :data:`DEMO_MEMBERS`, and add the demo members that run no node; rewrites
    every genesis.json and network.json; returns the layout with every member's admin key.

    ``govchain net init --demo`` and :func:`lay_out_demo_network` use it.
    """
    now = now or dt.datetime.now(dt.UTC)
    directory = layout.directory
    genesis = load_genesis(directory / GENESIS_FILE)
    suite = suite_for(genesis.suite)
    members = list(genesis.network.members)
    admins = list(layout.members)
    for i, plan in enumerate(DEMO_MEMBERS):
        if i < len(members):
            if members[i].org != plan.code:
                raise RuntimeError(f"net init gave node{i} the member {members[i].org}")
            members[i] = dataclasses.replace(members[i], name=plan.name)
            admins[i] = (plan.code, plan.name, admins[i][2])
            continue
        ca = init_transport_ca(directory / "cas" / f"department-{i}", plan.name, now)
        admin = suite.generate_key()
        admin_file = directory / "members" / plan.code / "admin.pem"
        admin_file.parent.mkdir(parents=True)
        write_file_atomic(admin_file, admin.to_pem())
        new_identity_key(admin_file.parent / "identity.key")
        members.append(
            Member(
                plan.code, ca.certificate.dump(), plan.name, (admin.public_key,), MEMBER_PERMISSIONS
            )
        )
        admins.append((plan.code, plan.name, admin_file))
    network = dataclasses.replace(genesis.network, members=tuple(members))
    extended = dataclasses.replace(genesis, network=network)
    extended.validate()
    text = genesis_json_text(extended)
    homes = [directory, *(n.home for n in layout.nodes), *(s.home for s in layout.storage_nodes)]
    for home in homes:
        (home / GENESIS_FILE).write_text(text, encoding="utf-8")
    layout = dataclasses.replace(layout, members=tuple(admins))
    (directory / NETWORK_FILE).write_text(json.dumps(layout.to_json(), indent=2) + "\n")
    return layout


def start_network(layout: NetworkLayout) -> None:
    """Start every node and storage node, wait until they answer; RuntimeError if one does not."""
    launcher.up(layout)
    late = launcher.wait_ready(layout)
    if late:
        raise RuntimeError(f"nodes not ready: {', '.join(str(name) for name in late)}")


def stop_network(layout: NetworkLayout) -> None:
    """Stop every node and storage node of the layout (SIGTERM, then SIGKILL after a grace)."""
    launcher.down(layout, grace_s=STOP_GRACE_S)
