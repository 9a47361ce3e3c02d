"""The network follows the registry (issue 14 item 4, F-B2): a peer no longer admitted is cut off.

``update_policy`` closes the links of peers the new policy refuses, refuses
their redials (both ways) with the registry's reason, logged at most once a
minute per kind, and builds new TLS contexts when the trusted CAs change.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from govchain.network import PeerPolicy

from .net_support import Pki, dial, fully_connected, make_node, mesh, run, running, wait_for

LOGGER = "govchain.network"
REASON = "node n2 was removed at height 12"


def _without_n2(pki: Pki, name: str) -> PeerPolicy:
    policy = pki.policy(name)
    allowed = {key: node for key, node in policy.allowed.items() if node != "n2"}
    return replace(policy, allowed=allowed, barred={pki.identities["n2"].fingerprint: REASON})


def test_a_removed_peer_is_cut_off_and_its_redials_refused_with_the_reason(
    pki: Pki, caplog: pytest.LogCaptureFixture
) -> None:
    n1, n2, n3 = make_node(pki, "n1"), make_node(pki, "n2"), make_node(pki, "n3")

    async def scenario() -> None:
        async with running(n1, n2, n3):
            mesh(n1, n2, n3)
            dial(n2, n1)  # n2 dials n1 too: refused inbound as well as outbound
            await wait_for(lambda: fully_connected([n1, n2, n3]), "the mesh")
            with caplog.at_level(logging.WARNING, logger=LOGGER):
                policy = _without_n2(pki, "n1")
                assert n1.update_policy(policy) == ["n2"]
                assert n1.connected_peers == ["n3"]
                refused = n1.refused
                await wait_for(lambda: n1.refused >= refused + 8, "n2's redials to be refused")
                assert n1.connected_peers == ["n3"]
                assert "n1" not in n2.connected_peers
                assert sorted(n3.connected_peers) == ["n1", "n2"]  # n3 keeps both
            lines = [
                r.getMessage()
                for r in caplog.records
                if r.name == LOGGER and REASON in r.getMessage()
            ]
            assert [m for m in lines if "closes its link to n2" in m]
            refusals = [m for m in lines if "refused the peer at" in m]
            assert 1 <= len(refusals) <= 2, refusals  # one a minute per kind (dialed, accepted)

            n1.update_policy(pki.policy("n1"))  # registered again: it links again
            await wait_for(lambda: fully_connected([n1, n2, n3]), "n2 back in the mesh")

    run(scenario)


def test_a_ca_no_longer_trusted_refuses_new_links_at_tls(pki: Pki) -> None:
    n1, n4 = make_node(pki, "n1"), make_node(pki, "n4")
    org1_only = (pki.directory / "org1-ca" / "ca.pem").read_bytes()

    async def scenario() -> None:
        async with running(n1, n4):
            n1.update_policy(replace(pki.policy("n1"), ca_bundle=org1_only))
            assert n1.connected_peers == []
            dial(n4, n1)
            await wait_for(lambda: n1.refused >= 2, "n4 to be refused at TLS")
            assert n1.connected_peers == []
            assert n4.connected_peers == []

    run(scenario)
