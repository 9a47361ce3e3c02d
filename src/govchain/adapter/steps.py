"""One ready step, handled by its department's adapter (docs/spec/workflow.md "Department
adapters").

The case and the step are read fresh, their records proven against the
genesis; a step that is no longer ready is left alone. The step's inputs are read through its
case grants (each read a ``grants.use`` usage record) and their fields join
the case's form, so a later step's department gets, say, the licence's
credit code. The department's answer becomes the signed result: an approval
issues the outputs and shares them with the steps that read them first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from govchain.adapter.department import DepartmentSystem
from govchain.adapter.outputs import OutputIssuer, Reader
from govchain.client.grants import GrantClient
from govchain.client.registry import verify_record
from govchain.client.verify import verify_state_fact
from govchain.client.workflow import WorkflowClient, WorkflowRefusedError
from govchain.contracts.workflow.records import Case, StepState
from govchain.contracts.workflow.state import case_key, step_key
from govchain.crypto.envelopes import LockerKey
from govchain.ledger.proofs import StateFact
from govchain.types import Genesis
from govchain.types.errors import ValidationError

__all__ = ["FORM_TEXT_MAX", "SHARE_FOR_MS", "StepHandler"]

log = logging.getLogger("govchain.adapter")

FORM_TEXT_MAX = 4096
"""The longest text field passed on to a department system."""
SHARE_FOR_MS = 30 * 86_400_000
"""How long a shared output's grant lasts at most (the case's close revokes it earlier)."""


@dataclass(frozen=True, slots=True)
class _Shown:
    case: Case
    step: StepState
    definition: dict[str, Any]
    answer: dict[str, Any]


class StepHandler:
    """Handles ready steps of one department."""

    def __init__(
        self,
        workflow: WorkflowClient,
        grants: GrantClient,
        issuer: OutputIssuer,
        locker: LockerKey,
        system: DepartmentSystem,
        department: str,
        genesis: Genesis,
    ) -> None:
        self.workflow = workflow
        self.grants = grants
        self.issuer = issuer
        self.locker = locker
        self.system = system
        self.department = department
        self.genesis = genesis

    def handle(self, case_id: bytes, step_id: str) -> str:
        """Handle the step if it is ready; what happened (``approved``, ``rejected``,
        ``returned``, ``already`` when the chain had the result, ``gone``, ``not ready``)."""
        shown = self._show(case_id, step_id)
        if isinstance(shown, str):
            return shown
        attempt = shown.step.attempts + 1
        form, materials = self._inputs(shown, attempt)
        request = {
            "case": case_id.hex(), "step": step_id, "matter": shown.definition["matter"],
            "applicant": shown.case.applicant.hex(), "form": form, "materials": materials,
            "attempt": attempt,
        }  # fmt: skip
        log.info("case %s step %s: asking the department (attempt %d)", case_id.hex(), step_id,
                 attempt)  # fmt: skip
        answer = self.system.ask(request)
        if answer.outcome != "approved":
            return self._result(case_id, step_id, answer.outcome, answer.reason)
        outputs: list[bytes] = []
        shared: list[bytes] = []
        readers = self._readers(shown)
        types = list(shown.definition["outputs"])
        head = self.workflow.node.latest_block()["header"]
        expires = int(head["time"]) + SHARE_FOR_MS
        for type_code in types:
            fields = answer.output if len(types) == 1 else answer.output.get(type_code, {})
            output = self.issuer.issue(
                case_id, step_id, attempt, shown.case.applicant, type_code, dict(fields)
            )
            outputs.append(output.content_id)
            shared += self.issuer.share(
                case_id, output, type_code, shown.case.applicant, readers, expires
            )
        return self._result(case_id, step_id, "approved", "", tuple(outputs), tuple(shared))

    def _show(self, case_id: bytes, step_id: str) -> _Shown | str:
        """The ready step; else ``gone`` (closed, done, not ours) or ``not ready`` (waiting,
        returned: the node read may lag behind the event)."""
        answer = self.workflow.case(case_id)
        case = self._case(case_id, answer)
        definitions = [d for d in answer["process"]["steps"] if d["id"] == step_id]
        if case.state != "open" or not definitions:
            return "gone"
        step = self._step(case_id, step_id)
        if step.department != self.department or step.state in ("done", "rejected"):
            return "gone"
        if step.state != "ready":
            return "not ready"
        return _Shown(case, step, definitions[0], answer)

    def _step(self, case_id: bytes, step_id: str) -> StepState:
        """The step record, proven against the genesis (it decides whether to issue)."""
        shown = self.workflow.step(case_id, step_id)
        proven = verify_record(
            self.genesis, step_key(case_id, step_id), shown["fact"], shown["step"],
            StepState.from_stored, StepState.to_json,
        )  # fmt: skip
        step: StepState = proven.record
        return step

    def _case(self, case_id: bytes, answer: dict[str, Any]) -> Case:
        fact = StateFact.from_json(answer["fact"])
        value = verify_state_fact(self.genesis, fact, case_key(case_id))
        if value is None:
            raise ValidationError(f"case {case_id.hex()}: the node proves no such case")
        case: Case = Case.from_stored(value)
        return case

    def _inputs(self, shown: _Shown, attempt: int) -> tuple[dict[str, Any], list[str]]:
        """The form to send (the case's, then each input's fields) and the inputs' content ids."""
        form = {k: v for k, v in shown.case.form.items() if _passable(v)}
        materials = []
        purpose = f"case {shown.case.id.hex()} step {shown.step.step} attempt {attempt}"
        for grant_id in shown.step.grants:
            fetched = self.grants.fetch_granted(grant_id, purpose, self.locker)
            form.update({k: v for k, v in fetched.plaintext.fields.items() if _passable(v)})
            materials.append(fetched.asset.content_id.hex())
        return form, materials

    def _readers(self, shown: _Shown) -> list[Reader]:
        """The later steps reading this step's outputs whose departments have adapters."""
        made = set(shown.definition["outputs"])
        adapters: dict[str, str] = shown.answer.get("adapters", {})
        found = []
        for other in shown.answer["process"]["steps"]:
            reads = tuple(sorted(made & set(other["inputs"])))
            if not reads:
                continue
            matter = self.workflow.matter(str(other["matter"]))["record"]
            adapter = adapters.get(str(matter["department"]), "")
            if adapter:
                found.append(Reader(str(other["id"]), str(other["matter"]),
                                    bytes.fromhex(adapter), reads))  # fmt: skip
        return found

    def _result(
        self, case_id: bytes, step_id: str, outcome: str, reason: str,
        outputs: tuple[bytes, ...] = (), grants: tuple[bytes, ...] = (),
    ) -> str:  # fmt: skip
        try:
            self.workflow.result(case_id, step_id, outcome, reason, outputs, grants)
        except WorkflowRefusedError as exc:
            if exc.code == "bad_status":
                log.info("case %s step %s: the chain has its result already", case_id.hex(),
                         step_id)  # fmt: skip
                return "already"
            raise
        log.info("case %s step %s: %s", case_id.hex(), step_id, outcome)
        return outcome


def _passable(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= FORM_TEXT_MAX
    return isinstance(value, bool | int)
