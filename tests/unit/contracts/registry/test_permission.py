"""The one permission check before every handler (F-B4, docs/spec/registry.md)."""

from __future__ import annotations

import os

import pytest

from govchain.execution.registry import STATUS_PERMISSION_DENIED
from govchain.ledger import records
from govchain.mempool import Mempool, PermissionDeniedError
from govchain.node.permissions import LatestPermissions
from tests.unit.contracts.governed_chain import GovernedChain


@pytest.fixture
def gc() -> GovernedChain:
    return GovernedChain.make()


def _anchor(gc: GovernedChain, key: object) -> object:
    return gc.tx(key, "notary.anchor", {"digest": os.urandom(32)})  # type: ignore[arg-type]


def test_f_b4_an_unregistered_key_gets_a_permission_denied_receipt(gc: GovernedChain) -> None:
    stranger = gc.maker.suite.generate_key()
    receipt = gc.run_one(_anchor(gc, stranger))
    assert receipt.status == STATUS_PERMISSION_DENIED
    assert receipt.error.startswith("permission_denied: ")
    assert "is not registered" in receipt.error
    assert receipt.events == ()


def test_f_b4_the_registered_client_and_an_admin_notarize(gc: GovernedChain) -> None:
    receipts = gc.run(_anchor(gc, gc.client), _anchor(gc, gc.admins[2]))  # type: ignore[arg-type]
    assert [r.status for r in receipts] == [0, 0]


def test_a_tx_type_without_a_policy_is_refused(gc: GovernedChain) -> None:
    receipt = gc.run_one(gc.tx(gc.client, "kv.put", {"key": b"k", "value": b"v"}))
    assert receipt.status == STATUS_PERMISSION_DENIED
    assert "no policy for tx type 'kv.put'" in receipt.error


def test_a_client_may_not_send_admin_txs(gc: GovernedChain) -> None:
    key = gc.maker.suite.generate_key()
    receipt = gc.run_one(
        gc.tx(gc.client, "registry.account_add", {"public_key": key.public_key, "kind": "staff"})
    )
    assert receipt.status == STATUS_PERMISSION_DENIED
    assert "holds no role that may send 'registry.account_add'" in receipt.error


def test_f_b4_a_member_role_grants_its_resources_to_its_staff(gc: GovernedChain) -> None:
    clerk, other = gc.maker.suite.generate_key(), gc.maker.suite.generate_key()
    admin = gc.admins[1]
    receipts = gc.run(
        gc.tx(admin, "registry.role_set", {"name": "notary-clerk", "resources": ["notary.anchor"]})
    )
    assert receipts[0].status == 0, receipts[0].error
    add = gc.run(
        gc.tx(
            admin,
            "registry.account_add",
            {
                "public_key": clerk.public_key,
                "kind": "staff",
                "roles": ["notary-clerk"],
                "post": "clerk",
            },
        ),
        gc.tx(admin, "registry.account_add", {"public_key": other.public_key, "kind": "staff"}),
    )
    assert [r.status for r in add] == [0, 0], [r.error for r in add]
    clerk_receipt, other_receipt = gc.run(_anchor(gc, clerk), _anchor(gc, other))  # type: ignore[arg-type]
    assert clerk_receipt.status == 0
    assert other_receipt.status == STATUS_PERMISSION_DENIED


def test_an_account_registered_in_a_block_may_act_from_the_next(gc: GovernedChain) -> None:
    key = gc.maker.suite.generate_key()
    admin = gc.admins[0]
    add = gc.tx(
        admin,
        "registry.account_add",
        {"public_key": key.public_key, "kind": "client", "roles": ["client"]},
    )
    first, second = gc.run(add, _anchor(gc, key))  # type: ignore[arg-type]
    assert first.status == 0
    assert second.status == STATUS_PERMISSION_DENIED  # the check reads the state before the block
    assert gc.run_one(_anchor(gc, key)).status == 0  # type: ignore[arg-type]


def test_an_admin_manages_only_its_own_members_accounts(gc: GovernedChain) -> None:
    receipt = gc.run_one(
        gc.tx(
            gc.admins[1],
            "registry.account_set_roles",
            {"address": gc.address(gc.client), "roles": []},
        )
    )
    assert receipt.status == 1
    assert "is not an account of member" in receipt.error


def test_an_admin_may_not_hand_out_the_admin_role(gc: GovernedChain) -> None:
    key = gc.maker.suite.generate_key()
    receipt = gc.run_one(
        gc.tx(
            gc.admins[0],
            "registry.account_add",
            {"public_key": key.public_key, "kind": "staff", "roles": ["admin"]},
        )
    )
    assert receipt.status == 1
    assert "'admin' is not given by a member admin" in receipt.error


def test_the_mempool_refuses_what_the_check_refuses_with_a_stable_code(gc: GovernedChain) -> None:
    check = gc.registry.permission_check
    assert check is not None
    pool = Mempool(
        gc.maker.suite,
        gc.genesis.chain_id,
        is_committed=lambda _h: False,
        refusal=LatestPermissions(gc.chain, check),
    )
    stranger = gc.maker.suite.generate_key()
    with pytest.raises(PermissionDeniedError) as refused:
        pool.add(records.encode_tx(_anchor(gc, stranger)), 1)  # type: ignore[arg-type]
    assert refused.value.code == "permission_denied"
    assert "is not registered" in str(refused.value)
    assert len(pool) == 0
    pool.add(records.encode_tx(_anchor(gc, gc.client)), 1)  # type: ignore[arg-type]
    assert len(pool) == 1
