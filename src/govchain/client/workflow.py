"""SDK of service ``workflow``: matters, processes, cases and step results (docs/spec/workflow.md).

Each call builds and signs its tx, submits it and waits for the commit,
raising :class:`WorkflowRefusedError` with the chain's error code when it
is refused; reads answer the route's JSON (the case with its state fact).
"""

from __future__ import annotations

from typing import Any

from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt, submit_built
from govchain.contracts.workflow import (
    AdapterSetArgs,
    ApplyArgs,
    MatterDefineArgs,
    ProcessPublishArgs,
    ResubmitArgs,
    StepResultArgs,
    workflow_tx,
)
from govchain.crypto import SigningKey
from govchain.types import Receipt
from govchain.types.errors import GovChainError

__all__ = ["WorkflowClient", "WorkflowRefusedError"]

COMMIT_TIMEOUT_S = 60.0


class WorkflowRefusedError(GovChainError):
    """The chain refused a workflow tx; ``code`` is the refusal's error code."""

    code = "refused"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class WorkflowClient:
    """One account's use of the workflow service through a node."""

    def __init__(self, node: NodeClient, key: SigningKey) -> None:
        self.node = node
        self.key = key

    def send(self, args: Any) -> Receipt:
        """Submit a workflow tx and wait for its commit; WorkflowRefusedError if it failed."""
        _, tx_hash = submit_built(
            self.node,
            self.key.suite_name,
            lambda chain, nonce, expiry: workflow_tx(self.key, chain, args, nonce, expiry),
        )
        receipt = committed_receipt(self.node, tx_hash, COMMIT_TIMEOUT_S)
        if receipt.status != 0:
            code, _, _ = receipt.error.partition(": ")
            raise WorkflowRefusedError(code, receipt.error)
        return receipt

    def define_matter(self, args: MatterDefineArgs) -> Receipt:
        """Define a matter (or a new version of one the sender's member owns)."""
        return self.send(args)

    def publish(self, definition: dict[str, Any]) -> int:
        """Publish a process from its args map (``client.process_files``); its version."""
        args = ProcessPublishArgs(
            str(definition["code"]), str(definition["name"]), tuple(definition["steps"])
        )
        receipt = self.send(args)
        [event] = [e.attributes for e in receipt.events if e.type == "workflow.process_published"]
        return int(str(event["version"]))

    def set_adapter(self, department: str, adapter: bytes) -> Receipt:
        """Name the account whose step results are not manual interventions."""
        return self.send(AdapterSetArgs(department, adapter))

    def apply(
        self,
        process: str,
        applicant: bytes,
        form: dict[str, Any],
        materials: tuple[bytes, ...] = (),
        grants: tuple[bytes, ...] = (),
    ) -> bytes:
        """Open a case (综合受理) for ``applicant`` with the materials and their grants
        (``client.case_grants.authorize_case``); the case id."""
        receipt = self.send(ApplyArgs(process, applicant, form, materials, grants))
        return receipt.tx_hash[:16]

    def result(
        self,
        case: bytes,
        step: str,
        outcome: str,
        reason: str = "",
        outputs: tuple[bytes, ...] = (),
        grants: tuple[bytes, ...] = (),
    ) -> Receipt:
        """Submit a step's result: approved (with its outputs and the grants sharing them
        with the steps that read them), rejected or returned."""
        return self.send(StepResultArgs(case, step, outcome, reason, outputs, grants))

    def resubmit(self, case: bytes, step: str, reason: str = "") -> Receipt:
        """Answer a returned step: it is ready again."""
        return self.send(ResubmitArgs(case, step, reason))

    def case(self, case: bytes) -> dict[str, Any]:
        """``GET /v1/cases/{id}``: the case, its fact, its steps and timeline."""
        return self.node.get_json(f"/v1/cases/{case.hex()}")

    def step(self, case: bytes, step: str) -> dict[str, Any]:
        """``GET /v1/cases/{id}/steps/{step}``: the step and its department's adapter, proven."""
        return self.node.get_json(f"/v1/cases/{case.hex()}/steps/{step}")

    def stats(self, code: str) -> dict[str, Any]:
        """``GET /v1/processes/{code}/stats``: each step's statistics with its fact."""
        return self.node.get_json(f"/v1/processes/{code}/stats")

    def matter(self, code: str) -> dict[str, Any]:
        """``GET /v1/matters/{code}``."""
        return self.node.get_json(f"/v1/matters/{code}")

    def process(self, code: str) -> dict[str, Any]:
        """``GET /v1/processes/{code}``."""
        return self.node.get_json(f"/v1/processes/{code}")
