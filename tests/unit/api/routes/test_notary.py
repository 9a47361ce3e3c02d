"""``GET /v1/notary/{digest}``: pages of anchorings, each verified offline with the notary SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from govchain.api.routes.notary import NotaryLookupResponse
from govchain.client.notary import verify_anchoring
from govchain.contracts.notary import NOTARY_PAGE_DEFAULT, NOTARY_PAGE_MAX
from govchain.ledger import records
from govchain.types.errors import ProofError

from ..fake_node import ANCHOR_TITLE, ANCHORED_DIGEST, ANCHORINGS, Chain, FakeNode

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

URL = f"/v1/notary/{ANCHORED_DIGEST.hex()}"


def test_a_lookup_gives_every_anchoring_with_a_proof_that_verifies_offline(
    client: TestClient, chain: Chain, node: FakeNode
) -> None:
    answer = client.get(URL)
    assert answer.status_code == 200, answer.text
    body = NotaryLookupResponse.model_validate(answer.json())
    assert (body.digest, body.next) == (ANCHORED_DIGEST.hex(), None)
    assert [a.index for a in body.anchorings] == list(range(ANCHORINGS))
    assert body.anchorings[0].tx_hash == chain.anchor_tx_hash.hex()
    first = verify_anchoring(chain.maker.genesis, ANCHORED_DIGEST, answer.json()["anchorings"][0])
    assert (first.index, first.height, first.title) == (0, 1, ANCHOR_TITLE)
    assert first.owner == records.address_of(chain.maker.suite, chain.maker.keys[1].public_key)
    second = verify_anchoring(chain.maker.genesis, ANCHORED_DIGEST, answer.json()["anchorings"][1])
    assert (second.index, second.height, second.ref) == (1, 3, "R-2")
    # the read ran in a worker thread, not on the event loop
    assert node.read_threads
    assert all(loop != worker for loop, worker in node.read_threads)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("index", 1),
        ("owner", "00" * 20),
        ("time", 1),
        ("height", 2),
        ("title", "forged"),
        ("tx_hash", "00" * 32),
    ],
)
def test_an_anchoring_that_says_other_than_its_proof_fails_offline(
    client: TestClient, chain: Chain, field: str, value: object
) -> None:
    item = dict(client.get(URL).json()["anchorings"][0])
    item[field] = value
    with pytest.raises(ProofError, match=field) as failure:
        verify_anchoring(chain.maker.genesis, ANCHORED_DIGEST, item)
    assert failure.value.check == "anchoring"


def test_an_anchoring_offered_for_another_digest_fails_offline(
    client: TestClient, chain: Chain
) -> None:
    item = client.get(URL).json()["anchorings"][0]
    with pytest.raises(ProofError, match="digest"):
        verify_anchoring(chain.maker.genesis, bytes(32), item)


def test_the_pages_follow_one_another_by_cursor(client: TestClient) -> None:
    first = client.get(URL, params={"limit": 1}).json()
    assert [a["index"] for a in first["anchorings"]] == [0]
    assert first["next"] == "1"
    second = client.get(URL, params={"limit": 1, "cursor": first["next"]}).json()
    assert [a["index"] for a in second["anchorings"]] == [1]
    assert second["next"] is None


@pytest.mark.parametrize("cursor", [str(ANCHORINGS), "4294967295", "9" * 10])
def test_a_cursor_at_or_past_the_end_gives_an_empty_last_page(
    client: TestClient, cursor: str
) -> None:
    answer = client.get(URL, params={"cursor": cursor})
    assert answer.status_code == 200
    assert (answer.json()["anchorings"], answer.json()["next"]) == ([], None)


@pytest.mark.parametrize("limit", ["0", "-1", str(NOTARY_PAGE_MAX + 1), "many"])
def test_a_limit_outside_one_to_the_maximum_is_an_invalid_request(
    client: TestClient, limit: str
) -> None:
    answer = client.get(URL, params={"limit": limit})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"
    assert "query.limit" in answer.json()["error"]["message"]


def test_the_limit_is_bounded_and_has_a_default(client: TestClient) -> None:
    assert client.get(URL, params={"limit": NOTARY_PAGE_MAX}).status_code == 200
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/notary/{digest}"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == NOTARY_PAGE_MAX
    assert params["limit"]["schema"]["default"] == NOTARY_PAGE_DEFAULT


@pytest.mark.parametrize("cursor", ["x", "-1", "1.0", "", " 1", "1" * 11])
def test_a_bad_cursor_is_refused_by_name(client: TestClient, cursor: str) -> None:
    answer = client.get(URL, params={"cursor": cursor})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_cursor"
    assert answer.json()["error"]["message"].startswith("cursor: ")


def test_a_digest_never_anchored_has_no_anchorings(client: TestClient) -> None:
    digest = bytes(32).hex()
    answer = client.get(f"/v1/notary/{digest}")
    assert answer.status_code == 200
    assert answer.json() == {"digest": digest, "anchorings": [], "next": None}
