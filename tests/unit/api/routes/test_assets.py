"""Routes of ``assets`` over a chain with issued assets (issue 16 items 8, 9).

Proven records, history with receipts, and the locker view as a signed read
of its owner (docs/spec/assets.md, "Reads").
"""

from __future__ import annotations

import httpx
import pytest

from govchain.client import verify_tx_receipt
from govchain.client.registry import verify_record
from govchain.client.request_signing import RequestSigner
from govchain.contracts.assets import Asset, IssueArgs, StatusArgs, asset_key
from govchain.crypto import SigningKey
from govchain.ledger.proofs import TxReceiptBundle
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, AssetChain, ok

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode

BASE = "http://testserver"


class Issued:
    """The chain of these tests and what was issued on it."""

    def __init__(self) -> None:
        self.ac = AssetChain.make("gm")
        ok(self.ac.define(self.ac.gc.admins[0]))
        self.holder_key, self.holder, _ = self.ac.enterprise(1)
        self.ac.open_locker(self.holder_key)
        self.valid = IssueArgs(
            self.ac.new_version(self.holder), TYPE_CODE, self.holder, "authority"
        )
        self.revoked = IssueArgs(
            self.ac.new_version(self.holder), TYPE_CODE, self.holder, "authority"
        )
        admin = self.ac.gc.admins[0]
        ok(self.ac.send(admin, self.valid))
        ok(self.ac.send(admin, self.revoked))
        ok(self.ac.send(admin, StatusArgs(self.revoked.new.content_id, "登记信息有误")))
        self.ac.gc.run()


@pytest.fixture(scope="module")
def issued() -> Issued:
    return Issued()


@pytest.fixture
def api(issued: Issued, make_client: MakeClient) -> TestClient:
    gc = issued.ac.gc
    node = FakeNode(Chain(gc.maker, gc.chain, [], failed_tx_hash=b""))
    return make_client(app_of(node))


def _signed_get(api: TestClient, key: SigningKey, path: str) -> httpx.Response:
    return api.get(path, headers=RequestSigner(key).headers("GET", BASE + path))


def test_an_asset_by_identifier_and_content_id_verifies_with_its_history(
    api: TestClient, issued: Issued
) -> None:
    by_id = api.get(f"/v1/assets/{issued.revoked.new.content_id.hex()}")
    assert by_id.status_code == 200, by_id.text
    answer = by_id.json()
    assert answer["status"] == "revoked"
    key = asset_key(issued.revoked.new.content_id)
    genesis = issued.ac.gc.genesis
    proven = verify_record(
        genesis, key, answer["fact"], answer["asset"], Asset.from_stored, Asset.to_json
    )
    assert proven.record.content_id == issued.revoked.new.content_id
    assert [h["action"] for h in answer["history"]] == ["issue", "revoke"]
    for entry in answer["history"]:
        verified = verify_tx_receipt(genesis, TxReceiptBundle.from_json(entry["receipt"]))
        assert verified.tx_hash.hex() == entry["tx_hash"]
    identifier = answer["asset"]["identifier"]
    again = api.get(f"/v1/assets/{identifier}")
    assert again.status_code == 200
    assert again.json()["asset"] == answer["asset"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/assets/" + "00" * 16, 404, "not_found"),
        (
            "/v1/assets/1.2.156.3005.2.11100000MB0143028R001.91370102DEM000014N.1.001.Z",
            404,
            "not_found",
        ),
        ("/v1/assets/not-an-asset", 422, "invalid_request"),
        ("/v1/assets/" + "00" * 16 + "?cursor=", 400, "invalid_cursor"),
        ("/v1/assets/" + "00" * 16 + "?cursor=x1", 400, "invalid_cursor"),
        ("/v1/asset-types/11100000MB0143028R999", 404, "not_found"),
        ("/v1/asset-types/lower", 422, "invalid_request"),
        ("/v1/lockers/" + "00" * 20 + "/key", 404, "not_found"),
    ],
)
def test_bad_or_unknown_references_are_4xx_with_a_code(
    api: TestClient, path: str, status: int, code: str
) -> None:
    answer = api.get(path)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


def test_a_type_and_a_locker_key_come_with_their_facts(api: TestClient, issued: Issued) -> None:
    atype = api.get(f"/v1/asset-types/{TYPE_CODE}").json()
    assert (atype["type"]["code"], atype["type"]["version"]) == (TYPE_CODE, 1)
    assert api.get(f"/v1/asset-types/{TYPE_CODE}?version=2").status_code == 404
    locker = api.get(f"/v1/lockers/{issued.holder.hex()}/key").json()
    assert locker["locker"]["address"] == issued.holder.hex()
    assert "fact" in locker


def test_the_locker_view_is_shown_to_its_owner_only_f_c2(api: TestClient, issued: Issued) -> None:
    path = f"/v1/lockers/{issued.holder.hex()}"
    assert api.get(path).status_code == 401
    other = _signed_get(api, issued.ac.gc.admins[0], path)
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "permission_denied"
    mine = _signed_get(api, issued.holder_key, path)
    assert mine.status_code == 200, mine.text
    [group] = mine.json()["types"]
    assert group["type"] == TYPE_CODE
    assert sorted(a["status"] for a in group["assets"]) == ["revoked", "valid"]
