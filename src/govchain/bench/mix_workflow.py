"""The case kinds of ``bench cluster --mix``: applications and the departments' step results.

F-D3, F-D4, F-D5. Set up once, before anything is timed: a parallel approval
(并联审批) process of ``PARALLEL_STEPS`` steps that all start at acceptance,
each a matter of its own department (the network's members in turn), each
department's adapter account registered and named with
``workflow.adapter_set``, a window account of the first member, and
``APPLICANTS`` applicants (client accounts) with their lockers open. Then,
signed ahead, each independent of the others of its step:

- ``workflow.apply``: the window opens a case for an applicant (round robin)
  with a small form, no materials;
- ``workflow.step_result``: a department's adapter approves one ready step
  of a case opened in the set-up. Each such (case, step) is used once; when
  a step asks for more results than ready steps are left, more cases are
  opened (and waited for) before it, so the set-up follows the load.

The steps read no inputs and issue no outputs: what is measured is the
case bookkeeping of the workflow service (case, step states, statistics,
logs); issuing and granting are the e-licence kinds' (``mix_assets``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from govchain.bench.mix_scene import Account, Made, MixChain
from govchain.contracts.workflow.txs import (
    AdapterSetArgs,
    ApplyArgs,
    MatterDefineArgs,
    ProcessPublishArgs,
    StepResultArgs,
    workflow_tx,
)
from govchain.types import Tx

__all__ = ["WORKFLOW_KINDS", "WorkflowKinds"]

WORKFLOW_KINDS = ("workflow.apply", "workflow.step_result")
APPLICANTS = 16
PARALLEL_STEPS = 3
PROCESS_CODE = "BENCH-MIX-SETUP"
_STEP_NAMES = ("名称核准", "税务登记", "社保登记")
TIME_LIMIT_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class _Department:
    """A step's department: its member index and code, its adapter, its matter and step id."""

    member: int
    code: str
    adapter: Account
    matter: str
    step: str


class WorkflowKinds:
    """The set-up process and accounts, and the makers of the two case kinds."""

    KINDS = WORKFLOW_KINDS

    def __init__(self, chain: MixChain) -> None:
        self._chain = chain
        members = len(chain.member_codes)
        adapters = {
            m: self._adapter(m) for m in sorted({i % members for i in range(PARALLEL_STEPS)})
        }
        self._departments = [
            self._department(i, i % members, adapters[i % members]) for i in range(PARALLEL_STEPS)
        ]
        (self._window,) = chain.register(0, 1, "system", ("client",), "window system")
        applicants = chain.register(0, APPLICANTS, "client", ("client",), "applicants")
        self._applicants = chain.open_lockers(applicants, "applicants")
        self._publish()
        self._applied = 0
        self._ready: list[tuple[bytes, _Department]] = []
        """(case, department) of steps ready in the set-up and not yet given a result."""

    def make(self, kind: str, count: int) -> Made:
        """``count`` signed txs of ``kind`` (one of :data:`WORKFLOW_KINDS`)."""
        if kind == "workflow.apply":
            first, self._applied = self._applied, self._applied + count
            expiry = self._chain.expiry()
            return self._chain.made(count, lambda i: self._apply_tx(first + i, expiry))
        assert kind == "workflow.step_result", f"not a workflow kind: {kind}"
        self._open_cases(count)
        picked, self._ready = self._ready[:count], self._ready[count:]
        expiry, chain_id = self._chain.expiry(), self._chain.chain_id

        def one(index: int) -> Tx:
            case, department = picked[index]
            args = StepResultArgs(case, department.step, "approved", "材料齐全, 准予登记")
            return workflow_tx(department.adapter.key, chain_id, args, os.urandom(16), expiry)

        return self._chain.made(count, one)

    def _adapter(self, member: int) -> Account:
        """The department system's adapter account of member ``member``, named as its adapter."""
        chain = self._chain
        code = chain.member_codes[member]
        (adapter,) = chain.register(member, 1, "system", ("client",), f"adapter of {code}")
        args = AdapterSetArgs(code, adapter.address)
        tx = workflow_tx(chain.admins[member], chain.chain_id, args, os.urandom(16), chain.expiry())
        chain.commit([tx], f"naming the adapter of {code}")
        return adapter

    def _department(self, index: int, member: int, adapter: Account) -> _Department:
        chain = self._chain
        code, matter = chain.member_codes[member], f"BENCH-MIX-{index + 1}"
        chain.progress(f"defining matter {matter} of {code}")
        args = MatterDefineArgs(matter, _STEP_NAMES[index], "行政确认", code, 5, ())
        tx = workflow_tx(chain.admins[member], chain.chain_id, args, os.urandom(16), chain.expiry())
        chain.commit([tx], f"defining matter {matter}")
        return _Department(member, code, adapter, matter, f"s{index + 1}")

    def _publish(self) -> None:
        chain = self._chain
        steps = tuple(
            {"id": d.step, "matter": d.matter, "after": [], "inputs": [], "outputs": [],
             "time_limit_minutes": TIME_LIMIT_MINUTES}
            for d in self._departments
        )  # fmt: skip
        args = ProcessPublishArgs(PROCESS_CODE, "企业开办并联审批 (基准)", steps)
        chain.progress(f"publishing process {PROCESS_CODE} ({len(steps)} parallel steps)")
        tx = workflow_tx(chain.admins[0], chain.chain_id, args, os.urandom(16), chain.expiry())
        chain.commit([tx], "publishing the process")

    def _apply_tx(self, number: int, expiry: int) -> Tx:
        applicant = self._applicants[number % len(self._applicants)]
        form = {"企业名称": f"示例科技有限公司{number:06d}", "注册资本万元": 100 + number % 900}
        args = ApplyArgs(PROCESS_CODE, applicant.address, form)
        return workflow_tx(self._window.key, self._chain.chain_id, args, os.urandom(16), expiry)

    def _open_cases(self, results: int) -> None:
        """Open cases (waited for) until at least ``results`` steps are ready."""
        missing = results - len(self._ready)
        if missing <= 0:
            return
        cases = -(-missing // PARALLEL_STEPS)
        self._chain.progress(f"opening {cases} cases whose steps get results")
        first, self._applied = self._applied, self._applied + cases
        expiry = self._chain.expiry()
        txs = [self._apply_tx(first + i, expiry) for i in range(cases)]
        for receipt in self._chain.commit(txs, "opening cases"):
            self._ready += [(receipt.tx_hash[:16], d) for d in self._departments]
