"""The generic node client of the SDK: submit signed txs, wait for them, read blocks and status.

A node's word is never trusted: what comes back is a receipt file the caller
checks offline with :func:`govchain.client.verify_tx_receipt` against the
genesis it trusts. Errors from the API keep their stable ``code``. Each
service has its own SDK module over this client (``govchain.client.notary``,
``govchain.client.evidence``): it builds and signs the service's txs, calls
its routes and verifies what they return offline.

One client may talk to several nodes of a network (``govchain.client.endpoints``):
each request goes to the next node in turn, and to the one after when a node
is down. Resending a submission to another node is safe: a tx is known by
its hash, so a node that already has it (from the first attempt, through
gossip) refuses the copy as ``tx_replayed``, and the chain commits a hash
once. After an attempt that may have reached a node, the client takes that
refusal as success. HTTPS nodes are checked against the network's CA
bundle; a certificate that does not verify stops the client
(:class:`UntrustedNodeError`) rather than being skipped. A node that
answers 429 ``rate_limited`` is left for the next one; when every node
does, the client waits the ``Retry-After`` they ask for and tries again,
up to ``rate_limit_wait_s`` in all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from govchain.client.endpoints import (
    NodeEndpoints,
    certificate_failure,
    client_tls_context,
    fails_over,
    node_urls,
)
from govchain.client.request_signing import RequestSigner, SignedReadAuth
from govchain.codec import encode
from govchain.crypto import SigningKey, suite_for
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import GovChainError

DEFAULT_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.2
RATE_LIMIT_WAIT_S = 30.0
"""How long a client waits in all, per call, for nodes that answer 429 ``rate_limited``."""


class ApiError(GovChainError):
    """The node refused a request; ``code`` is the API's stable error code."""

    code = "api_error"

    def __init__(
        self, status: int, code: str, message: str, retry_after_s: int | None = None
    ) -> None:
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status = status
        self.code = code
        self.retry_after_s = retry_after_s
        """The ``Retry-After`` the node asked for, in seconds (429 and 503 answers)."""


class NodeUnreachableError(GovChainError):
    """No node answered (down, wrong URL, network); the message names each URL's failure."""

    code = "node_unreachable"


class UntrustedNodeError(GovChainError):
    """A node's TLS certificate does not verify against the CA bundle (or the system's CAs)."""

    code = "node_untrusted"

    def __init__(self, url: str, reason: str, ca_bundle: Path | None) -> None:
        trusted = "the system's CAs" if ca_bundle is None else f"the CA bundle {ca_bundle}"
        super().__init__(f"the certificate of {url} is not trusted by {trusted}: {reason}")
        self.url = url
        self.reason = reason
        self.ca_bundle = ca_bundle


class CommitTimeoutError(GovChainError):
    """A tx was not committed within the time the caller allowed."""

    code = "commit_timeout"


@dataclass(frozen=True, slots=True)
class TxResult:
    """A tx's status as the node reports it, with its receipt file when it has one."""

    tx_hash: bytes
    status: str
    receipt: dict[str, Any] | None


