"""Case grants: what a step reads reaches its department's adapter only, for the case's life
(docs/spec/workflow.md "Case grants"; F-D5, F-C2, F-C4)."""

from __future__ import annotations

import os

from govchain.contracts.grants import DelegateArgs, GrantArgs, UseArgs, grants_tx
from govchain.contracts.grants.state import read_grant
from govchain.contracts.workflow import (
    AdapterSetArgs,
    ApplyArgs,
    MatterDefineArgs,
    ProcessPublishArgs,
    StepResultArgs,
)
from govchain.contracts.workflow.state import read_case, read_step
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.chain_support import CHAIN_ID
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, ok, refused
from tests.unit.contracts.workflow.test_cases import BANK, SEAL, Setup

DAY_MS = 86_400_000


def _grants(setup: Setup, key: SigningKey, args: object) -> Receipt:
    return setup.ac.gc.run_one(grants_tx(key, CHAIN_ID, args, os.urandom(16), 10_000))


def _now(setup: Setup) -> int:
    with setup.ac.gc.chain.view() as view:
        return view.header(view.height).time


def test_outputs_reach_only_the_steps_that_read_them_until_the_case_closes_f_d5_f_c2() -> None:
    setup = Setup()
    gc = setup.ac.gc
    licence_dept, seal_dept, bank_dept = gc.admins[0], gc.admins[1], gc.admins[2]
    for member, key in ((1, seal_dept), (2, bank_dept)):
        setup.ac.open_locker(key)
        ok(setup.send(key, AdapterSetArgs(gc.codes[member], gc.address(key))))
    case = setup.apply()  # the licence step reads no material: no grant needed
    licence = setup.output(0, TYPE_CODE)
    missing = setup.send(
        licence_dept, StepResultArgs(case, "licence", "approved", outputs=(licence,))
    )
    assert "step seal reads" in refused(missing, "invalid_args")

    # the applicant lets the licence department share the licence, as its agent
    delegate = DelegateArgs(gc.address(licence_dept), ("grant",), _now(setup) + DAY_MS, "企业开办")
    ok(_grants(setup, setup.applicant_key, delegate))

    def grant(grantee: SigningKey, matter: str) -> bytes:
        args = GrantArgs(
            licence, gc.address(grantee), "use", f"case {case.hex()}", _now(setup) + DAY_MS, 3,
            os.urandom(113), matter, setup.applicant,
        )  # fmt: skip
        return ok(_grants(setup, licence_dept, args)).tx_hash[:16]

    to_seal, to_bank, bank_for_seal = (
        grant(seal_dept, "S-001"), grant(bank_dept, "B-001"), grant(bank_dept, "S-001")
    )  # fmt: skip
    stray = StepResultArgs(
        case, "licence", "approved", outputs=(licence,), grants=(to_seal, bank_for_seal)
    )
    assert "serves no step" in refused(setup.send(licence_dept, stray), "invalid_args")
    short = StepResultArgs(case, "licence", "approved", outputs=(licence,), grants=(to_seal,))
    assert "step bank reads" in refused(setup.send(licence_dept, short), "invalid_args")
    shared = StepResultArgs(
        case, "licence", "approved", outputs=(licence,), grants=(to_seal, to_bank)
    )
    ok(setup.send(licence_dept, shared))
    assert read_step(gc.read, case, "seal").grants == (to_seal,)  # type: ignore[union-attr]
    assert read_step(gc.read, case, "bank").grants == (to_bank,)  # type: ignore[union-attr]

    # the seal department reads through its own grant; the bank cannot use the seal's
    read = UseArgs(licence, "use", f"case {case.hex()} step seal", {"grant": to_seal})
    ok(_grants(setup, seal_dept, read))
    refused(_grants(setup, bank_dept, read), "not_grantee")

    seal = setup.output(1, SEAL)
    ok(setup.send(seal_dept, StepResultArgs(case, "seal", "approved", outputs=(seal,))))
    bank = setup.output(2, BANK)
    ok(setup.send(bank_dept, StepResultArgs(case, "bank", "approved", outputs=(bank,))))
    assert read_case(gc.read, case).state == "completed"  # type: ignore[union-attr]
    for grant_id in (to_seal, to_bank):
        closed = read_grant(gc.read, grant_id)
        assert closed is not None
        assert (closed.status, closed.reason) == ("revoked", "the case closed")
    assert read_grant(gc.read, bank_for_seal).status == "active"  # type: ignore[union-attr]
    refused(_grants(setup, seal_dept, read), "grant_revoked")


def test_a_rejected_or_returned_result_shares_nothing_f_d5() -> None:
    setup = Setup()
    gc = setup.ac.gc
    case = setup.apply()
    fake = os.urandom(16)
    refused(
        setup.send(
            gc.admins[0], StepResultArgs(case, "licence", "returned", "补正", grants=(fake,))
        ),
        "invalid_args",
    )
    unknown = StepResultArgs(case, "licence", "approved", outputs=(setup.output(0, TYPE_CODE),),
                             grants=(fake,))  # fmt: skip
    assert "no active grant" in refused(setup.send(gc.admins[0], unknown), "invalid_args")


def test_materials_come_with_grants_to_the_steps_that_read_them_f_d5_f_c2() -> None:
    setup = Setup()
    gc = setup.ac.gc
    seal_dept = gc.admins[1]
    setup.ac.open_locker(seal_dept)
    ok(setup.send(seal_dept, AdapterSetArgs(gc.codes[1], gc.address(seal_dept))))
    matter = MatterDefineArgs("S-002", "印章备案", "备案", gc.codes[1], 1, (SEAL,), (TYPE_CODE,))
    ok(setup.send(seal_dept, matter))
    step = {"id": "check", "matter": "S-002", "after": [], "inputs": [TYPE_CODE],
            "outputs": [SEAL], "time_limit_minutes": 60}  # fmt: skip
    ok(setup.send(seal_dept, ProcessPublishArgs("filing", "备案(演示)", (step,))))
    material = setup.output(0, TYPE_CODE)  # an asset the applicant holds already
    form = {"名称": "济南演示有限公司"}
    bare = ApplyArgs("filing", setup.applicant, form, (material,))
    assert "step check reads" in refused(setup.send(gc.client, bare), "invalid_args")
    args = GrantArgs(
        material, gc.address(seal_dept), "view", "备案审核", _now(setup) + DAY_MS, 2,
        os.urandom(113), "S-002",
    )  # fmt: skip
    grant_id = ok(_grants(setup, setup.applicant_key, args)).tx_hash[:16]
    case = ok(
        setup.send(gc.client, ApplyArgs("filing", setup.applicant, form, (material,), (grant_id,)))
    ).tx_hash[:16]
    assert read_step(gc.read, case, "check").grants == (grant_id,)  # type: ignore[union-attr]
    elsewhere = ApplyArgs("filing", setup.applicant, form, (), (grant_id,))
    assert "not of this case's assets" in refused(setup.send(gc.client, elsewhere), "invalid_args")
