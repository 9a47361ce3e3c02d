"""The chain and the storage nodes as the supervisor uses them, over HTTP.

:class:`HttpSupervisedChain` reads blocks and their txs' receipts from chain
nodes (events are hints), proves each step record and its department's
adapter against the genesis (``GET /v1/cases/{id}/steps/{step}``, two state
facts), and submits ``workflow.flag_overdue`` with the supervisor's key.
:func:`alert_poster` posts an alert from the supervisor's account with the
messages SDK to each ``--alert-to`` account and to the step department's
adapter, under the alert's key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from govchain.client.block_events import BlockEvents
from govchain.client.messages import MessageClient, MessageRefusedError
from govchain.client.sdk import ApiError, NodeClient
from govchain.client.submission import submit_args
from govchain.client.verify import verify_state_fact
from govchain.contracts.workflow import FlagOverdueArgs, workflow_tx
from govchain.contracts.workflow.records import StepState
from govchain.contracts.workflow.state import adapter_key, step_key
from govchain.crypto import SigningKey
from govchain.ledger.proofs import StateFact
from govchain.supervisor.follower import Alert, ChainEvent, DepartmentStep, PostAlert, alert_text
from govchain.types import Genesis
from govchain.types.errors import ProofError, ValidationError

__all__ = ["HttpSupervisedChain", "alert_poster"]

log = logging.getLogger("govchain.supervisor")

_TRANSIENT = ("unavailable", "rate_limited", "chain_unavailable", "busy")
"""Refusals of a message that pass: the alert is posted again on the next poll. Any other
(a recipient without a locker, unknown, a full inbox) is logged and that recipient skipped."""


class HttpSupervisedChain:
    """:class:`~govchain.supervisor.follower.SupervisedChain` over chain nodes' APIs."""

    def __init__(self, node: NodeClient, genesis: Genesis, key: SigningKey) -> None:
        self.node = node
        self.blocks = BlockEvents(node)
        self.genesis = genesis
        self.key = key

    def latest(self) -> tuple[int, int]:
        """The latest block's height and BFT time ((0, 0) before the first block)."""
        head = self.blocks.head()
        return head.height, head.time

    def events_at(self, height: int) -> list[ChainEvent]:
        """The events of the committed txs of block ``height``, in block order."""
        return [ChainEvent(h, kind, attrs) for h, kind, attrs in self.blocks.tx_events_at(height)]

    def step(self, case: bytes, step: str) -> DepartmentStep | None:
        """The step record and its department's adapter, both proven against the genesis."""
        try:
            answer = self.node.get_json(f"/v1/cases/{case.hex()}/steps/{step}")
        except ApiError as exc:
            if exc.code == "not_found":
                return None
            raise
        try:
            raw = verify_state_fact(
                self.genesis, StateFact.from_json(answer.get("fact")), step_key(case, step)
            )
            if raw is None:
                return None
            state = StepState.from_stored(raw)
            adapter = verify_state_fact(
                self.genesis,
                StateFact.from_json(answer.get("adapter_fact")),
                adapter_key(state.department),
            )
        except (ValueError, ValidationError) as exc:
            raise ProofError(f"step {step} of case {case.hex()}: {exc}", "format") from exc
        return DepartmentStep(state, adapter or b"")

    def flag(self, case: bytes, step: str) -> None:
        """Submit ``workflow.flag_overdue`` signed by the supervisor's key."""
        submit_args(self.node, self.key, workflow_tx, FlagOverdueArgs(case, step))


def alert_poster(client: MessageClient, alert_to: Sequence[bytes]) -> PostAlert:
    """Post an alert to each of ``alert_to`` and to the step department's adapter (if set)."""

    def post(alert: Alert) -> None:
        recipients = list(dict.fromkeys([*alert_to, *([alert.adapter] if alert.adapter else [])]))
        body = alert_text(alert).encode("utf-8")
        for to in recipients:
            try:
                client.send(to, body, kind="text", name=f"workflow {alert.kind}", key=alert.key)
            except MessageRefusedError as exc:
                if exc.code in _TRANSIENT:
                    raise
                log.warning("alert %s not posted to %s: %s", alert.key, to.hex(), exc)

    return post
