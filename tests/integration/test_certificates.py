"""Certificates on a network of real node processes (issue 14 acceptance; F-B5).

A member admitted by vote brings its own SM2 CA; its admin registers an
account and that account's certificate; the account notarizes as a `cert`
sender; the members revoke the certificate by vote, and from the next
height the node refuses it with 403 ``permission_denied``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govchain.client.certificates import CertificateClient, certificate_id
from govchain.client.gov import GovClient
from govchain.client.registry import RegistryClient
from govchain.client.sdk import ApiError, NodeClient
from govchain.client.submission import committed_receipt
from govchain.codes.demo import demo_uscc
from govchain.contracts.gov.txs import ProposeArgs
from govchain.contracts.registry.txs import AccountAddArgs
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.certs import certificate_from_pem
from govchain.crypto.keyfiles import read_signing_key
from govchain.types import Receipt
from tests.govchain_cli import govchain
from tests.integration.network_support import running_network

pytestmark = pytest.mark.timeout(300)


def _ok(client: NodeClient, tx_hash: bytes) -> Receipt:
    receipt = committed_receipt(client, tx_hash, 60)
    assert receipt.status == 0, receipt.error
    return receipt


def _decide(
    client: NodeClient, admins: list[SigningKey], action: str, args: dict[str, object]
) -> None:
    """Propose ``action`` as the first admin and vote yes with every admin until it executes."""
    gov = GovClient(client)
    height = int(client.status()["height"])
    _, tx_hash = gov.propose(admins[0], ProposeArgs(action, args, "test", height + 100))
    [proposal] = [
        e.attributes["id"] for e in _ok(client, tx_hash).events if e.type == "gov.proposed"
    ]
    states = []
    for admin in admins:
        receipt = _ok(client, gov.vote(admin, int(proposal), True)[1])
        states += [e.attributes["state"] for e in receipt.events if e.type == "gov.decided"]
    assert states == ["executed"]


def _pem_der(path: Path) -> bytes:
    return bytes(certificate_from_pem(path.read_bytes()).dump())


def test_a_revoked_certificate_is_refused_from_the_next_height(tmp_path: Path) -> None:
    ca_dir, holder = tmp_path / "ca", tmp_path / "clerk"
    govchain("ca", "init", "--org", "Department X (demo)", "--suite", "gm", "--out", ca_dir)
    govchain("ca", "issue", "--ca", ca_dir, "--cn", "clerk", "--role", "user", "--out", holder)
    clerk = read_signing_key(holder.with_suffix(".key"))
    der = _pem_der(holder.with_suffix(".pem"))
    with running_network(tmp_path / "net", validators=1) as layout:
        suite = suite_for(layout.suite)
        first = read_signing_key(layout.members[0][2])
        second = suite.generate_key()
        code = demo_uscc(8080)
        with NodeClient(layout.nodes[0].api_url) as client:
            admit: dict[str, object] = {
                "code": code,
                "name": "Department X (demo)",
                "admins": [second.public_key],
                "ca_certs": [_pem_der(ca_dir / "ca.pem")],
            }
            _decide(client, [first], "member.admit", admit)  # one member: its vote decides
            registry = RegistryClient(client)
            account = AccountAddArgs(clerk.public_key, "staff", ("client",), "clerk")
            _ok(client, registry.add_account(second, account)[1])
            certificates = CertificateClient(client)
            _ok(client, certificates.register(second, der)[1])
            cert_id = certificate_id(layout.suite, der)
            digest: dict[str, object] = {"digest": os.urandom(32)}
            _ok(client, certificates.submit_as(clerk, cert_id, "notary.anchor", digest)[1])

            _decide(client, [first, second], "cert.revoke", {"id": cert_id, "reason": "key lost"})
            with pytest.raises(ApiError) as refused:
                certificates.submit_as(clerk, cert_id, "notary.anchor", {"digest": os.urandom(32)})
            assert refused.value.status == 403
            assert refused.value.code == "permission_denied"
            assert "revoked" in str(refused.value)
