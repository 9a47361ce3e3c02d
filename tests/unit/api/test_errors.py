"""Error answers: every code's HTTP status, hex checks, body limits, and hidden crashes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from govchain.api import NotReadyError, TxStatus, create_app
from govchain.api.schemas import ErrorResponse
from govchain.ledger.statetree import StateNodeCorruptError
from govchain.types.errors import (
    GovChainError,
    InvalidSignatureError,
    LedgerCorruptError,
    StorageClosedError,
    StorageError,
    StorageFullError,
    ValidationError,
)

from .conftest import MAX_BODY_BYTES
from .fake_node import FakeNode, MempoolRefusalError

if TYPE_CHECKING:
    import httpx
    from fastapi.testclient import TestClient


CBOR = {"content-type": "application/cbor"}


def _error(answer: httpx.Response, status: int, code: str) -> str:
    """Check the error shape, status and code; return the message."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = ErrorResponse.model_validate(answer.json())
    assert body.error.code == code
    assert "Traceback" not in answer.text
    return body.error.message


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("malformed_tx", 400),
        ("wrong_chain", 400),
        ("tx_expired", 400),
        ("expiry_too_far", 400),
        ("unsupported_sender", 400),
        ("bad_signature", 400),
        ("tx_too_large", 413),
        ("tx_replayed", 409),
        ("mempool_full", 503),
    ],
)
def test_each_mempool_refusal_has_its_status_and_code(
    client: TestClient, node: FakeNode, code: str, status: int
) -> None:
    node.refusal = MempoolRefusalError(code, f"refused: {code}")
    message = _error(client.post("/v1/txs", content=b"\xa0", headers=CBOR), status, code)
    assert message == f"refused: {code}"


class _UnlistedRecordError(ValidationError):
    code = "record_unlisted"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotReadyError("catching up"), 503, "not_ready"),
        (ValidationError("tx.args: too deep"), 400, "invalid"),
        (InvalidSignatureError("sender signature"), 400, "invalid_signature"),
        (_UnlistedRecordError("a rule"), 400, "record_unlisted"),  # by class: the client's fault
    ],
)
def test_operating_errors_of_reads_keep_their_code(
    client: TestClient, node: FakeNode, error: GovChainError, status: int, code: str
) -> None:
    node.fail_reads_with = error
    assert _error(client.get("/v1/status"), status, code) == str(error)


class _UnlistedStorageError(StorageError):
    code = "storage_unlisted"


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (StorageFullError("disk full writing /srv/node0/data"), "storage_full", "storage is full"),
        (StorageError("LMDB error in /srv/node0/data: EIO"), "storage_error", "storage failed"),
        (_UnlistedStorageError("/srv/node0/data"), "storage_error", "storage failed"),  # by class
        (
            StorageClosedError("the store at /srv/node0/data is closed"),
            "storage_closed",
            "stopping",
        ),
    ],
)
def test_item_7_a_storage_error_is_a_503_with_its_code_and_a_generic_message(
    client: TestClient,
    node: FakeNode,
    caplog: pytest.LogCaptureFixture,
    error: GovChainError,
    code: str,
    message: str,
) -> None:
    node.fail_reads_with = error
    with caplog.at_level(logging.ERROR, logger="govchain.api"):
        answer = client.get(f"/v1/blocks/{1}")
    assert message in _error(answer, 503, code)
    assert "/srv/node0" not in answer.text
    assert [r for r in caplog.records if r.exc_info and r.exc_info[1] is error], "logged"


def test_a_malformed_body_is_refused_by_the_node_as_malformed_tx(client: TestClient) -> None:
    message = _error(client.post("/v1/txs", content=b"\x01\x02", headers=CBOR), 400, "malformed_tx")
    assert "not a signed tx" in message


