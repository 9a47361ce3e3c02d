"""Cases of the demo: applied at the window, followed to their end, their outputs verified.

:func:`make_applications` is the one place where the demo applies
(综合受理): the window's account opens one case per applicant. The cases are
then followed through their reads until each is closed; every output in
the applicant's locker is checked against the trusted genesis: the asset
record against its state fact, and the receipt of the tx that issued it
offline, with :func:`govchain.client.verify_tx_receipt` (what ``govchain
verify`` runs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from govchain.client import verify_tx_receipt
from govchain.client.assets import AssetClient, show_asset
from govchain.client.case_grants import CaseAuthority, authorize_case
from govchain.client.grants import GrantClient
from govchain.client.locker_keys import read_password_file
from govchain.client.sdk import NodeClient
from govchain.client.submission import BuildTx, committed_receipt, submit_built
from govchain.client.workflow import WorkflowClient
from govchain.contracts.workflow import ApplyArgs, workflow_tx
from govchain.crypto import SigningKey
from govchain.crypto.keyfiles import read_signing_key
from govchain.enterprise_demo.chain_setup import Applicant, SetupError
from govchain.enterprise_demo.plan import PROCESS_CODE
from govchain.ledger.proofs import TxReceiptBundle
from govchain.types import Genesis, Tx
from govchain.types.errors import GovChainError

__all__ = [
    "Corrections",
    "OutputCheck",
    "application_form",
    "follow_cases",
    "make_applications",
    "verify_output",
]

COMMIT_TIMEOUT_S = 60.0
AUTHORITY_MS = 7 * 86_400_000
"""How long an applicant's authority for its case lasts (the case's close revokes the grants)."""
POLL_S = 0.5
ISSUE_TX_TYPE = "assets.issue"
CLOSED_STATES = ("completed", "rejected")


def application_form(applicant: Applicant) -> dict[str, Any]:
    """The public form of an application: the enterprise's name (a demo name, with 演示)."""
    return {"名称": applicant.name}


def make_applications(
    node: NodeClient, window: SigningKey, applicants: list[Applicant]
) -> list[bytes]:
    """Open one case per applicant at the window (综合受理); the case ids, in order.

    The applications are submitted together, then each commit is waited for;
    SetupError names the applicant whose application was refused.
    """
    sent = []
    for applicant in applicants:
        grants = authorize(node, applicant).grants
        form = application_form(applicant)
        args = ApplyArgs(PROCESS_CODE, applicant.address, form, (), grants)
        _, tx_hash = submit_built(node, window.suite_name, _apply_builder(window, args))
        sent.append((applicant, tx_hash))
    for applicant, tx_hash in sent:
        receipt = committed_receipt(node, tx_hash, COMMIT_TIMEOUT_S)
        if receipt.status != 0:
            raise SetupError(f"application of applicant {applicant.index + 1}: {receipt.error}")
    return [tx_hash[:16] for _, tx_hash in sent]


def authorize(node: NodeClient, applicant: Applicant) -> CaseAuthority:
    """As the applicant: let the departments' adapters read what their steps need (the
    licence department shares the licence with the six later steps)."""
    key = read_signing_key(applicant.key_file)
    head = node.latest_block()["header"]
    with AssetClient(node, key) as assets:
        return authorize_case(
            WorkflowClient(node, key), GrantClient(assets), PROCESS_CODE, (),
            read_password_file(applicant.password_file), int(head["time"]) + AUTHORITY_MS,
        )  # fmt: skip


def _apply_builder(window: SigningKey, args: ApplyArgs) -> BuildTx:
    def build(chain_id: str, nonce: bytes, expiry: int) -> Tx:
        return workflow_tx(window, chain_id, args, nonce, expiry)

    return build


class Corrections:
    """The applicants' side of returned steps: a returned step is corrected and resubmitted
    (补正) by its applicant, once per return."""

    def __init__(self, node: NodeClient, applicants: dict[bytes, Applicant]) -> None:
        self.node = node
        self.applicants = applicants
        self.answered: set[tuple[str, str, int]] = set()

    def answer(self, reads: list[dict[str, Any]]) -> None:
        """Resubmit every returned step of ``reads`` not answered yet."""
        for read in reads:
            for step in read["steps"]:
                key = (str(step["case"]), str(step["step"]), int(step["attempts"]))
                if step["state"] != "returned" or key in self.answered:
                    continue
                case = bytes.fromhex(key[0])
                signer = read_signing_key(self.applicants[case].key_file)
                try:
                    WorkflowClient(self.node, signer).resubmit(case, key[1], "已补正(演示)")
                except GovChainError as exc:
                    raise SetupError(f"resubmitting step {key[1]}: {exc}") from exc
                self.answered.add(key)


def follow_cases(
    node: NodeClient,
    cases: list[bytes],
    timeout_s: float,
    on_progress: Callable[[list[dict[str, Any]]], None],
    check_alive: Callable[[], None],
) -> list[dict[str, Any]]:
    """Read every case until all are closed; their last reads (``GET /v1/cases/{id}``).

    ``on_progress`` gets the reads after each round; ``check_alive`` raises to
    stop following (a child process ended). TimeoutError after ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    reads: dict[bytes, dict[str, Any]] = {}
    while True:
        for case in cases:
            if case not in reads or reads[case]["case"]["state"] not in CLOSED_STATES:
                reads[case] = node.get_json(f"/v1/cases/{case.hex()}")
        current = [reads[case] for case in cases]
        on_progress(current)
        if all(read["case"]["state"] in CLOSED_STATES for read in current):
            return current
        check_alive()
        if time.monotonic() >= deadline:
            open_cases = sum(read["case"]["state"] not in CLOSED_STATES for read in current)
            raise TimeoutError(
                f"{open_cases} of {len(cases)} cases still open after {timeout_s:g} s"
            )
        time.sleep(POLL_S)


@dataclass(frozen=True, slots=True)
class OutputCheck:
    """One output asset checked: verified or the problem found."""

    content_id: str
    verified: bool
    problem: str = ""


def verify_output(
    node: NodeClient, genesis: Genesis, holder: bytes, content_id: str
) -> OutputCheck:
    """Check one output: the asset record against its state fact and the genesis, held by
    ``holder`` and valid; the receipt of its issuing tx verified offline and successful."""
    try:
        asset, answer = show_asset(node, content_id, genesis)
        if asset.holder != holder:
            return OutputCheck(content_id, False, "the asset is not in the applicant's locker")
        if answer.get("status") != "valid":
            return OutputCheck(content_id, False, f"the asset is {answer.get('status')}")
        for item in answer.get("history", []):
            checked = verify_tx_receipt(genesis, TxReceiptBundle.from_json(item["receipt"]))
            if checked.tx_type == ISSUE_TX_TYPE:
                if checked.status != 0:
                    return OutputCheck(content_id, False, "its issuing tx failed")
                return OutputCheck(content_id, True)
    except (GovChainError, KeyError, TypeError, ValueError) as exc:
        return OutputCheck(content_id, False, f"does not verify: {exc}")
    return OutputCheck(content_id, False, "no issuing tx in its history")
