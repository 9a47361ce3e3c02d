"""SDK of account certificates (F-B5, docs/spec/registry.md "Certificates").

:class:`CertificateClient` registers an account certificate (a member's
admin), submits txs named by a certificate (sender kind ``cert``, signed by
the certificate's key), and reads the certificates that expire soon.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import x509

from govchain.client.sdk import NodeClient
from govchain.client.submission import submit_args, submit_built
from govchain.contracts.registry.certs import cert_id, cert_register_tx, cert_sender_tx
from govchain.crypto import SigningKey
from govchain.crypto.suites import suite_for
from govchain.types import Tx

__all__ = ["CertificateClient", "certificate_id"]


def certificate_id(suite_name: str, cert: x509.Certificate | bytes) -> bytes:
    """The id a ``cert`` tx names its sender by: the suite hash of the certificate's DER."""
    der = cert if isinstance(cert, bytes) else cert.dump()
    return cert_id(suite_for(suite_name), der)


class CertificateClient:
    """Account certificates on a node: register, send as a certificate, list those expiring."""

    def __init__(self, node: NodeClient) -> None:
        self.node = node

    def register(self, admin: SigningKey, der: bytes) -> tuple[Tx, bytes]:
        """Submit ``registry.cert_register`` signed by a member's admin; return (tx, hash)."""
        return submit_args(self.node, admin, cert_register_tx, der)

    def submit_as(
        self, holder: SigningKey, certificate: bytes, tx_type: str, args: dict[str, object]
    ) -> tuple[Tx, bytes]:
        """Submit a ``tx_type`` tx named by the certificate id ``certificate``, signed by its key.

        The node refuses it with 400 ``unsupported_sender`` when the certificate
        is not registered, 403 ``permission_denied`` when it is revoked, expired,
        or its account may not send the type.
        """
        return submit_built(
            self.node,
            holder.suite_name,
            lambda chain, nonce, expiry: cert_sender_tx(
                holder, certificate, chain, tx_type, args, nonce, expiry
            ),
        )

    def expiring(
        self, within_days: int = 30, *, cursor: str | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        """One page of ``GET /v1/certificates/expiring``, as JSON."""
        params: dict[str, str | int] = {"within_days": within_days}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        return self.node.get_json("/v1/certificates/expiring", params)
