"""``GET /v1/certificates/expiring`` (F-B5): certificates that expire within N days, in pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from govchain.api.routes.certificates import ExpiringCertificatesPage
from tests.unit.contracts.governed_chain import GovernedChain
from tests.unit.contracts.registry.cert_support import (
    add_account,
    admit_ca_member,
    holder_with_cert,
    issue,
    register,
)

from ..fake_node import Chain, FakeNode

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

URL = "/v1/certificates/expiring"


@pytest.fixture(scope="module")
def governed() -> tuple[GovernedChain, bytes, bytes]:
    """A chain with a CA member, a 365-day and a 10-day account certificate: (chain, ids)."""
    gc = GovernedChain.make()
    member = admit_ca_member(gc, 5)
    _, long_lived = holder_with_cert(gc, member)
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    soon = issue(gc, member, key, days=10)
    assert register(gc, member.admin, soon).status == 0
    return gc, long_lived, gc.maker.suite.hash(soon.dump())


@pytest.fixture
def node(governed: tuple[GovernedChain, bytes, bytes]) -> FakeNode:
    """The fake node over the governed chain (replaces the API tests' default chain)."""
    gc = governed[0]
    return FakeNode(Chain(gc.maker, gc.chain, [], b""))


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def test_f_b5_the_default_window_of_30_days_lists_the_certificate_that_ends_in_10(
    api: TestClient, governed: tuple[GovernedChain, bytes, bytes]
) -> None:
    gc, _, soon = governed
    answer = api.get(URL)
    assert answer.status_code == 200, answer.text
    page = ExpiringCertificatesPage.model_validate(answer.json())
    with gc.chain.view() as view:
        assert page.time == view.last_time
    assert (page.within_days, page.next) == (30, None)
    assert [(c.kind, c.id) for c in page.certificates] == [("account", soon.hex())]
    assert page.certificates[0].status == "active"


def test_f_b5_a_wide_window_pages_through_member_cas_then_account_certificates(
    api: TestClient, governed: tuple[GovernedChain, bytes, bytes]
) -> None:
    _, long_lived, soon = governed
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, str | int] = {"within_days": 3650, "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        answer = api.get(URL, params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen.extend((c["kind"], c["id"]) for c in body["certificates"])
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 4  # five members in pages of two, then the two account certificates
    assert [kind for kind, _ in seen] == ["member_ca", "account", "account"]
    assert {item for _, item in seen[1:]} == {long_lived.hex(), soon.hex()}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"within_days": 0}, 422, "invalid_request"),
        ({"within_days": 3651}, 422, "invalid_request"),
        ({"limit": 201}, 422, "invalid_request"),
        ({"cursor": "x1"}, 400, "invalid_cursor"),
        ({"cursor": "m"}, 400, "invalid_cursor"),
    ],
)
def test_bad_parameters_are_refused_with_a_code(
    api: TestClient, params: dict[str, object], status: int, code: str
) -> None:
    answer = api.get(URL, params=params)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