def _batch_outcome(item: object) -> bytes | ApiError:
    if isinstance(item, dict) and isinstance(item.get("hash"), str):
        return bytes.fromhex(item["hash"])
    error = item.get("error") if isinstance(item, dict) else None
    if isinstance(error, dict):
        return ApiError(200, str(error.get("code")), str(error.get("message")))
    return ApiError(200, "bad_response", f"a batch result is neither a hash nor an error: {item!r}")


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before a request left this machine: no node can have acted on it."""


class NodeClient:
    """HTTP client of the ``/v1`` API of one node, or of several nodes of one network."""

    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        ca_bundle: Path | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        start: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        rate_limit_wait_s: float = RATE_LIMIT_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
        signing_key: SigningKey | None = None,
    ) -> None:
        """Parameters:
        urls: a node's API URL, a comma-separated list, or a sequence of either
            (``govchain.client.endpoints.node_urls``); ValidationError if one is bad.
        ca_bundle: PEM file of the CAs an HTTPS node's certificate must chain to
            (``D/ca-bundle.pem``); None: the system's CAs.
        timeout_s: per attempt, so a request may take it once per node.
        transport: an httpx transport (tests: ``httpx.MockTransport``).
        start: the first node's index (None: a random one).
        clock: monotonic seconds, for how long a failed node rests.
        rate_limit_wait_s: how long one call may wait, in all, for nodes that
            answer 429 ``rate_limited`` (0: never wait; the ApiError is raised).
        sleep: how the client waits (tests pass a fake).
        signing_key: the reader's account key; given, every GET is a signed read (RFC 9421).
        """
        self.endpoints = NodeEndpoints(node_urls(urls), start=start, clock=clock)
        self._ca_bundle = ca_bundle
        verify = True if ca_bundle is None else client_tls_context(ca_bundle)
        auth = None if signing_key is None else SignedReadAuth(RequestSigner(signing_key))
        self._http = httpx.Client(timeout=timeout_s, transport=transport, verify=verify, auth=auth)
        self._suite_name: str | None = None
        self._rate_limit_wait_s = rate_limit_wait_s
        self._sleep = sleep

    @property
    def urls(self) -> tuple[str, ...]:
        """The nodes' API URLs, as given."""
        return self.endpoints.urls

    @property
    def base_url(self) -> str:
        """The first node's API URL (the only one of a single-node client)."""
        return self.endpoints.urls[0]

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def status(self) -> dict[str, Any]:
        """``GET /v1/status``: chain id, height, role, peers, ..."""
        return self._json("GET", "/v1/status")

    def submit(self, tx: Tx) -> bytes:
        """``POST /v1/txs`` with the tx's canonical bytes; returns its hash.

        When a node fails mid-request the same tx goes to the next node; its
        ``tx_replayed`` answer then means an earlier attempt got the tx in.
        """
        body = records.encode_tx(tx)
        response, resent = self._send(
            "POST", "/v1/txs", content=body, headers={"content-type": "application/cbor"}
        )
        try:
            answer = _answer_of(response)
        except ApiError as exc:
            if resent and exc.code == "tx_replayed":
                return self._tx_hash(tx)
            raise
        return bytes.fromhex(str(answer["hash"]))

    def submit_many(self, txs: Sequence[Tx]) -> list[bytes | ApiError]:
        """``POST /v1/txs/batch``: per tx, in order, its hash or the error that refused it.

        As with :meth:`submit`, after a node failed mid-request a tx refused
        as ``tx_replayed`` counts as submitted.
        """
        body = encode([records.encode_tx(tx) for tx in txs])
        response, resent = self._send(
            "POST", "/v1/txs/batch", content=body, headers={"content-type": "application/cbor"}
        )
        results = _answer_of(response).get("results")
        if not isinstance(results, list) or len(results) != len(txs):
            raise ApiError(200, "bad_response", "the batch answer does not match the txs sent")
        outcomes = [_batch_outcome(item) for item in results]
        return [
            self._tx_hash(tx)
            if resent and isinstance(outcome, ApiError) and outcome.code == "tx_replayed"
            else outcome
            for tx, outcome in zip(txs, outcomes, strict=True)
        ]

    def tx(self, tx_hash: bytes) -> TxResult:
        """``GET /v1/txs/{hash}``."""
        answer = self._json("GET", f"/v1/txs/{tx_hash.hex()}")
        receipt = answer.get("receipt")
        return TxResult(
            tx_hash, str(answer["status"]), receipt if isinstance(receipt, dict) else None
        )

    def wait(self, tx_hash: bytes, timeout_s: float = 30.0) -> TxResult:
        """Poll until the tx is committed or failed; CommitTimeoutError after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            result = self.tx(tx_hash)
            if result.status in ("committed", "failed") and result.receipt is not None:
                return result
            if time.monotonic() >= deadline:
                raise CommitTimeoutError(
                    f"tx {tx_hash.hex()} is still {result.status} after {timeout_s:g} s"
                )
            time.sleep(POLL_INTERVAL_S)

    def block(self, height: int) -> dict[str, Any]:
        """``GET /v1/blocks/{height}``: header, tx hashes and commit certificate."""
        return self._json("GET", f"/v1/blocks/{height}")

    def latest_block(self) -> dict[str, Any]:
        """``GET /v1/blocks/latest``."""
        return self._json("GET", "/v1/blocks/latest")

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """``GET path`` with query ``params``: the JSON object answered (a service SDK's call)."""
        return self._json("GET", path, params=dict(params or {}))

    def get_text(self, path: str) -> str:
        """``GET path``: the text answered (``/metrics``); ApiError for an error answer."""
        response, _resent = self._send("GET", path)
        error = _error_of(response)
        if error is not None:
            raise error
        return response.text

    def get_every_page(self, path: str, field: str) -> list[Any]:
        """Every item of a paged list route (``{field: [...], next}``), following ``cursor``
        until ``next`` is null."""
        found: list[Any] = []
        cursor: str | None = None
        while True:
            page = self.get_json(path, {} if cursor is None else {"cursor": cursor})
            found += page[field]
            cursor = page.get("next")
            if cursor is None:
                return found

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response, _resent = self._send(method, path, **kwargs)
        return _answer_of(response)

    def _send(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, bool]:
        """As :meth:`_send_once`, waiting out 429 ``rate_limited`` answers as they ask."""
        waited_s = 0.0
        while True:
            try:
                return self._send_once(method, path, **kwargs)
            except ApiError as exc:
                pause = exc.retry_after_s if exc.code == "rate_limited" else None
                if pause is None or waited_s + pause > self._rate_limit_wait_s:
                    raise
                self._sleep(pause)
                waited_s += pause

    def _send_once(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, bool]:
        """The first answer of a node that can serve, trying each node at most once.

        Returns the answer and whether an earlier attempt may have reached a
        node (it failed after the request was sent). Raises
        UntrustedNodeError at once for a certificate that does not verify;
        when every node failed, the last "cannot serve now" ApiError if a
        node said so, else NodeUnreachableError naming each failure.
        """
        failures: list[str] = []
        refusal: ApiError | None = None
        resent = False
        for url in self.endpoints.order():
            try:
                response = self._http.request(method, f"{url}{path}", **kwargs)
            except httpx.HTTPError as exc:
                reason = certificate_failure(exc)
                if reason is not None:
                    raise UntrustedNodeError(url, reason, self._ca_bundle) from exc
                self.endpoints.failed(url)
                failures.append(f"{url}{path}: {_describe(url, exc)}")
                resent = resent or not isinstance(exc, _NOT_SENT)
                continue
            error = _error_of(response)
            if error is not None and error.code == "rate_limited":
                refusal = _sooner(refusal, error)  # this node's limit; the next may have room
                continue
            if error is not None and fails_over(error.status, error.code):
                self.endpoints.failed(url)
                failures.append(f"{url}{path}: {error}")
                refusal = error
                continue
            self.endpoints.served(url)
            return response, resent
        if refusal is not None:
            raise refusal
        several = "no node answered: " if len(failures) > 1 else ""
        raise NodeUnreachableError(several + "; ".join(failures))

    def _tx_hash(self, tx: Tx) -> bytes:
        """The hash of ``tx`` under the chain's suite (asked of a node once)."""
        if self._suite_name is None:
            self._suite_name = str(self.status().get("suite"))
        return records.tx_hash(suite_for(self._suite_name), tx)


def _describe(url: str, error: httpx.HTTPError) -> str:
    """One line on why a request failed, with a hint when an HTTPS node was asked in HTTP."""
    text = str(error) or type(error).__name__
    if url.startswith("http://") and isinstance(error, httpx.RemoteProtocolError):
        text += " (a node that serves HTTPS answers http:// this way: use https://)"
    return text


def _sooner(refusal: ApiError | None, error: ApiError) -> ApiError:
    """Of two 429 answers, the one that asks for the shorter wait."""
    if refusal is None or refusal.code != "rate_limited":
        return error
    if (error.retry_after_s or 0) < (refusal.retry_after_s or 0):
        return error
    return refusal


def _retry_after_s(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isascii() and value.isdigit() else None


def _error_of(response: httpx.Response) -> ApiError | None:
    """The error an answer carries (None for a success)."""
    if response.status_code < 400:
        return None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict):
        return ApiError(
            response.status_code,
            str(error.get("code")),
            str(error.get("message")),
            _retry_after_s(response),
        )
    return ApiError(response.status_code, "http_error", " ".join(response.text[:200].split()))


def _answer_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful answer; ApiError for an error or anything else."""
    error = _error_of(response)
    if error is not None:
        raise error
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ApiError(response.status_code, "bad_response", "the node answered no JSON object")
    return answer
