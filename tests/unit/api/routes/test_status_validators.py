"""``/v1/status`` shows the current and the next validator set (issue 15 item 7, F-A2).

The real node service over a governed chain whose set changes by vote: a
validator added by block H shows in ``next_validators`` from H on, in
``validators`` from H + 1 on, voting from H + 2; a removed one leaves
``next_validators`` at its vote and ``validators`` one block later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from govchain.api import create_app
from govchain.api.schemas import NodeStatus
from govchain.node.services import service_routes
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import GovernedChain
from tests.unit.node.service_support import Fatal, make_service

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from ..conftest import MakeClient


def _status(client: TestClient) -> dict[str, Any]:
    answer = client.get("/v1/status")
    assert answer.status_code == 200, answer.text
    NodeStatus.model_validate(answer.json())  # the OpenAPI model holds
    body: dict[str, Any] = answer.json()
    return body


def _by_name(validators: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {v["name"]: (v["power"], v["votes_from"]) for v in validators}


def _passed(gc: GovernedChain, action: str, args: dict[str, object]) -> int:
    pid = gc.propose(0, action, args)
    receipts: list[Receipt] = [gc.vote(voter, pid) for voter in (0, 1, 2)]
    assert all(r.status == 0 for r in receipts), [r.error for r in receipts]
    return gc.height


def test_f_a2_status_shows_the_current_and_next_set_across_changes(
    make_client: MakeClient,
) -> None:
    gc = GovernedChain.make()
    service = make_service(gc.maker, gc.chain, Fatal())
    app = create_app(service, service_routes=service_routes(), metrics=service.metrics)
    client = make_client(app)
    genesis = {v.name: (v.power, 1) for v in gc.genesis.validators.validators}

    first = _status(client)
    assert first["height"] == 0
    assert _by_name(first["validators"]) == _by_name(first["next_validators"]) == genesis
    assert [v["address"] for v in first["validators"]] == [
        v.address.hex() for v in gc.genesis.validators.validators
    ]

    key = gc.maker.suite.generate_key()
    gc.maker.spare_keys[gc.address(key)] = key
    added = _passed(
        gc,
        "node.add",
        {
            "name": "node9",
            "org": gc.codes[1],
            "role": "validator",
            "transport_key": b"\x09" * 32,
            "validator_key": key.public_key,
            "power": 5,
        },
    )
    at_vote = _status(client)
    assert at_vote["height"] == added
    assert _by_name(at_vote["validators"]) == genesis  # block H + 1: still the old four
    assert _by_name(at_vote["next_validators"]) == {**genesis, "node9": (5, added + 2)}
    [shown] = [v for v in at_vote["next_validators"] if v["name"] == "node9"]
    assert (shown["address"], shown["public_key"]) == (gc.address(key).hex(), key.public_key.hex())

    gc.run()
    after = _status(client)
    assert _by_name(after["validators"]) == {**genesis, "node9": (5, added + 2)}
    assert after["next_validators"] == after["validators"]

    repowered = _passed(gc, "node.set_power", {"name": "node9", "power": 8})
    changed = _status(client)
    assert changed["height"] == repowered
    assert _by_name(changed["validators"])["node9"] == (5, added + 2)
    assert _by_name(changed["next_validators"])["node9"] == (8, added + 2)  # same run, new power

    removed = _passed(gc, "node.remove", {"name": "node9", "reason": "test"})
    leaving = _status(client)
    assert _by_name(leaving["validators"])["node9"] == (8, added + 2)
    assert _by_name(leaving["next_validators"]) == genesis
    gc.run()
    gone = _status(client)
    assert gone["height"] == removed + 1
    assert _by_name(gone["validators"]) == _by_name(gone["next_validators"]) == genesis
