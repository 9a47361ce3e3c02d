"""How commands that talk to nodes take them: ``--node`` (one or several) and ``--ca-bundle``.

``--node`` may be repeated and may hold a comma-separated list; requests are
spread over the nodes and go to the next one when a node is down
(``govchain.client.endpoints``). ``--ca-bundle`` (or ``GOVCHAIN_CA_BUNDLE``)
names the PEM file of CAs an ``https://`` node's certificate must chain to:
the network's ``ca-bundle.pem``. A node whose certificate does not verify
ends the command with one line saying what to pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from govchain.cli.console import fail
from govchain.client.sdk import NodeClient, UntrustedNodeError
from govchain.crypto import SigningKey

__all__ = ["CA_BUNDLE_ENV", "ca_bundle_option", "node_client", "nodes_option", "untrusted_reason"]

CA_BUNDLE_ENV = "GOVCHAIN_CA_BUNDLE"


def nodes_option() -> Any:
    """The ``--node`` option: required, repeatable, comma lists allowed."""
    return typer.Option(
        ...,
        "--node",
        help="API URL of a node, e.g. http://127.0.0.1:26601 or https://10.0.0.5:26601. "
        "For several nodes repeat --node or give a comma list: each request goes to the "
        "next node in turn (from a random one), and to the one after when a node is down.",
    )


def ca_bundle_option() -> Any:
    """The ``--ca-bundle`` option, also read from ``GOVCHAIN_CA_BUNDLE``."""
    return typer.Option(
        None,
        "--ca-bundle",
        envvar=CA_BUNDLE_ENV,
        help="PEM file of the CAs an https node's certificate must chain to: the network's "
        "ca-bundle.pem (net init --api-tls writes DIR/ca-bundle.pem). Without it, the "
        "system's CAs.",
    )


def untrusted_reason(error: UntrustedNodeError) -> str:
    """The one line a command ends with when a node's certificate does not verify."""
    if error.ca_bundle is None:
        return (
            f"{error}; pass --ca-bundle DIR/ca-bundle.pem (the network's CA bundle, written "
            f"by net init --api-tls) or set {CA_BUNDLE_ENV}"
        )
    return f"{error}; is {error.ca_bundle} the ca-bundle.pem of this node's network?"


@contextmanager
def node_client(
    nodes: list[str], ca_bundle: Path | None, signing_key: SigningKey | None = None
) -> Iterator[NodeClient]:
    """A client of ``nodes``; an untrusted node's certificate ends the command in one line.

    With ``signing_key`` every read is a signed read of that account (RFC 9421).
    """
    try:
        with NodeClient(nodes, ca_bundle=ca_bundle, signing_key=signing_key) as client:
            yield client
    except UntrustedNodeError as exc:
        fail(untrusted_reason(exc))
