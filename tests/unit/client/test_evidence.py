"""The evidence SDK: it follows the pages of committed evidence (F-E6, F-F1)."""

from __future__ import annotations

import httpx
import pytest

from govchain.client.evidence import EvidenceClient
from govchain.client.sdk import ApiError, NodeClient


def _evidence(handler: object) -> EvidenceClient:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    return EvidenceClient(NodeClient("http://node.test", transport=transport))


def test_all_evidence_follows_the_cursors_to_the_last_page() -> None:
    pages = {None: ([{"n": 1}], "5-0"), "5-0": ([], "9-0"), "9-0": ([{"n": 2}], None)}
    asked: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/evidence"
        cursor = request.url.params.get("cursor")
        asked.append(cursor)
        items, following = pages[cursor]
        return httpx.Response(200, json={"height": 12, "evidence": items, "next": following})

    assert list(_evidence(handler).all_evidence()) == [{"n": 1}, {"n": 2}]
    assert asked == [None, "5-0", "9-0"]  # an empty page with a next is not the end


@pytest.mark.parametrize(
    "answer",
    [{"evidence": [], "next": None}, {"height": 1, "next": None}, {"height": 1, "evidence": []}],
)
def test_a_page_without_its_fields_is_a_bad_response(answer: dict[str, object]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {**answer, "next": answer["next"]} if "next" in answer else {**answer, "next": 5}
        return httpx.Response(200, json=body)

    with pytest.raises(ApiError, match="bad_response"):
        _evidence(handler).page()