def test_an_empty_body_is_a_malformed_tx(client: TestClient, node: FakeNode) -> None:
    _error(client.post("/v1/txs", content=b"", headers=CBOR), 400, "malformed_tx")
    assert not node.pending_txs


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_a_tx_in_another_media_type_is_refused(
    client: TestClient, node: FakeNode, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    _error(client.post("/v1/txs", content=b"\xa0", headers=headers), 415, "unsupported_media_type")
    assert not node.pending_txs


@pytest.mark.parametrize(
    ("route", "value"),
    [
        ("txs", "ab" * 31),  # too short
        ("txs", "ab" * 33),  # too long
        ("txs", "0x" + "ab" * 31),  # a prefix
        ("txs", "g" + "a" * 63),  # not hex
        ("notary", "é" * 64),  # not ASCII
        ("notary", "ab" * 31 + " a"),
    ],
)
def test_a_malformed_hex_path_parameter_is_named_in_a_400(
    client: TestClient, route: str, value: str
) -> None:
    name = "hash" if route == "txs" else "digest"
    message = _error(client.get(f"/v1/{route}/{value}"), 400, "invalid_hex")
    assert message.startswith(f"{name}: ")
    assert "64 hex digits" in message or "only hex digits" in message


@pytest.mark.parametrize("height", ["0", "-1", "abc", "1.5", str(2**64)])
def test_a_bad_height_is_an_invalid_request(client: TestClient, height: str) -> None:
    message = _error(client.get(f"/v1/blocks/{height}"), 422, "invalid_request")
    assert message.startswith("path.height: ")


def test_a_missing_block_is_not_found(client: TestClient) -> None:
    assert "height 99" in _error(client.get("/v1/blocks/99"), 404, "not_found")


def test_unknown_routes_and_methods_answer_in_the_error_shape(client: TestClient) -> None:
    _error(client.get("/v1/nothing"), 404, "not_found")
    _error(client.delete("/v1/status"), 405, "method_not_allowed")


# --- the body limit ------------------------------------------------------------


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_refused(
    client: TestClient, node: FakeNode
) -> None:
    at_limit = client.post("/v1/txs", content=b"\xa0" * MAX_BODY_BYTES, headers=CBOR)
    _error(at_limit, 400, "malformed_tx")  # read whole, then refused by the node
    over = client.post("/v1/txs", content=b"\xa0" * (MAX_BODY_BYTES + 1), headers=CBOR)
    assert str(MAX_BODY_BYTES) in _error(over, 413, "body_too_large")
    assert not node.pending_txs


def test_a_chunked_body_without_content_length_over_the_limit_is_refused(
    client: TestClient,
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(3):
            yield b"\xa0" * 2048

    answer = client.post("/v1/txs", content=chunks(), headers=CBOR)
    assert "content-length" not in answer.request.headers
    assert answer.request.headers["transfer-encoding"] == "chunked"
    _error(answer, 413, "body_too_large")


def _post_raw(
    node: FakeNode, headers: list[tuple[bytes, bytes]], chunk: bytes, chunks: int
) -> tuple[int, int]:
    """POST /v1/txs straight through ASGI; return the status and how many chunks were read."""
    app = create_app(node, max_body_bytes=MAX_BODY_BYTES, metrics=node.metrics)
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/txs",
        "raw_path": b"/v1/txs",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"content-type", b"application/cbor"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": read < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], read


def test_a_body_is_counted_as_read_even_when_content_length_lies(node: FakeNode) -> None:
    status, read = _post_raw(node, [(b"content-length", b"10")], b"\xa0" * 1024, chunks=100)
    assert status == 413
    assert read == MAX_BODY_BYTES // 1024 + 1  # refused at the first byte over, not at the end
    assert not node.pending_txs


def test_an_endless_chunked_body_is_cut_off_at_the_limit(node: FakeNode) -> None:
    chunked = [(b"transfer-encoding", b"chunked")]
    status, read = _post_raw(node, chunked, b"\xa0" * 1000, chunks=10**9)
    assert (status, read) == (413, 5)


def test_a_large_content_length_is_refused_before_reading(node: FakeNode) -> None:
    status, read = _post_raw(node, [(b"content-length", b"9999999")], b"\xa0", chunks=1)
    assert (status, read) == (413, 0)


# --- failures inside the node ----------------------------------------------------


class _UnlistedNodeError(GovChainError):
    code = "node_unlisted"


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (RuntimeError("secret: /var/lib/govchain/node0/keys"), "internal", "internal error"),
        (_UnlistedNodeError("secret: /var/lib"), "internal", "internal error"),  # no status
        (
            LedgerCorruptError("secret: block 7 fails its hash"),
            "ledger_corrupt",
            "a stored record of this node fails its checks; the node is stopping",
        ),
        (
            StateNodeCorruptError("secret: state node (1, 0, 0) is missing"),  # a subclass
            "ledger_corrupt",
            "a stored record of this node fails its checks; the node is stopping",
        ),
    ],
)
def test_item_7_a_crash_in_the_node_is_a_500_with_a_code_logged_and_not_shown(
    client: TestClient,
    node: FakeNode,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    code: str,
    message: str,
) -> None:
    node.fail_reads_with = error
    with caplog.at_level(logging.ERROR, logger="govchain.api"):
        answer = client.get(f"/v1/txs/{os.urandom(32).hex()}")
    assert _error(answer, 500, code) == message
    assert "secret" not in answer.text
    assert type(error).__name__ not in answer.text
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1] is error]
    assert logged, "the crash is logged with its traceback"


def test_a_crash_in_submit_is_a_500_internal(client: TestClient, node: FakeNode) -> None:
    node.refusal = KeyError("secret")
    answer = client.post("/v1/txs", content=b"\xa0", headers=CBOR)
    assert _error(answer, 500, "internal") == "internal error"
    assert "secret" not in answer.text


def test_a_malformed_answer_of_the_node_is_a_500_internal(
    client: TestClient, node: FakeNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(node, "status", lambda: {"node_id": "zz"})
    _error(client.get("/v1/status"), 500, "internal")

    async def committed_without_receipt(*_args: object, **_kwargs: object) -> TxStatus:
        return TxStatus("committed")

    monkeypatch.setattr(node, "read", committed_without_receipt)
    _error(client.get(f"/v1/txs/{os.urandom(32).hex()}"), 500, "internal")


@pytest.mark.parametrize(
    ("status", "receipt"),
    [("pending", {}), ("unknown", {}), ("committed", None), ("failed", None), ("lost", None)],
)
def test_a_tx_status_checks_its_receipt_goes_with_its_status(
    status: Any, receipt: dict[str, Any] | None
) -> None:
    with pytest.raises(ValidationError, match=r"tx_status\."):
        TxStatus(status, receipt).validate()


def test_metrics_already_in_the_registry_are_not_registered_again(node: FakeNode) -> None:
    # The fake node built its NodeMetrics on its registry: a second set fails loudly.
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        create_app(node)
