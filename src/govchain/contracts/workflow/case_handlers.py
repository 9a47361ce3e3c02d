"""Handlers of cases: acceptance, step results, resubmission, deadlines (F-D5, F-D6).

docs/spec/workflow.md. A case runs the steps of its process version in the
order the graph fixes: a step is ready when every step it waits for is
done; each result is a signed tx of the step's department; a result by
another account than the department's adapter is a manual intervention.
Deadlines are BFT times; ``workflow.flag_overdue`` marks a step overdue in
the first block whose time is past its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from govchain.contracts.assets.state import read_asset, read_locker
from govchain.contracts.state_lists import append_to_list
from govchain.contracts.workflow import stats
from govchain.contracts.workflow.case_grants import (
    attach_grants,
    material_needs,
    output_needs,
    revoke_case_grants,
)
from govchain.contracts.workflow.graph import StepDef, ready_after
from govchain.contracts.workflow.handlers import member_account, refuse
from govchain.contracts.workflow.records import Case, Process, StepState, TimelineEntry
from govchain.contracts.workflow.state import (
    CASES,
    case_key,
    read_adapter,
    read_case,
    read_matter,
    read_process,
    read_step,
    step_key,
    timeline,
)
from govchain.contracts.workflow.txs import (
    ApplyArgs,
    ExtendArgs,
    FlagOverdueArgs,
    ResubmitArgs,
    StepResultArgs,
)
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Handler, TxContext
from govchain.ledger import records
from govchain.types import Tx

__all__ = [
    "MINUTE_MS",
    "apply_handler",
    "extend_handler",
    "flag_overdue_handler",
    "resubmit_handler",
    "step_result_handler",
]

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class _Open:
    """An open case with its process's step definitions."""

    case: Case
    steps: tuple[StepDef, ...]

    def step(self, step_id: str) -> StepDef:
        found = [s for s in self.steps if s.id == step_id]
        if not found:
            raise refuse("not_found", f"the case's process has no step {step_id!r}")
        return found[0]


def _open_case(ctx: TxContext, case_id: bytes) -> _Open:
    case = read_case(ctx.get, case_id)
    if case is None:
        raise refuse("not_found", f"no case {case_id.hex()}")
    if case.state != "open":
        raise refuse("bad_status", f"case {case_id.hex()} is {case.state}")
    process = read_process(ctx.get, case.process, case.version)
    assert process is not None, "a case's process version exists"
    return _Open(case, _steps(process))


def _steps(process: Process) -> tuple[StepDef, ...]:
    return tuple(StepDef.from_cbor(step) for step in process.steps)


def _log(ctx: TxContext, case_id: bytes, step: str, action: str, by: bytes, manual: bool,
         reason: str = "") -> None:  # fmt: skip
    entry = TimelineEntry(step, action, by, manual, ctx.time, ctx.height, ctx.tx_hash, reason)
    append_to_list(ctx.get, ctx.put, timeline(case_id), entry.encode())


def _make_ready(ctx: TxContext, state: StepState, definition: StepDef, by: bytes) -> None:
    stats.count_ready(ctx, state)
    ready = replace(
        state, state="ready", ready_at=ctx.time,
        deadline=ctx.time + definition.time_limit_minutes * MINUTE_MS, reason="",
    )  # fmt: skip
    ctx.put(step_key(state.case, state.step), ready.encode())
    _log(ctx, state.case, state.step, "ready", by, False)
    ctx.emit("workflow.step_ready", case=state.case, step=state.step, department=state.department)


