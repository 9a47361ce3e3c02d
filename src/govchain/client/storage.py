"""The SDK's side of the storage nodes: put a blob on k of n, get it back from any (F-A1).

Every request is signed by the caller's account (RFC 9421, decision 0007).
``put`` stores the blob on the first ``copies`` storage nodes that take it
and returns the names that hold it (the record's locators). ``get`` tries
the locators in order: a node that is down, refuses, or answers bytes whose
hash is not the one on chain is skipped, and the next one is asked; every
skipped node is reported in :attr:`StorageClient.problems`. ``get_for_use``
reads against a committed usage record (``?use=<tx hash>``) with the same
failover, and returns the annotated copy record the node signed with the
bytes (``govchain.client.annotations``; a node whose annotation is missing,
malformed or about another read is skipped too).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from govchain.client.annotations import ANNOTATION_HEADER, Annotation
from govchain.client.request_signing import RequestSigner
from govchain.crypto import CryptoSuite, SigningKey
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "BlobUnavailableError",
    "StorageClient",
    "StorageNode",
    "StorageProblem",
]

log = logging.getLogger(__name__)

HOLDER_HEADER = "Govchain-Holder"
CONTENT_HASH_HEADER = "Govchain-Content-Hash"


class BlobUnavailableError(GovChainError):
    """No storage node could store, or serve with the right hash, a blob."""

    code = "blob_unavailable"


@dataclass(frozen=True, slots=True)
class StorageNode:
    """A storage node's name (as records' locators name it) and its base URL."""

    name: str
    url: str


@dataclass(frozen=True, slots=True)
class StorageProblem:
    """A storage node skipped by a put or a get, and why (``code`` as the node said, or ours)."""

    node: str
    code: str
    message: str


@dataclass
class StorageClient:
    """Signed blob requests to a network's storage nodes."""

    suite: CryptoSuite
    key: SigningKey
    nodes: Sequence[StorageNode]
    timeout_s: float = 30.0
    problems: list[StorageProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._signer = RequestSigner(self.key)
        self._by_name: Mapping[str, StorageNode] = {node.name: node for node in self.nodes}
        self._http = httpx.Client(timeout=self.timeout_s)

    def close(self) -> None:
        """Close the connections kept to the storage nodes."""
        self._http.close()

    def __enter__(self) -> StorageClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, data: bytes, holder: bytes, copies: int) -> tuple[bytes, tuple[str, ...]]:
        """Store ``data`` for ``holder`` on ``copies`` nodes; its hash and the nodes' names.

        Raises BlobUnavailableError when fewer than ``copies`` nodes took it (a
        4xx refusal from a node is raised at once: the others would refuse too).
        """
        if len(self.nodes) < copies:
            raise BlobUnavailableError(
                f"{copies} copies are asked for but the network lists {len(self.nodes)} storage "
                "node(s): pass --copies with at most that many, or add storage nodes"
            )
        digest = self.suite.hash(data)
        stored: list[str] = []
        for node in self.nodes:
            if len(stored) == copies:
                break
            headers = {HOLDER_HEADER: holder.hex(), CONTENT_HASH_HEADER: digest.hex()}
            response = self._send(node, "PUT", "/v1/blobs", content=data, headers=headers)
            if response is None:
                continue
            if response.status_code == 200:
                stored.append(node.name)
            elif 400 <= response.status_code < 500:
                code, message = _error_of(response)
                raise BlobUnavailableError(
                    f"storage node {node.name} refused the blob: {code}: {message}"
                )
            else:
                self._note(node.name, *_error_of(response))
        if len(stored) < copies:
            raise BlobUnavailableError(
                f"the blob is on {len(stored)} storage nodes, {copies} are needed: "
                + "; ".join(f"{p.node}: {p.message}" for p in self.problems[-len(self.nodes) :])
            )
        return digest, tuple(stored)

    def get(
        self, digest: bytes, locators: Sequence[str], *, asset: bytes = b"", locker: bytes = b""
    ) -> bytes:
        """The blob with hash ``digest`` from the first locator that serves it intact."""
        query = f"asset={asset.hex()}" if asset else f"locker={locker.hex()}"
        data, _ = self._first_served(digest, locators, query, annotated=False)
        return data

    def get_for_use(
        self, digest: bytes, locators: Sequence[str], use_tx: bytes
    ) -> tuple[bytes, Annotation]:
        """The blob ``digest`` read against usage tx ``use_tx``, and its signed annotation.

        The annotation is checked here to be about this read (its tx hash and
        content hash); its signature and the usage tx are checked offline by
        ``govchain.client.annotations.verify_annotated_copy``.
        """
        data, annotation = self._first_served(
            digest, locators, f"use={use_tx.hex()}", annotated=True, use_tx=use_tx
        )
        assert annotation is not None
        return data, annotation

    def _first_served(
        self,
        digest: bytes,
        locators: Sequence[str],
        query: str,
        *,
        annotated: bool,
        use_tx: bytes = b"",
    ) -> tuple[bytes, Annotation | None]:
        """The bytes (and, when ``annotated``, the annotation) of the first node serving them."""
        for name in locators:
            node = self._by_name.get(name)
            if node is None:
                self._note(name, "unknown_node", "no such storage node is configured")
                continue
            response = self._send(node, "GET", f"/v1/blobs/{digest.hex()}?{query}")
            if response is None:
                continue
            if response.status_code != 200:
                self._note(name, *_error_of(response))
                continue
            if self.suite.hash(response.content) != digest:
                self._note(name, "blob_corrupt", "the bytes served do not match the hash on chain")
                continue
            if not annotated:
                return response.content, None
            annotation = self._annotation_of(name, response, digest, use_tx)
            if annotation is not None:
                return response.content, annotation
        raise BlobUnavailableError(
            f"no storage node served blob {digest.hex()}: "
            + "; ".join(f"{p.node}: {p.code}" for p in self.problems[-len(locators) :])
        )

    def _annotation_of(
        self, name: str, response: httpx.Response, digest: bytes, use_tx: bytes
    ) -> Annotation | None:
        """The response's annotation when it is about this read; None (noted) otherwise."""
        value = response.headers.get(ANNOTATION_HEADER)
        if value is None:
            self._note(name, "bad_annotation", "the node sent no annotated copy record")
            return None
        try:
            annotation = Annotation.from_header(value)
        except ValidationError as exc:
            self._note(name, "bad_annotation", f"the annotation does not parse: {exc}")
            return None
        if annotation.tx_hash != use_tx or annotation.content_hash != digest:
            self._note(name, "bad_annotation", "the annotation is about another read")
            return None
        return annotation

    def _send(
        self, node: StorageNode, method: str, path: str, **kwargs: object
    ) -> httpx.Response | None:
        request = httpx.Request(method, node.url.rstrip("/") + path, **kwargs)  # type: ignore[arg-type]
        request.headers.update(self._signer.headers_for(request))
        try:
            return self._http.send(request)
        except httpx.HTTPError as exc:
            self._note(node.name, "unreachable", f"{type(exc).__name__}: {exc}")
            return None

    def _note(self, node: str, code: str, message: str) -> None:
        log.warning("storage node %s: %s: %s", node, code, message)
        self.problems.append(StorageProblem(node, code, message))


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return f"http_{response.status_code}", response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("code", f"http_{response.status_code}")), str(error.get("message", ""))
    return f"http_{response.status_code}", str(body)[:200]
