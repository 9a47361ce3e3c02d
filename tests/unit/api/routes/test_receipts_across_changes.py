"""The API's receipts and state facts after validator-set changes, read through the SDK and
checked offline against the genesis alone (issue 15 item 6; F-A4, F-C5, F-F1).

The fake node sits on a real governed chain whose set changed three times
(``tests/unit/client/changing_chain.py``); the SDK's node client talks to the
app in-process, so each answer goes through the response models and the
client's parsing exactly as over the network.
"""

from __future__ import annotations

import httpx
import pytest

from govchain.client import verify_tx_receipt
from govchain.client.gov import GovClient, verify_proposal
from govchain.client.registry import RegistryClient, verify_account, verify_member
from govchain.client.sdk import NodeClient
from govchain.ledger.proofs import TxReceiptBundle
from tests.unit.client.changing_chain import TOTAL_POWER_AFTER, ChangingChain, build_changing_chain

from ..conftest import MakeClient, TestClient, app_of
from ..fake_node import Chain, FakeNode


@pytest.fixture(scope="module")
def changing() -> ChangingChain:
    return build_changing_chain("gm")


@pytest.fixture
def sdk(changing: ChangingChain, make_client: MakeClient) -> NodeClient:
    gc = changing.gc
    api: TestClient = make_client(app_of(FakeNode(Chain(gc.maker, gc.chain, [], b""))))

    def forward(request: httpx.Request) -> httpx.Response:
        answer = api.request(
            request.method, str(request.url), content=request.content, headers=request.headers
        )
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    return NodeClient("http://testserver", transport=httpx.MockTransport(forward))


@pytest.mark.parametrize("changes_before", [0, 1, 2, 3])
def test_f_a4_tx_receipts_from_the_api_verify_across_changes(
    changing: ChangingChain, sdk: NodeClient, changes_before: int
) -> None:
    tx_hash = changing.tx_at(changes_before)
    result = sdk.tx(tx_hash)
    assert result.status == "committed"
    assert result.receipt is not None
    assert len(result.receipt["transitions"]) == changes_before
    checked = verify_tx_receipt(changing.gc.genesis, TxReceiptBundle.from_json(result.receipt))
    assert (checked.tx_hash, checked.transitions) == (tx_hash, changes_before)
    assert checked.total_power == TOTAL_POWER_AFTER[changes_before]


def test_f_c5_state_facts_from_the_api_verify_after_changes(
    changing: ChangingChain, sdk: NodeClient
) -> None:
    gc = changing.gc
    member = RegistryClient(sdk).member(gc.codes[1])
    assert len(member["fact"]["transitions"]) == len(changing.starts)
    assert verify_member(gc.genesis, member).record.code == gc.codes[1]
    account = RegistryClient(sdk).account(gc.address(gc.client))
    assert verify_account(gc.genesis, account).record.kind == "client"
    proposal = GovClient(sdk).proposal(1)
    assert verify_proposal(gc.genesis, proposal).height == gc.height
