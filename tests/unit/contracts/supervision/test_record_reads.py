"""A regulator's reads of cases and txs in its scope are usage records in the holder's history;
outside its scope they are refused (F-E1, F-C2; docs/spec/supervision.md)."""

from __future__ import annotations

import os

from govchain.contracts import ChainReader
from govchain.contracts.grants import grants_tx
from govchain.contracts.grants.reads import holder_usage_page
from govchain.contracts.grants.state import read_usage
from govchain.contracts.grants.txs import RecordReadArgs
from govchain.contracts.supervision import read_scope
from govchain.contracts.supervision.record_reads import tx_in_scope
from govchain.contracts.workflow import StepResultArgs
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.chain_support import CHAIN_ID
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, ok, refused
from tests.unit.contracts.governed_chain import decided
from tests.unit.contracts.workflow.test_cases import Setup

PURPOSE = "办件合规抽查"


class Scene(Setup):
    """The three-department enterprise-setup process with one case, and a regulator account
    with a locker (its scope is set per test)."""

    def __init__(self) -> None:
        super().__init__()
        self.regulator_key, self.regulator, _ = self.ac.enterprise(7)
        self.ac.open_locker(self.regulator_key)
        self.case = self.apply()

    def set_scope(self, departments: list[str], matters: list[str]) -> bytes:
        gc = self.ac.gc
        args = {"address": self.regulator, "types": [], "departments": departments,
                "matters": matters, "reason": "办件监管"}  # fmt: skip
        proposal = gc.propose(0, "regulator.set", args)
        receipts = [gc.vote(i, proposal) for i in range(4)]
        assert any(decided(r) == "executed" for r in receipts), [r.error for r in receipts]
        scope = read_scope(gc.read, self.regulator)
        assert scope is not None
        return scope.id

    def read(self, args: RecordReadArgs, key: SigningKey | None = None) -> Receipt:
        tx = grants_tx(key or self.regulator_key, CHAIN_ID, args, os.urandom(16), 10_000)
        return self.ac.gc.run_one(tx)

    def history(self, holder: bytes) -> list[bytes]:
        with self.ac.gc.chain.view() as view:
            page, _ = holder_usage_page(ChainReader(view), holder, 0, 25)
        return [p.usage.tx_hash for p in page]


def test_a_case_read_in_scope_is_a_usage_record_in_the_applicants_history_f_e1() -> None:
    scene = Scene()
    scope_id = scene.set_scope([], ["S-001"])  # the seal step's matter: a later step
    receipt = ok(scene.read(RecordReadArgs("view", PURPOSE, {"scope": scope_id}, case=scene.case)))
    usage = read_usage(scene.ac.gc.read, receipt.tx_hash)
    assert usage is not None
    assert (usage.target, usage.target_id, usage.reader, usage.holder, usage.via) == (
        "case", scene.case, scene.regulator, scene.applicant, "scope"
    )  # fmt: skip
    assert (usage.asset, usage.content_hash, usage.via_id) == (b"", b"", scope_id)
    [event] = [e for e in receipt.events if e.type == "grants.used"]
    assert event.attributes["case"] == scene.case
    assert scene.history(scene.applicant) == [receipt.tx_hash]

    by_department = scene.set_scope([scene.ac.gc.codes[2]], [])  # the bank step's department
    again = RecordReadArgs("view", PURPOSE, {"scope": by_department}, case=scene.case)
    second = ok(scene.read(again)).tx_hash
    assert scene.history(scene.applicant) == [receipt.tx_hash, second]


def test_a_case_outside_the_scope_or_a_bad_read_is_refused_f_e1() -> None:
    scene = Scene()
    scope_id = scene.set_scope([], ["Z-404"])
    via = {"scope": scope_id}
    refused(scene.read(RecordReadArgs("view", PURPOSE, via, case=scene.case)), "not_in_scope")
    refused(scene.read(RecordReadArgs("view", PURPOSE, via, case=os.urandom(16))), "not_found")
    stale = {"scope": os.urandom(16)}
    refused(scene.read(RecordReadArgs("view", PURPOSE, stale, case=scene.case)), "not_in_scope")
    not_a_regulator = RecordReadArgs("view", PURPOSE, via, case=scene.case)
    refused(scene.read(not_a_regulator, scene.applicant_key), "not_in_scope")
    for bad in (
        RecordReadArgs("use", PURPOSE, via, case=scene.case),
        RecordReadArgs("view", PURPOSE, {"grant": os.urandom(16)}, case=scene.case),
        RecordReadArgs("view", PURPOSE, via, case=scene.case, tx=os.urandom(32)),
        RecordReadArgs("view", PURPOSE, via),
        RecordReadArgs("view", PURPOSE, via, case=scene.case, holder=scene.applicant),
        RecordReadArgs("view", PURPOSE, via, tx=os.urandom(32)),
    ):
        refused(scene.read(bad), "invalid_args")
    assert scene.history(scene.applicant) == []


def test_a_tx_read_names_its_sender_as_the_holder_f_e1() -> None:
    scene = Scene()
    gc = scene.ac.gc
    scope_id = scene.set_scope([gc.codes[0]], [])
    via = {"scope": scope_id}
    tx_hash = os.urandom(32)
    receipt = ok(
        scene.read(RecordReadArgs("view", PURPOSE, via, tx=tx_hash, holder=scene.applicant))
    )
    usage = read_usage(gc.read, receipt.tx_hash)
    assert usage is not None
    assert (usage.target, usage.target_id, usage.holder) == ("tx", tx_hash, scene.applicant)
    assert scene.history(scene.applicant) == [receipt.tx_hash]
    unknown = RecordReadArgs("view", PURPOSE, via, tx=tx_hash, holder=os.urandom(20))
    refused(scene.read(unknown), "not_found")


def test_which_txs_a_scope_holds_f_e1() -> None:
    scene = Scene()
    gc = scene.ac.gc
    scope_id = scene.set_scope([], ["S-001"])
    scope = read_scope(gc.read, scene.regulator)
    assert scope is not None
    assert scope.id == scope_id
    outsider = scene.applicant  # a subject: no department
    assert tx_in_scope(gc.read, scope, outsider, {"case": scene.case})  # by the case's matter
    assert not tx_in_scope(gc.read, scope, outsider, {"case": os.urandom(16)})
    assert not tx_in_scope(gc.read, scope, outsider, {"名称": "济南演示有限公司"})
    licence = scene.output(0, TYPE_CODE)
    result = StepResultArgs(scene.case, "licence", "approved", outputs=(licence,))
    assert tx_in_scope(gc.read, scope, gc.address(gc.admins[0]), result.to_args())

    by_type = scene.set_scope([gc.codes[1]], [])
    scope = read_scope(gc.read, scene.regulator)
    assert scope is not None
    assert scope.id == by_type
    assert tx_in_scope(gc.read, scope, gc.address(gc.admins[1]), {})  # its department's account
    assert not tx_in_scope(gc.read, scope, gc.address(gc.admins[0]), {"asset": licence})
