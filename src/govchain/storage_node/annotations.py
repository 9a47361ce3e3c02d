"""The storage node's annotated copies (加注件): built from a usage record, signed by its key.

docs/spec/grants.md "Storage nodes and annotated copies". The node signs
with its registered transport key (``tls/transport.key`` in its home, the
key of ``tls/transport.pem``, whose SPKI hash the genesis registry lists as
the node's ``transport_key``; decision 0004). The record and its check are
``govchain.client.annotations``; this module only builds and signs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from govchain.client.annotations import Annotation, annotation_digest
from govchain.contracts.grants import Usage
from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.crypto.certs import certificate_from_pem
from govchain.crypto.keyfiles import read_signing_key
from govchain.storage_node.access import check_use
from govchain.storage_node.chain_source import ChainSource
from govchain.storage_node.errors import BlobApiError
from govchain.types import Genesis
from govchain.types.errors import CertificateError, GovChainError, KeyFileError

__all__ = [
    "TRANSPORT_CERT_PATH",
    "TRANSPORT_KEY_PATH",
    "AnnotationSigner",
    "TransportKeyError",
    "annotate_use",
    "build_annotation",
]

TRANSPORT_CERT_PATH = Path("tls") / "transport.pem"
TRANSPORT_KEY_PATH = Path("tls") / "transport.key"


class TransportKeyError(GovChainError):
    """The storage node's transport key cannot sign annotated copies: the message says why."""

    code = "transport_key"


@dataclass(frozen=True)
class AnnotationSigner:
    """Who signs: the node's registered name, its transport key and the key's DER SPKI."""

    chain_id: str
    suite: CryptoSuite
    """The chain's suite: it computes the tagged hash that is signed."""
    node: str
    key: SigningKey
    spki: bytes

    @classmethod
    def from_home(cls, home: Path, node: str, genesis: Genesis) -> AnnotationSigner:
        """The signer of the storage home ``home``; TransportKeyError names what is wrong.

        The key must be Ed25519, match ``tls/transport.pem``, and be the
        ``transport_key`` the genesis registry lists for storage node ``node``.
        """
        cert_path, key_path = home / TRANSPORT_CERT_PATH, home / TRANSPORT_KEY_PATH
        try:
            key = read_signing_key(key_path)
            cert = certificate_from_pem(cert_path.read_bytes())
            spki = cert["tbs_certificate"]["subject_public_key_info"].dump()
        except OSError as exc:
            raise TransportKeyError(f"{cert_path}: {exc.strerror or exc}") from exc
        except (KeyFileError, CertificateError, ValueError) as exc:
            raise TransportKeyError(f"transport key or certificate: {exc}") from exc
        transport = suite_for("intl")
        if key.suite_name != "intl" or transport.public_key_from_spki(spki) != key.public_key:
            raise TransportKeyError(f"{key_path} is not the key of {cert_path}")
        entry = next((n for n in genesis.network.nodes if n.name == node), None)
        if entry is None or entry.role != "storage":
            raise TransportKeyError(f"the genesis registry has no storage node {node!r}")
        if entry.transport_key != hashlib.sha256(spki).digest():
            raise TransportKeyError(
                f"{cert_path} holds another key than the one registered for {node}"
            )
        return cls(genesis.chain_id, suite_for(genesis.suite), node, key, spki)

    def sign(self, annotation: Annotation) -> Annotation:
        """``annotation`` with this node's signature over its tagged hash."""
        digest = annotation_digest(self.suite, annotation)
        return replace(annotation, signature=self.key.sign(digest))


def build_annotation(signer: AnnotationSigner, usage: Usage) -> Annotation:
    """The signed annotated-copy record of a read served against ``usage``."""
    annotation = Annotation(
        chain_id=signer.chain_id,
        viewer=usage.reader,
        purpose=usage.purpose,
        time=usage.time,
        tx_hash=usage.tx_hash,
        asset=usage.asset,
        content_hash=usage.content_hash,
        node=signer.node,
        key=signer.spki,
    )
    return signer.sign(annotation)


def annotate_use(
    chain: ChainSource, signer: AnnotationSigner, reader: bytes, digest: bytes, tx_hash: bytes
) -> Annotation:
    """The signed annotation of ``reader``'s read of blob ``digest`` against usage tx ``tx_hash``.

    The usage record is read now from a chain node, proven (``ChainSource.usage``);
    404 ``not_found`` when the chain holds none, and the refusals of
    :func:`govchain.storage_node.access.check_use`.
    """
    proven = chain.usage(tx_hash)
    if proven is None:
        raise BlobApiError("not_found", f"the chain holds no usage record of tx {tx_hash.hex()}")
    check_use(reader, digest, proven.usage, proven.height)
    return build_annotation(signer, proven.usage)
