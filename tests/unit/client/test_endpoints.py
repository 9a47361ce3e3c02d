"""Node URLs, the order requests try them in, what fails over, the CA bundle (issue 13, N-1)."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from govchain.client.endpoints import (
    MAX_URLS,
    REST_S,
    CaBundleError,
    NodeEndpoints,
    certificate_failure,
    client_tls_context,
    fails_over,
    node_urls,
)
from govchain.types.errors import ValidationError

A, B, C = "http://a.test:1", "http://b.test:2", "https://[::1]:3"


def test_urls_come_one_by_one_or_in_comma_lists_in_order_each_once() -> None:
    assert node_urls("http://a.test:1/") == (A,)
    assert node_urls([f"{A},{B}", f" {C} ", A]) == (A, B, C)
    assert node_urls(f"{A},,{B},") == (A, B)


@pytest.mark.parametrize(
    "bad",
    [
        "a.test:1",
        "ftp://a.test:1",
        "http://",
        "http://a.test:1/v1",
        "http://a.test:1?x=1",
        "http://a.test:99999",
        "http://a.test:port",
        "http://user@a.test:1",
        "http://a.test:0",
    ],
)
def test_a_bad_url_is_named(bad: str) -> None:
    with pytest.raises(ValidationError, match="is not a node URL"):
        node_urls([A, bad])


def test_no_url_or_too_many_are_refused() -> None:
    with pytest.raises(ValidationError, match="no node URL"):
        node_urls(" , ")
    with pytest.raises(ValidationError, match="at most"):
        node_urls([f"http://n{i}.test:1" for i in range(MAX_URLS + 1)])


def test_requests_go_round_robin_from_the_start() -> None:
    endpoints = NodeEndpoints((A, B, C), start=1)
    firsts = [endpoints.order()[0] for _ in range(6)]
    assert firsts == [B, C, A, B, C, A]
    assert endpoints.order() == [B, C, A]  # every URL, the rotation after the first


def test_the_start_is_random_when_not_given() -> None:
    starts = {NodeEndpoints((A, B, C)).order()[0] for _ in range(200)}
    assert starts == {A, B, C}


def test_a_failed_node_rests_behind_the_others_then_comes_back() -> None:
    now = [100.0]
    endpoints = NodeEndpoints((A, B, C), start=0, clock=lambda: now[0])
    endpoints.failed(A)
    assert endpoints.order() == [B, C, A]  # A's turn, but it rests
    assert endpoints.order() == [B, C, A]
    assert endpoints.order() == [C, B, A]
    now[0] += REST_S
    assert endpoints.order() == [A, B, C]
    endpoints.failed(B)
    endpoints.served(B)  # it answered someone meanwhile
    assert endpoints.order() == [B, C, A]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (503, "not_ready", True),
        (503, "busy", True),
        (503, "storage_error", True),
        (503, "storage_full", True),
        (503, "storage_closed", True),
        (500, "ledger_corrupt", True),
        (502, "http_error", True),
        (504, "http_error", True),
        (503, "mempool_full", False),
        (503, "too_many_streams", False),
        (500, "internal", False),
        (500, "http_error", False),
        (429, "rate_limited", False),
        (409, "tx_replayed", False),
        (404, "not_found", False),
        (400, "not_ready", False),
    ],
)
def test_only_a_node_that_cannot_serve_now_fails_over(
    status: int, code: str, expected: bool
) -> None:
    assert fails_over(status, code) is expected


def test_a_bad_ca_bundle_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(CaBundleError, match=r"CA bundle .*missing\.pem: no such file"):
        client_tls_context(tmp_path / "missing.pem")
    (tmp_path / "empty.pem").write_text("not a certificate\n")
    with pytest.raises(CaBundleError, match="holds no PEM certificate"):
        client_tls_context(tmp_path / "empty.pem")
    (tmp_path / "broken.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(CaBundleError, match="not a PEM bundle of CA certificates"):
        client_tls_context(tmp_path / "broken.pem")
    with pytest.raises(CaBundleError, match=str(tmp_path)):
        client_tls_context(tmp_path)  # a directory


def test_a_refused_certificate_is_found_behind_the_transport_error() -> None:
    refused = ssl.SSLCertVerificationError(1, "certificate verify failed")
    refused.verify_message = "unable to get local issuer certificate"
    wrapped = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]")
    wrapped.__cause__ = refused  # as httpx raises it: `raise ConnectError(...) from exc`
    assert certificate_failure(wrapped) == "unable to get local issuer certificate"
    assert certificate_failure(httpx.ConnectError("[Errno 111] Connection refused")) is None