def apply_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.apply`` (综合受理): open a case, make its first steps ready."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ApplyArgs.from_args(tx.args)
        window = member_account(suite, ctx, tx)
        process = read_process(ctx.get, args.process)
        if process is None:
            raise refuse("not_found", f"no process {args.process}")
        if read_locker(ctx.get, args.applicant) is None:
            raise refuse("invalid_args", "applicant: an account with a locker receives the outputs")
        for content_id in args.materials:
            asset = read_asset(ctx.get, content_id)
            if asset is None or asset.status != "valid" or asset.holder != args.applicant:
                raise refuse(
                    "invalid_args",
                    f"material {content_id.hex()} is no valid asset of the applicant",
                )
        case = Case(
            ctx.tx_hash[:16], process.code, process.version, args.applicant, window.address,
            dict(args.form), args.materials, "open", ctx.time, 0, "", ctx.height,
        )  # fmt: skip
        case.validate()
        ctx.put(case_key(case.id), case.encode())
        append_to_list(ctx.get, ctx.put, CASES, case.id)
        ctx.emit("workflow.case_opened", case=case.id, applicant=args.applicant)
        _log(ctx, case.id, "", "opened", window.address, False)
        steps = _steps(process)
        for definition in steps:
            matter = read_matter(ctx.get, definition.matter)
            assert matter is not None, "a published process's matters exist"
            state = StepState(case.id, definition.id, matter.department, "waiting", 0, 0, 0, (),
                              False, 0, 0, "")  # fmt: skip
            ctx.put(step_key(case.id, definition.id), state.encode())
        attach_grants(ctx, case, args.grants, frozenset(args.materials), material_needs(ctx, steps))
        for definition in steps:
            if not definition.after:
                first = read_step(ctx.get, case.id, definition.id)
                assert first is not None, "written above"
                _make_ready(ctx, first, definition, window.address)

    return handle


def _check_outputs(ctx: TxContext, opened: _Open, definition: StepDef, department: str,
                   outputs: tuple[bytes, ...]) -> None:  # fmt: skip
    made: list[str] = []
    for content_id in outputs:
        asset = read_asset(ctx.get, content_id)
        if (
            asset is None or asset.status != "valid" or asset.holder != opened.case.applicant
            or asset.issuer != department or asset.type not in definition.outputs
        ):  # fmt: skip
            raise refuse("bad_output", f"output {content_id.hex()} is no valid asset of this step")
        made.append(asset.type)
    missing = sorted(set(definition.outputs) - set(made))
    if missing:
        raise refuse("bad_output", f"step {definition.id} must issue {missing}")


def step_result_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.step_result``: approved, rejected or returned."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = StepResultArgs.from_args(tx.args)
        opened = _open_case(ctx, args.case)
        definition = opened.step(args.step)
        state = read_step(ctx.get, args.case, args.step)
        assert state is not None, "every step of a case has a state"
        sender = member_account(suite, ctx, tx)
        if sender.org != state.department:
            raise refuse("not_department", f"step {args.step} belongs to {state.department}")
        if state.state != "ready":
            raise refuse("bad_status", f"step {args.step} is {state.state}")
        manual = sender.address != read_adapter(ctx.get, state.department)
        if manual:
            state = replace(state, interventions=state.interventions + 1)
            stats.count_intervention(ctx, state)
            ctx.emit("workflow.intervention", case=args.case, step=args.step, by=sender.address,
                     reason=args.reason)  # fmt: skip
        if args.outcome == "approved":
            _check_outputs(ctx, opened, definition, state.department, args.outputs)
            state = replace(state, state="done", done_at=ctx.time, outputs=args.outputs)
        elif args.outcome == "rejected":
            state = replace(state, state="rejected", done_at=ctx.time, reason=args.reason)
        else:
            state = replace(
                state, state="returned", attempts=state.attempts + 1, reason=args.reason
            )
        ctx.put(step_key(args.case, args.step), state.encode())
        stats.count_result(ctx, state, args.outcome)
        _log(ctx, args.case, args.step, args.outcome, sender.address, manual, args.reason)
        ctx.emit("workflow.step_done", case=args.case, step=args.step, outcome=args.outcome,
                 manual=manual)  # fmt: skip
        if args.outcome == "approved":
            needs = output_needs(ctx, opened.steps, definition)
            attach_grants(ctx, opened.case, args.grants, frozenset(args.outputs), needs)
        elif args.grants:
            raise refuse("invalid_args", "grants: only an approved result shares its outputs")
        if args.outcome == "rejected":
            _close(ctx, opened, "rejected", args.reason)
        elif args.outcome == "approved":
            _advance(ctx, opened, sender.address)

    return handle


