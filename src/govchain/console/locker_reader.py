"""The locker pages' reads and acts, through the public API, with the subject's own signatures.

A subject's locker (docs/spec/assets.md, F-C2) is a signed read by its owner,
and so are the grants shared with it and the requests to it
(docs/spec/grants.md). :class:`LockerViewer` makes those reads for one
address with a :class:`~govchain.console.browser_signatures.ReadSigner`: in
the console, the signatures the subject's browser made. An asset's record,
history and usage records are public reads.

Fetch with a purpose (:meth:`LockerViewer.fetch_plan`, :meth:`LockerViewer.fetch`):
the console prepares what the browser signs (a reader other than the holder
first sends the ``grants.use`` tx that ``govchain asset fetch`` sends; then
the signed reads of the wrapped locker key and of the content blob from the
storage nodes), submits and reads with the browser's signatures, and hands
the browser the ciphertexts. The browser unwraps the locker key with the
password, opens the envelope and decrypts (web/locker/locker_crypto.js): the
console never sees a password, a key or a plaintext.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.client.sdk import NodeClient
from govchain.client.submission import EXPIRY_HEIGHTS
from govchain.console.browser_signatures import ReadSigner, ReadToSign, read_to_sign
from govchain.contracts.grants.txs import UseArgs
from govchain.crypto import CryptoSuite, suite_for
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import GovChainError, ValidationError

__all__ = [
    "AssetView",
    "FetchPlan",
    "Fetched",
    "LockerView",
    "LockerViewer",
    "ReadRefusedError",
    "UseTx",
]

READ_TIMEOUT_S = 10.0
COMMIT_TIMEOUT_S = 30.0
MAX_USAGE = 200
"""The most usage records an asset page shows (8 pages of 25)."""
NONCE_BYTES = 32
_BLOB_PATH = re.compile(r"/v1/blobs/[0-9a-f]{64}")


class ReadRefusedError(GovChainError):
    """A node or storage node refused a read or a tx the subject signed; ``code`` is its code."""

    code = "read_refused"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class LockerView:
    """A locker as its owner reads it: assets by type, grants shared with it, requests to it."""

    holder: str
    height: int
    types: list[dict[str, Any]]
    more: bool
    shared: list[dict[str, Any]]
    requests: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class AssetView:
    """An asset's public record, its status now, its history and its usage records."""

    asset: dict[str, Any]
    status: str
    history: list[dict[str, Any]]
    usage: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class FetchPlan:
    """What the browser signs to fetch one asset: the usage tx's signing bytes (a reader
    other than the holder) and the storage reads, with what it needs to decrypt."""

    suite: str
    role: str
    content_id: str
    version: int
    envelope: str
    locker_public: str
    tx: dict[str, Any] | None
    reads: list[ReadToSign]

    def to_json(self) -> dict[str, Any]:
        """The JSON the page's script receives."""
        return {
            "suite": self.suite,
            "role": self.role,
            "content_id": self.content_id,
            "version": self.version,
            "envelope": self.envelope,
            "locker_public": self.locker_public,
            "tx": self.tx,
            "reads": [r.to_json() for r in self.reads],
        }


