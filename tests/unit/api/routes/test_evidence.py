"""``GET /v1/evidence``: pages of committed duplicate-vote records, each verified offline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from govchain.api.routes.evidence import EvidenceListResponse
from govchain.client.evidence import verify_evidence
from govchain.contracts.evidence import EVIDENCE_PAGE_MAX
from govchain.ledger import records
from govchain.types.errors import ProofError

from ..fake_node import BLOCKS, LIAR, Chain

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_the_list_gives_each_record_with_a_proof_that_verifies_offline(
    client: TestClient, chain: Chain
) -> None:
    answer = client.get("/v1/evidence")
    assert answer.status_code == 200, answer.text
    body = EvidenceListResponse.model_validate(answer.json())
    assert (body.height, body.next) == (BLOCKS, None)
    [item] = answer.json()["evidence"]
    liar = records.address_of(chain.maker.suite, chain.maker.keys[LIAR].public_key)
    assert (item["validator"], item["height"], item["round"]) == (liar.hex(), 1, 0)
    assert (item["vote_type"], item["committed_height"]) == ("prevote", 2)
    assert item["tx_hash"] == chain.evidence_tx_hash.hex()
    verified = verify_evidence(chain.maker.genesis, item)
    assert (verified.validator, verified.committed_height) == (liar, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [("validator", "00" * 20), ("height", 2), ("round", 1), ("vote_type", "precommit")],
)
def test_a_record_that_says_other_than_its_proof_fails_offline(
    client: TestClient, chain: Chain, field: str, value: object
) -> None:
    item = dict(client.get("/v1/evidence").json()["evidence"][0])
    item[field] = value
    with pytest.raises(ProofError, match=field) as failure:
        verify_evidence(chain.maker.genesis, item)
    assert failure.value.check == "evidence"


def test_pages_follow_one_another_by_cursor(client: TestClient) -> None:
    first = client.get("/v1/evidence", params={"cursor": "1-0", "limit": 1}).json()
    assert [i["committed_height"] for i in first["evidence"]] == [2]
    assert first["next"] is None
    rest = client.get("/v1/evidence", params={"cursor": "2-4"}).json()  # after the record
    assert (rest["evidence"], rest["next"]) == ([], None)


@pytest.mark.parametrize("cursor", [f"{BLOCKS + 1}-0", "99999999-7"])
def test_a_cursor_past_the_end_gives_an_empty_last_page(client: TestClient, cursor: str) -> None:
    answer = client.get("/v1/evidence", params={"cursor": cursor})
    assert answer.status_code == 200
    assert answer.json() == {"height": BLOCKS, "evidence": [], "next": None}


@pytest.mark.parametrize("limit", ["0", str(EVIDENCE_PAGE_MAX + 1)])
def test_a_limit_outside_one_to_the_maximum_is_an_invalid_request(
    client: TestClient, limit: str
) -> None:
    answer = client.get("/v1/evidence", params={"limit": limit})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"


def test_cursor_zero_is_before_the_first_block(client: TestClient) -> None:
    first = client.get("/v1/evidence").json()
    assert client.get("/v1/evidence", params={"cursor": "0-0"}).json() == first
    assert len(first["evidence"]) == 1


@pytest.mark.parametrize("cursor", ["", "2", "2-x", "-", "1-2-3", "1" * 21 + "-0", "a" * 65])
def test_a_bad_cursor_is_refused(client: TestClient, cursor: str) -> None:
    answer = client.get("/v1/evidence", params={"cursor": cursor})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_cursor"