def _advance(ctx: TxContext, opened: _Open, by: bytes) -> None:
    states = {s.id: read_step(ctx.get, opened.case.id, s.id) for s in opened.steps}
    done = frozenset(step for step, state in states.items() if state and state.state == "done")
    if len(done) == len(opened.steps):
        _close(ctx, opened, "completed", "")
        return
    for step_id in ready_after(opened.steps, done):
        state = states[step_id]
        if state is not None and state.state == "waiting":
            _make_ready(ctx, state, opened.step(step_id), by)


def _close(ctx: TxContext, opened: _Open, state: str, reason: str) -> None:
    case = opened.case
    ctx.put(case_key(case.id), replace(case, state=state, closed=ctx.time, reason=reason).encode())
    revoke_case_grants(ctx, case, opened.steps)
    ctx.emit("workflow.case_closed", case=case.id, state=state)


def resubmit_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.resubmit``: the applicant (or the window) answers a return."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ResubmitArgs.from_args(tx.args)
        opened = _open_case(ctx, args.case)
        sender = records.address_of(suite, tx.sender)
        if sender not in (opened.case.applicant, opened.case.window):
            raise refuse("not_department", "the applicant or the accepting window resubmits")
        state = read_step(ctx.get, args.case, args.step)
        if state is None or state.state != "returned":
            raise refuse("bad_status", f"step {args.step} was not returned")
        _log(ctx, args.case, args.step, "resubmitted", sender, False, args.reason)
        _make_ready(ctx, state, opened.step(args.step), sender)

    return handle


def extend_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.extend``: a department admin moves a deadline (flagged)."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = ExtendArgs.from_args(tx.args)
        _open_case(ctx, args.case)
        sender = member_account(suite, ctx, tx)
        state = read_step(ctx.get, args.case, args.step)
        if state is None or sender.org != state.department or "admin" not in sender.roles:
            raise refuse("not_department", "an admin of the step's department extends it")
        if state.state != "ready" or not args.reason.strip() or args.minutes < 1:
            raise refuse("invalid_args", "a ready step, 1..525600 minutes and a reason")
        extended = replace(
            state, deadline=state.deadline + args.minutes * MINUTE_MS,
            interventions=state.interventions + 1,
        )  # fmt: skip
        ctx.put(step_key(args.case, args.step), extended.encode())
        stats.count_intervention(ctx, extended)
        _log(ctx, args.case, args.step, "extended", sender.address, True, args.reason)
        ctx.emit("workflow.intervention", case=args.case, step=args.step, by=sender.address,
                 reason=args.reason)  # fmt: skip

    return handle


def flag_overdue_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``workflow.flag_overdue``: by anyone, once the deadline has passed."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = FlagOverdueArgs.from_args(tx.args)
        _open_case(ctx, args.case)
        state = read_step(ctx.get, args.case, args.step)
        if state is None or state.state not in ("ready", "returned") or state.overdue:
            raise refuse("bad_status", f"step {args.step} cannot be flagged now")
        if ctx.time <= state.deadline:
            raise refuse("not_due", f"step {args.step} is due at {state.deadline} (BFT ms)")
        ctx.put(step_key(args.case, args.step), replace(state, overdue=True).encode())
        stats.count_overdue(ctx, state)
        _log(ctx, args.case, args.step, "overdue", records.address_of(suite, tx.sender), False)
        ctx.emit("workflow.overdue", case=args.case, step=args.step)

    return handle
