"""A full node joins and leaves by vote, on a network of real processes (issue 14 acceptance).

F-B2, F-A3: ``govchain net add-node`` lays out a node of a member; three of
the four members vote ``node.add``; the node, started like the others, syncs
to their height and serves its status and a notary read. Then the members
vote ``node.remove``: the validators close its links, refuse it when it
dials again (with the reason, in their logs), and it stays behind while
they go on committing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.client.notary import NotaryClient
from govchain.client.sdk import NodeClient
from govchain.crypto import suite_for
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, read_layout
from tests.govchain_cli import govchain
from tests.integration.network_support import (
    assert_ready,
    decide_by_vote,
    height_of,
    holds_throughout,
    running_network,
    status_of,
    wait_for,
)

pytestmark = pytest.mark.timeout(300)

NEW = "extra1"
BEHIND_BY = 5
"""Heights the validators go past the removed node while it keeps running."""


def _nodes(layout: NetworkLayout) -> list[str]:
    return ["--node", ",".join(n.api_url for n in layout.nodes)]


def _decide(layout: NetworkLayout, action: str, args: dict[str, str]) -> None:
    decide_by_vote([n.api_url for n in layout.nodes], layout, action, args)


def _peers_of(url: str) -> set[str] | None:
    status = status_of(url)
    return None if status is None else {peer["address"] for peer in status["peers"]}


def _refusals(home: Path) -> list[str]:
    """The lines of a node's log that refuse NEW's link for its removal."""
    lines = (home / "node.log").read_text(encoding="utf-8").splitlines()
    reason = f"node {NEW} was removed at height"
    return [line for line in lines if "refused the peer at" in line and reason in line]


def test_a_node_added_by_vote_syncs_and_serves_and_one_removed_is_cut_off(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    with running_network(directory, validators=4) as layout:
        org = layout.members[1][0]
        laid_out = govchain(
            "net", "add-node", "--dir", directory, "--name", NEW, "--org", org,
            "--role", "full", "--json",
        )  # fmt: skip
        proposal = json.loads(laid_out.stdout)
        assert proposal["action"] == "node.add"
        assert (proposal["args"]["name"], proposal["args"]["org"]) == (NEW, org)
        grown = read_layout(directory)
        [new] = [node for node in grown.nodes if node.name == NEW]
        validators = [node for node in grown.nodes if node.name != NEW]

        document = b"notarized before the node joined\n"
        digest = suite_for(layout.suite).hash(document)  # what `notarize` anchors
        doc = tmp_path / "doc.txt"
        doc.write_bytes(document)
        govchain("notarize", doc, *_nodes(layout), "--key", layout.client_key, "--json")

        _decide(layout, "node.add", proposal["args"])
        try:
            assert launcher.up(grown)  # what `net up` does: only the new node is not running
            assert_ready(grown)

            # it syncs to the others' height and serves its status and a notary read
            target = max(height_of(v.api_url) or 0 for v in validators)
            wait_for(lambda: (height_of(new.api_url) or 0) >= target, 60, f"{NEW} to sync")
            status = status_of(new.api_url)
            assert status is not None
            assert status["role"] == "full"
            with NodeClient(new.api_url, timeout_s=5) as client:
                found = NotaryClient(client).lookup(digest)
            assert found.anchorings, "the new node serves the notarized document"
            wait_for(
                lambda: all(NEW in (_peers_of(v.api_url) or set()) for v in validators),
                30,
                f"every validator to link with {NEW}",
            )

            # removed by vote: the validators close its links and refuse it from then on
            _decide(layout, "node.remove", {"name": NEW, "reason": "decommissioned"})
            removed_by = max(height_of(v.api_url) or 0 for v in validators)
            wait_for(
                lambda: not any(NEW in (_peers_of(v.api_url) or {NEW}) for v in validators),
                30,
                f"the validators to drop {NEW}",
            )
            wait_for(
                lambda: all(_refusals(v.home) for v in validators),
                30,
                f"the validators to refuse {NEW}'s redials with the reason",
            )
            assert launcher.running_pid(new.home) is not None  # it keeps running ...
            wait_for(
                lambda: (
                    min(height_of(v.api_url) or 0 for v in validators) >= removed_by + BEHIND_BY
                ),
                60,
                "the validators to go on committing",
            )
            left_at = height_of(new.api_url)
            assert left_at is not None
            assert left_at <= removed_by  # ... but stays behind
            holds_throughout(
                lambda: _peers_of(new.api_url) == set(), 2, f"{NEW} to stay without peers"
            )
            refusals = _refusals(validators[0].home)
            assert len(refusals) <= 2, refusals  # one line a minute, not one per redial
        finally:
            launcher.down(grown, grace_s=10)