class LockerViewer:
    """Reads for the locker pages: public ones from any node, signed ones from the first node
    of ``urls`` (a signature covers the node's authority) and from the storage nodes."""

    def __init__(
        self,
        urls: Sequence[str],
        ca_bundle: Path | None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._any = NodeClient(
            list(urls), ca_bundle=ca_bundle, timeout_s=READ_TIMEOUT_S, transport=transport
        )
        self._signed_node = urls[0].rstrip("/")
        verify: bool | str = str(ca_bundle) if ca_bundle is not None else True
        self._http = httpx.Client(timeout=READ_TIMEOUT_S, transport=transport, verify=verify)
        self._clock = clock
        self._random = random_bytes
        self._suite: CryptoSuite | None = None

    def close(self) -> None:
        """Release the connection pools."""
        self._any.close()
        self._http.close()

    def suite(self) -> CryptoSuite:
        """The chain's suite, as a node's status names it (asked once)."""
        if self._suite is None:
            self._suite = suite_for(str(self._any.status().get("suite", "gm")))
        return self._suite

    # --- the locker --------------------------------------------------------------------

    def locker_urls(self, address: bytes) -> list[str]:
        """The three signed reads of a locker page: the locker, grants to it, requests to it."""
        base, hexed = self._signed_node, address.hex()
        return [
            f"{base}/v1/lockers/{hexed}",
            f"{base}/v1/grants/to/{hexed}",
            f"{base}/v1/grants/requests/{hexed}",
        ]

    def reads_to_sign(
        self, address: bytes, urls: Sequence[str], method: str = "GET"
    ) -> list[ReadToSign]:
        """Each of ``urls`` as the browser signs it (a GET, or a bodiless ``method``), now and
        with a fresh nonce."""
        created = int(self._clock())
        return [
            read_to_sign(self.suite(), address, url, created, self._random(NONCE_BYTES), method)
            for url in urls
        ]

    def locker(self, address: bytes, signer: ReadSigner) -> LockerView:
        """The locker of ``address``, read with ``signer``'s signatures (its first page of
        assets, the first page of grants to it and of requests to it)."""
        locker_url, shared_url, requests_url = self.locker_urls(address)
        view = self._signed_get(locker_url, signer)
        shared = self._signed_get(shared_url, signer)
        asked = self._signed_get(requests_url, signer)
        return LockerView(
            holder=str(view["holder"]),
            height=int(view["height"]),
            types=list(view["types"]),
            more=view.get("next") is not None,
            shared=list(shared["records"]),
            requests=list(asked["records"]),
        )

    def _signed_get(self, url: str, signer: ReadSigner) -> dict[str, Any]:
        try:
            answer = self._http.get(url, headers=signer.headers("GET", url))
        except httpx.HTTPError as exc:
            raise ReadRefusedError("node_unreachable", f"{type(exc).__name__}") from exc
        return _json_of(answer)

    # --- an asset ----------------------------------------------------------------------

    def asset(self, content_id: bytes) -> AssetView:
        """An asset's record, status, history and up to MAX_USAGE usage records."""
        answer = self._any.get_json(f"/v1/assets/{content_id.hex()}")
        usage: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(usage) < MAX_USAGE:
            page = self._any.get_json(
                f"/v1/assets/{content_id.hex()}/usage", {} if cursor is None else {"cursor": cursor}
            )
            usage += page["usage"]
            cursor = page.get("next")
            if cursor is None:
                break
        return AssetView(
            dict(answer["asset"]), str(answer["status"]), list(answer["history"]), usage[:MAX_USAGE]
        )

    # --- fetch with a purpose ----------------------------------------------------------

    def fetch_plan(
        self,
        address: bytes,
        public_key: bytes,
        content_id: bytes,
        grant: bytes | None,
        purpose: str,
    ) -> FetchPlan:
        """What the browser of ``address`` (account key ``public_key``) signs to fetch the
        asset: the holder reads it as the holder; anyone else through ``grant`` (a grant to
        it of this asset) and a usage record with ``purpose``, whose tx the plan holds
        unsigned."""
        suite = self.suite()
        if records.address_of(suite, public_key) != address:
            raise ValidationError("the public key is not the signed-in account's")
        asset = self.asset(content_id).asset
        content = asset["content"]
        locker = self._any.get_json(f"/v1/lockers/{address.hex()}/key")["locker"]
        stores = self._storage_urls()
        tx: dict[str, Any] | None = None
        if asset["holder"] == address.hex():
            role, query = "holder", f"asset={content_id.hex()}"
            envelope = next(
                (e["sealed"] for e in content["envelopes"] if e["reader"] == address.hex()), ""
            )
        else:
            if grant is None:
                raise ValidationError("a reader other than the holder reads through a grant")
            role, envelope = "grantee", self._grant_envelope(address, content_id, grant)
            tx = self._use_tx(suite, public_key, content_id, grant, purpose)
            query = f"use={tx['hash']}"
        wrapped = locker["key_blob"]
        urls = [
            f"{stores[n]}/v1/blobs/{wrapped['hash']}?locker={address.hex()}"
            for n in wrapped["locators"]
            if n in stores
        ] + [
            f"{stores[n]}/v1/blobs/{content['hash']}?{query}"
            for n in content["locators"]
            if n in stores
        ]
        return FetchPlan(
            suite=suite.name,
            role=role,
            content_id=content_id.hex(),
            version=max(int(asset["version"]), 1),
            envelope=str(envelope),
            locker_public=str(locker["public_key"]),
            tx=tx,
            reads=self.reads_to_sign(address, urls),
        )

    def _grant_envelope(self, address: bytes, content_id: bytes, grant: bytes) -> str:
        """The envelope of ``grant``, once it is a grant of this asset to ``address``."""
        shown = self._any.get_json(f"/v1/grants/{grant.hex()}")
        record = shown.get("record") or {}
        if (
            shown.get("kind") != "grant"
            or record.get("asset") != content_id.hex()
            or record.get("grantee") != address.hex()
        ):
            raise ReadRefusedError("not_grantee", "that grant is not of this asset to you")
        return str(record["envelope"])

    def _use_tx(
        self, suite: CryptoSuite, public_key: bytes, content_id: bytes, grant: bytes, purpose: str
    ) -> dict[str, Any]:
        """The unsigned ``grants.use`` of the plan: its fields, signing bytes and hash."""
        status = self._any.status()
        use = UseTx(
            content_id,
            grant,
            purpose,
            str(status["chain_id"]),
            self._random(16),
            int(status.get("height", 0)) + EXPIRY_HEIGHTS,
            b"",
        )
        signing = use.signing_bytes(public_key)
        return {
            "chain_id": use.chain_id,
            "nonce": use.nonce.hex(),
            "expiry": use.expiry,
            "grant": grant.hex(),
            "purpose": purpose,
            "signing": signing.hex(),
            "hash": suite.hash(signing).hex(),
        }

    def fetch(
        self,
        address: bytes,
        public_key: bytes,
        content_id: bytes,
        use: UseTx | None,
        signer: ReadSigner,
        urls: Sequence[str],
    ) -> Fetched:
        """Submit the signed usage tx (when ``use``: a reader other than the holder), wait
        for its commit, then read the wrapped locker key and the content blob from the first
        storage node that serves each, with the browser's signatures. Only the storage nodes
        the chain names are asked, and only for these two blobs."""
        suite = self.suite()
        if records.address_of(suite, public_key) != address:
            raise ValidationError("the public key is not the signed-in account's")
        use_hash = "" if use is None else self._submit_use(public_key, use).hex()
        stores = set(self._storage_urls().values())
        wrapped: list[str] = []
        content: list[str] = []
        for url in urls:
            parsed = httpx.URL(url)
            origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
            if origin not in stores or not _BLOB_PATH.fullmatch(parsed.path):
                raise ValidationError("a fetch reads blobs from the chain's storage nodes only")
            query = parsed.query.decode("ascii")
            if query == f"locker={address.hex()}":
                wrapped.append(url)
            elif query == (f"use={use_hash}" if use_hash else f"asset={content_id.hex()}"):
                content.append(url)
            else:
                raise ValidationError("a fetch reads the locker key and this asset only")
        if not wrapped or not content:
            raise ValidationError("a fetch reads the wrapped locker key and the content blob")
        return Fetched(
            self._first_blob(wrapped, signer), self._first_blob(content, signer), use_hash
        )

    def _submit_use(self, public_key: bytes, use: UseTx) -> bytes:
        suite = self.suite()
        tx = use.tx(public_key)
        signed = dataclasses.replace(tx, signature=use.signature)
        records.verify_tx_signature(suite, signed)
        tx_hash = self._any.submit(signed)
        result = self._any.wait(tx_hash, COMMIT_TIMEOUT_S)
        receipt = records.decode_receipt(bytes.fromhex(str((result.receipt or {})["receipt"])))
        if receipt.status != 0:
            code = receipt.error.split(":", 1)[0] if receipt.error else "refused"
            raise ReadRefusedError(code, receipt.error or "the usage tx failed")
        return tx_hash

    def _first_blob(self, urls: Sequence[str], signer: ReadSigner) -> bytes:
        last = ReadRefusedError("blob_unavailable", "no storage node holds it")
        for url in urls:
            expected = httpx.URL(url).path.rsplit("/", 1)[-1]
            try:
                answer = self._http.get(url, headers=signer.headers("GET", url))
            except httpx.HTTPError as exc:
                last = ReadRefusedError("unreachable", type(exc).__name__)
                continue
            if answer.status_code != 200:
                try:
                    _json_of(answer)
                except ReadRefusedError as exc:
                    last = exc
                continue
            if self.suite().hash(answer.content).hex() != expected:
                last = ReadRefusedError("blob_corrupt", "a storage node served other bytes")
                continue
            return answer.content
        raise last

    def _storage_urls(self) -> dict[str, str]:
        answer = self._any.get_json("/v1/storage-nodes")
        return {str(n["name"]): str(n["url"]).rstrip("/") for n in answer.get("nodes", [])}

    # --- for the message pages (console.message_reader) ---------------------------------

    def storage_urls(self) -> dict[str, str]:
        """The storage nodes the chain lists: name -> URL (``GET /v1/storage-nodes``)."""
        return self._storage_urls()

    def wrapped_key_reads(self, address: bytes) -> tuple[str, list[str]]:
        """The locker public key of ``address`` (hex) and the storage reads of its wrapped
        private key (``?locker=``), one per listed storage node that keeps it."""
        locker = self._any.get_json(f"/v1/lockers/{address.hex()}/key")["locker"]
        stores, wrapped = self._storage_urls(), locker["key_blob"]
        urls = [
            f"{stores[n]}/v1/blobs/{wrapped['hash']}?locker={address.hex()}"
            for n in wrapped["locators"]
            if n in stores
        ]
        return str(locker["public_key"]), urls

    def first_blob(self, urls: Sequence[str], signer: ReadSigner) -> bytes:
        """The blob of the first of ``urls`` that serves bytes of the right hash."""
        return self._first_blob(urls, signer)

    def signed_json(self, method: str, url: str, signer: ReadSigner) -> dict[str, Any]:
        """The JSON answer of ``method url`` (no body) signed by ``signer``; ReadRefusedError
        with the answer's code when it is not 200."""
        try:
            answer = self._http.request(method, url, headers=signer.headers(method, url))
        except httpx.HTTPError as exc:
            raise ReadRefusedError("unreachable", f"{type(exc).__name__}") from exc
        return _json_of(answer)


@dataclass(frozen=True, slots=True)
class UseTx:
    """The ``grants.use`` a browser signed: the plan's fields, the purpose it typed, and
    its signature (the suite's own form)."""

    content_id: bytes
    grant: bytes
    purpose: str
    chain_id: str
    nonce: bytes
    expiry: int
    signature: bytes

    def tx(self, public_key: bytes) -> Tx:
        """The unsigned tx (ValidationError if a field breaks the tx rules)."""
        given = UseArgs(self.content_id, "view", self.purpose, {"grant": self.grant})
        try:
            args = UseArgs.from_args(given.to_args())
        except GovChainError as exc:
            raise ValidationError(str(exc).removeprefix("invalid_args: ")) from exc
        tx = Tx(
            self.chain_id,
            UseArgs.TX_TYPE,
            dict(args.to_args()),
            "key",
            public_key,
            self.nonce,
            self.expiry,
        )
        tx.validate()
        return tx

    def signing_bytes(self, public_key: bytes) -> bytes:
        """What the account key signs."""
        return records.tx_signing_bytes(self.tx(public_key))


@dataclass(frozen=True, slots=True)
class Fetched:
    """The ciphertexts the browser decrypts: the wrapped locker key and the content blob,
    and the usage tx's hash ("" for the holder)."""

    wrapped: bytes
    blob: bytes
    use_tx: str


def _json_of(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if answer.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        code = str(error.get("code")) if isinstance(error, dict) else f"http_{answer.status_code}"
        message = str(error.get("message")) if isinstance(error, dict) else "no JSON answer"
        raise ReadRefusedError(code, message)
    return body
