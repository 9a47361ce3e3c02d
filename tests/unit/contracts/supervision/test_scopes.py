"""Regulators' scopes by vote, and reads of content in scope as usage records (F-E1, F-C2)."""

from __future__ import annotations

import os

from govchain.codes.demo import demo_uscc
from govchain.contracts.assets import IssueArgs
from govchain.contracts.grants import UseArgs, grants_tx
from govchain.contracts.grants.reads import holder_usage_page, usage_page
from govchain.contracts.grants.state import read_usage
from govchain.contracts.supervision import read_scope
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.chain_support import CHAIN_ID
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, AssetChain, ok, refused
from tests.unit.contracts.governed_chain import decided

OTHER = demo_uscc(2) + "001"
"""A type that names no regulator: its assets carry no regulator envelope."""


class Scene:
    """A regulator with a locker, an enterprise holding two assets: one whose type names the
    regulator (so it carries its envelope), one of a type that does not."""

    def __init__(self) -> None:
        self.ac = ac = AssetChain.make("intl")
        gc = ac.gc
        self.regulator_key, self.regulator, _ = ac.enterprise(7)
        ac.open_locker(self.regulator_key)
        ok(ac.define(gc.admins[0], regulator=self.regulator))
        self.holder_key, self.holder, _ = ac.enterprise(1)
        ac.open_locker(self.holder_key)
        watched = IssueArgs(ac.new_version(self.holder, regulator=self.regulator), TYPE_CODE,
                            self.holder, "authority")  # fmt: skip
        ok(ac.send(gc.admins[0], watched))
        self.watched = watched.new.content_id
        ok(ac.define(gc.admins[1], code=OTHER, issuers=(gc.codes[1],)))
        unseen = IssueArgs(ac.new_version(self.holder), OTHER, self.holder, "authority")
        ok(ac.send(gc.admins[1], unseen))
        self.unseen = unseen.new.content_id

    def decide(self, action: str, args: dict[str, object]) -> Receipt:
        gc = self.ac.gc
        proposal = gc.propose(0, action, args)
        receipts = [gc.vote(i, proposal) for i in range(4)]
        decided_by = [r for r in receipts if decided(r)]
        assert decided_by, [r.error for r in receipts]
        return decided_by[0]

    def use(self, key: SigningKey, asset: bytes, scope_id: bytes, action: str = "view") -> Receipt:
        args = UseArgs(asset, action, "年度监管抽查", {"scope": scope_id})
        return self.ac.gc.run_one(grants_tx(key, CHAIN_ID, args, os.urandom(16), 10_000))


def test_a_regulator_reads_in_scope_and_the_holder_sees_it_f_e1() -> None:
    scene = Scene()
    gc = scene.ac.gc
    types = sorted([TYPE_CODE, OTHER])
    scope_args = {"address": scene.regulator, "types": types, "departments": [], "matters": [],
                  "reason": "市场监管年度抽查"}  # fmt: skip
    set_by = scene.decide("regulator.set", scope_args)
    assert decided(set_by) == "executed", set_by.error
    scope = read_scope(gc.read, scene.regulator)
    assert scope is not None
    assert (scope.status, scope.id) == ("active", set_by.tx_hash[:16])

    read = ok(scene.use(scene.regulator_key, scene.watched, scope.id))
    usage = read_usage(gc.read, read.tx_hash)
    assert usage is not None
    assert (usage.reader, usage.holder, usage.via, usage.via_id) == (
        scene.regulator, scene.holder, "scope", scope.id
    )  # fmt: skip
    with gc.chain.view() as view:  # the holder's usage history lists it
        from govchain.contracts import ChainReader

        history, _ = usage_page(ChainReader(view), scene.watched, 0, 10)
        by_holder, _ = holder_usage_page(ChainReader(view), scene.holder, 0, 10)
    assert [p.usage.reader for p in history] == [scene.regulator]
    assert [p.usage.tx_hash for p in by_holder] == [read.tx_hash]

    assert "does not name" in refused(
        scene.use(scene.regulator_key, scene.unseen, scope.id), "no_envelope"
    )
    refused(scene.use(scene.regulator_key, scene.watched, scope.id, "use"), "invalid_args")
    refused(scene.use(scene.holder_key, scene.watched, scope.id), "not_in_scope")
    refused(scene.use(scene.regulator_key, scene.watched, os.urandom(16)), "not_in_scope")


def test_outside_its_scope_or_after_removal_a_regulator_is_refused_f_e1() -> None:
    scene = Scene()
    gc = scene.ac.gc
    other_type = {"address": scene.regulator, "types": [], "departments": [gc.codes[3]],
                  "matters": [], "reason": "只监管成员3签发的证照"}  # fmt: skip
    assert decided(scene.decide("regulator.set", other_type)) == "executed"
    scope = read_scope(gc.read, scene.regulator)
    assert scope is not None
    refused(scene.use(scene.regulator_key, scene.watched, scope.id), "not_in_scope")

    widened = {**other_type, "departments": sorted([gc.codes[0], gc.codes[3]])}
    assert decided(scene.decide("regulator.set", widened)) == "executed"
    scope = read_scope(gc.read, scene.regulator)
    assert scope is not None
    ok(scene.use(scene.regulator_key, scene.watched, scope.id))

    removed = scene.decide("regulator.remove", {"address": scene.regulator, "reason": "任期届满"})
    assert decided(removed) == "executed"
    refused(scene.use(scene.regulator_key, scene.watched, scope.id), "not_in_scope")


def test_bad_scopes_are_refused_naming_the_problem_f_e1() -> None:
    scene = Scene()
    gc = scene.ac.gc
    _, no_locker, _ = scene.ac.enterprise(8)
    cases = [
        ({"address": no_locker, "types": [TYPE_CODE]}, "has no locker"),
        ({"address": scene.regulator}, "at least one type, department or matter"),
        ({"address": scene.regulator, "types": [OTHER, TYPE_CODE]}, "sorted and distinct"),
        ({"address": scene.regulator, "departments": ["91370102DEM0999999"]}, "not a member"),
    ]
    for changes, message in cases:
        args = {"types": [], "departments": [], "matters": [], "reason": "测试", **changes}
        proposal = {"action": "regulator.set", "args": args, "reason": "test",
                    "expiry_height": gc.height + 50}  # fmt: skip
        receipt = gc.run_one(gc.tx(gc.admins[0], "gov.propose", proposal))
        assert receipt.status != 0
        assert message in receipt.error, (message, receipt.error)
