"""Cases on a real chain: acceptance, serial then parallel steps, outputs in the locker, returns,
rejections, manual interventions and overdue flags (F-D3, F-D4, F-D5, F-D6)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.assets import IssueArgs
from govchain.contracts.workflow import (
    AdapterSetArgs,
    ApplyArgs,
    ExtendArgs,
    FlagOverdueArgs,
    MatterDefineArgs,
    ProcessPublishArgs,
    ResubmitArgs,
    StepResultArgs,
    workflow_tx,
)
from govchain.contracts.workflow.state import read_case, read_process, read_step
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.chain_support import CHAIN_ID
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, AssetChain, ok, refused

SEAL = demo_uscc(2) + "001"
BANK = demo_uscc(3) + "001"


def _step(id_: str, matter: str, after: list[str], outputs: list[str], inputs: list[str]) -> dict:
    return {"id": id_, "matter": matter, "after": after, "inputs": inputs, "outputs": outputs,
            "time_limit_minutes": 1}  # fmt: skip


class Setup:
    """Three departments (members 0..2), their output types, matters and a process."""

    tmp: Path

    def __init__(self) -> None:
        self.ac = AssetChain.make("intl")
        gc = self.ac.gc
        ok(self.ac.define(gc.admins[0]))
        for member, code in ((1, SEAL), (2, BANK)):
            ok(self.ac.define(gc.admins[member], code=code, issuers=(gc.codes[member],),
                              schema={"type": "object", "properties": {}}))  # fmt: skip
        for member, (matter, output) in enumerate(
            (("L-001", TYPE_CODE), ("S-001", SEAL), ("B-001", BANK))
        ):
            args = MatterDefineArgs(
                matter, f"事项{matter}", "行政许可", gc.codes[member], 1, (output,)
            )
            ok(self.send(gc.admins[member], args))
        steps = [
            _step("licence", "L-001", [], [TYPE_CODE], []),
            _step("seal", "S-001", ["licence"], [SEAL], [TYPE_CODE]),
            _step("bank", "B-001", ["licence"], [BANK], [TYPE_CODE]),
        ]
        ok(self.send(gc.admins[0], ProcessPublishArgs("setup", "企业开办(演示)", tuple(steps))))
        self.applicant_key, self.applicant, _ = self.ac.enterprise(1)
        self.ac.open_locker(self.applicant_key)

    def send(self, key: SigningKey, args: object, advance_ms: int = 1) -> Receipt:
        tx = workflow_tx(key, CHAIN_ID, args, os.urandom(16), 10_000)
        [receipt] = self.ac.gc.run(tx, advance_ms=advance_ms)
        return receipt

    def apply(self) -> bytes:
        args = ApplyArgs("setup", self.applicant, {"名称": "济南演示有限公司"})
        return ok(self.send(self.ac.gc.client, args)).tx_hash[:16]

    def output(self, member: int, type_code: str) -> bytes:
        new = self.ac.new_version(self.applicant)
        if type_code != TYPE_CODE:
            new = type(new)(new.content_id, {}, new.content)
        ok(
            self.ac.send(
                self.ac.gc.admins[member], IssueArgs(new, type_code, self.applicant, "authority")
            )
        )
        return new.content_id


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    made = Setup()
    made.tmp = tmp_path
    return made


def test_a_case_runs_serial_then_parallel_into_the_locker_f_d5(setup: Setup) -> None:
    gc = setup.ac.gc
    case = setup.apply()
    states = {s: read_step(gc.read, case, s).state for s in ("licence", "seal", "bank")}  # type: ignore[union-attr]
    assert states == {"licence": "ready", "seal": "waiting", "bank": "waiting"}
    refused(setup.send(gc.admins[1], StepResultArgs(case, "seal", "approved")), "bad_status")
    refused(setup.send(gc.admins[1], StepResultArgs(case, "licence", "approved")), "not_department")
    refused(setup.send(gc.admins[0], StepResultArgs(case, "licence", "approved")), "bad_output")
    licence = setup.output(0, TYPE_CODE)
    done = ok(
        setup.send(gc.admins[0], StepResultArgs(case, "licence", "approved", outputs=(licence,)))
    )
    assert [e.attributes["manual"] for e in done.events if e.type == "workflow.step_done"] == [True]
    assert read_step(gc.read, case, "seal").state == "ready"  # type: ignore[union-attr]
    assert read_step(gc.read, case, "bank").state == "ready"  # type: ignore[union-attr]
    ok(setup.send(gc.admins[1], AdapterSetArgs(gc.codes[1], gc.address(gc.admins[1]))))
    seal = setup.output(1, SEAL)
    by_adapter = ok(
        setup.send(gc.admins[1], StepResultArgs(case, "seal", "approved", outputs=(seal,)))
    )
    assert [
        e.attributes["manual"] for e in by_adapter.events if e.type == "workflow.step_done"
    ] == [False]
    refused(
        setup.send(gc.admins[1], StepResultArgs(case, "seal", "approved", outputs=(seal,))),
        "bad_status",
    )
    bank = setup.output(2, BANK)
    closed = ok(setup.send(gc.admins[2], StepResultArgs(case, "bank", "approved", outputs=(bank,))))
    assert [e.attributes["state"] for e in closed.events if e.type == "workflow.case_closed"] == [
        "completed"
    ]
    assert read_case(gc.read, case).state == "completed"  # type: ignore[union-attr]
    assert read_step(gc.read, case, "licence").interventions == 1  # type: ignore[union-attr]


def test_returned_then_resubmitted_and_rejected_cases(setup: Setup) -> None:
    gc = setup.ac.gc
    case = setup.apply()
    ok(setup.send(gc.admins[0], StepResultArgs(case, "licence", "returned", "住所证明不清晰")))
    assert read_step(gc.read, case, "licence").state == "returned"  # type: ignore[union-attr]
    refused(setup.send(gc.admins[2], ResubmitArgs(case, "licence")), "not_department")
    ok(setup.send(setup.applicant_key, ResubmitArgs(case, "licence", "已补正")))
    assert read_step(gc.read, case, "licence").state == "ready"  # type: ignore[union-attr]
    ok(setup.send(gc.admins[0], StepResultArgs(case, "licence", "rejected", "名称重复")))
    closed = read_case(gc.read, case)
    assert closed is not None
    assert (closed.state, closed.reason) == ("rejected", "名称重复")
    refused(setup.send(gc.admins[0], StepResultArgs(case, "licence", "approved")), "bad_status")


def test_deadlines_are_flagged_once_past_and_extensions_are_interventions_f_d6(
    setup: Setup,
) -> None:
    gc = setup.ac.gc
    case = setup.apply()
    refused(setup.send(gc.admins[3], FlagOverdueArgs(case, "licence")), "not_due")
    ok(setup.send(gc.admins[0], ExtendArgs(case, "licence", 1, "材料待核")))
    assert read_step(gc.read, case, "licence").interventions == 1  # type: ignore[union-attr]
    gc.run(advance_ms=3 * 3_600_000)  # the next block's BFT time is three hours on
    flagged = ok(setup.send(gc.admins[3], FlagOverdueArgs(case, "licence")))
    assert [e.type for e in flagged.events] == ["workflow.overdue"]
    assert read_step(gc.read, case, "licence").overdue  # type: ignore[union-attr]
    refused(setup.send(gc.admins[3], FlagOverdueArgs(case, "licence")), "bad_status")


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [
                _step("a", "L-001", [], [TYPE_CODE], []),
                _step("b", "S-001", ["a", "c"], [SEAL], []),
                _step("c", "B-001", ["b"], [BANK], []),
            ],
            "cycle",
        ),
        ([_step("a", "X-404", [], [TYPE_CODE], [])], "no matter X-404"),
        (
            [_step("a", "L-001", [], [TYPE_CODE], []), _step("b", "S-001", ["a"], [TYPE_CODE], [])],
            TYPE_CODE,
        ),
        ([_step("a", "L-001", [], [TYPE_CODE], [SEAL])], SEAL),
    ],
)
def test_invalid_processes_are_refused_naming_the_problem_f_d4(
    setup: Setup, steps: list[dict], message: str
) -> None:
    gc = setup.ac.gc
    reason = refused(
        setup.send(gc.admins[0], ProcessPublishArgs("bad", "bad", tuple(steps))), "bad_process"
    )
    assert message in reason
    assert read_process(gc.read, "bad") is None


def test_governance_publishes_a_process_for_a_member_f_d4(setup: Setup) -> None:
    """``gov propose process.publish --set owner=CODE --set definition=FILE``, parsed as the CLI
    parses it, passes by vote; the named member owns the process."""
    from govchain.cli.gov_cmd import parse_action_args
    from tests.unit.contracts.governed_chain import decided

    gc = setup.ac.gc
    path = setup.tmp / "voted.toml"
    path.write_text(
        'code = "voted"\nname = "表决的流程"\n\n[steps.licence]\nmatter = "L-001"\n'
        f'after = []\ninputs = []\noutputs = ["{TYPE_CODE}"]\ntime_limit_minutes = 24\n',
        encoding="utf-8",
    )
    args = parse_action_args("process.publish", [f"owner={gc.codes[2]}", f"definition={path}"])
    proposal = gc.propose(0, "process.publish", args)
    assert "executed" in [decided(gc.vote(voter, proposal)) for voter in range(4)]
    process = read_process(gc.read, "voted")
    assert process is not None
    assert (process.owner, process.order) == (gc.codes[2], ("licence",))
    refused(setup.send(gc.admins[0], ProcessPublishArgs("voted", "x", process.steps)), "type_owned")
