"""The generic node client of the SDK: submit signed txs, wait for them, read blocks and status.

A node's word is never trusted: what comes back is a receipt file the caller
checks offline with :func:`govchain.client.verify_tx_receipt` against the
genesis it trusts. Errors from the API keep their stable ``code``. Each
service has its own SDK module over this client (``govchain.client.notary``,
``govchain.client.evidence``): it builds and signs the service's txs, calls
its routes and verifies what they return offline.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from govchain.codec import encode
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import GovChainError

DEFAULT_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.2


class ApiError(GovChainError):
    """The node refused a request; ``code`` is the API's stable error code."""

    code = "api_error"

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status = status
        self.code = code


class NodeUnreachableError(GovChainError):
    """The node did not answer (down, wrong URL, network)."""

    code = "node_unreachable"


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


class NodeClient:
    """HTTP client of one node's ``/v1`` API."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport
        )

    @property
    def base_url(self) -> str:
        """The node's API URL."""
        return str(self._http.base_url)

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
        """``POST /v1/txs`` with the tx's canonical bytes; returns its hash."""
        body = records.encode_tx(tx)
        answer = self._json(
            "POST", "/v1/txs", content=body, headers={"content-type": "application/cbor"}
        )
        return bytes.fromhex(str(answer["hash"]))

    def submit_many(self, txs: Sequence[Tx]) -> list[bytes | ApiError]:
        """``POST /v1/txs/batch``: per tx, in order, its hash or the error that refused it."""
        body = encode([records.encode_tx(tx) for tx in txs])
        answer = self._json(
            "POST", "/v1/txs/batch", content=body, headers={"content-type": "application/cbor"}
        )
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(txs):
            raise ApiError(200, "bad_response", "the batch answer does not match the txs sent")
        return [_batch_outcome(item) for item in results]

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

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise NodeUnreachableError(f"{self._http.base_url}{path}: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400:
            error = answer.get("error") if isinstance(answer, dict) else None
            if isinstance(error, dict):
                raise ApiError(
                    response.status_code, str(error.get("code")), str(error.get("message"))
                )
            raise ApiError(response.status_code, "http_error", response.text[:200])
        if not isinstance(answer, dict):
            raise ApiError(response.status_code, "bad_response", "the node answered no JSON object")
        return answer
