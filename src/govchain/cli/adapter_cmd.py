"""``govchain adapter run``: a department adapter (docs/spec/workflow.md "Department adapters")."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from types import FrameType

import typer

from govchain.adapter.department import CallbackInbox, DepartmentSystem
from govchain.adapter.outputs import OutputIssuer
from govchain.adapter.runner import AdapterRunner, Progress
from govchain.adapter.steps import StepHandler
from govchain.cli.asset_options import (
    address_of_text,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.assets import AssetClient
from govchain.client.block_events import BlockEvents, BlockWaiter, node_block_watch
from govchain.client.grants import GrantClient
from govchain.client.locker_keys import read_password_file
from govchain.client.workflow import WorkflowClient
from govchain.contracts.workflow.records import check_credit_code
from govchain.ledger.genesis_file import load_genesis
from govchain.types.errors import ValidationError

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Department adapters: chain <-> department system.")


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        fail(f"--callback-listen {text}: expected HOST:PORT")
    return host, int(port)


@app.command("run")
@reports_errors
def run_command(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    locker_password: Path = typer.Option(
        ..., "--locker-password-file", help="The adapter account's locker password."
    ),
    department: str = typer.Option(..., "--department", help="The department's credit code."),
    endpoint: str = typer.Option(
        ..., "--endpoint", help="The department system's base URL (it serves POST /v1/cases)."
    ),
    genesis: Path = typer.Option(
        ..., "--genesis", help="The chain's genesis.json: every case read is proven against it."
    ),
    state_dir: Path | None = typer.Option(
        None, "--state-dir", help="Keep progress here, to resume after a restart."
    ),
    callback_listen: str | None = typer.Option(
        None, "--callback-listen", help="HOST:PORT to take answers by callback (else in the reply)."
    ),
    workers: int = typer.Option(4, "--workers", min=1, max=32, help="Steps handled at once."),
    poll_s: float = typer.Option(
        1.0,
        "--poll-s",
        min=0.05,
        max=60,
        help="Seconds between polls while the node's /v1/events stream is down or steps wait.",
    ),
) -> None:
    """Follow the chain and handle every ready step of --department.

    Each ready step's inputs are read through the case grants (usage
    records), the step goes to the department system (POST /v1/cases, JSON),
    and its answer becomes the signed workflow.step_result: an approval
    issues the outputs into the applicant's locker and shares them with the
    later steps that read them. The --key account must be the department's
    adapter (workflow.adapter_set) with a locker; else its results count as
    manual interventions. A system that does not answer is tried again with
    backoff; a restart resumes from --state-dir and the chain. It polls the
    chain as soon as the first --node's /v1/events stream announces a block
    (every --poll-s seconds while that stream is down or steps wait). Logs go
    to stderr, without form values or names. Stop with Ctrl-C or SIGTERM.
    """
    try:
        check_credit_code("--department", department)
    except ValidationError as exc:
        fail(str(exc))
    if not endpoint.startswith(("http://", "https://")):
        fail(f"--endpoint {endpoint}: expected an http:// or https:// URL")
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request drowns the rest
    trusted = load_genesis(genesis)
    signer = signer_of(key, key_password)
    password = read_password_file(locker_password)
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    inbox = None if callback_listen is None else CallbackInbox(*_listen(callback_listen))
    system = DepartmentSystem(endpoint, inbox=inbox)
    with (
        node_client(nodes, ca_bundle) as node,
        AssetClient(node, signer, genesis=trusted) as assets,
    ):
        grants = GrantClient(assets)
        locker = assets.unlock(password)
        handler = StepHandler(
            WorkflowClient(node, signer), grants, OutputIssuer(assets, grants, locker), locker,
            system, department, trusted,
        )  # fmt: skip
        runner = AdapterRunner(
            BlockEvents(node),
            handler,
            department,
            Progress(state_dir, trusted.chain_id),
            workers=workers,
        )
        waiter = BlockWaiter(poll_s, node_block_watch(nodes, ca_bundle))

        def on_signal(_signum: int, _frame: FrameType | None) -> None:
            waiter.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        logging.getLogger("govchain.adapter").info(
            "adapter of %s for %s started (from height %d)", department, endpoint,
            runner.progress.scanned,
        )  # fmt: skip
        try:
            runner.run(waiter)
        finally:
            system.close()
            if inbox is not None:
                inbox.close()
    logging.getLogger("govchain.adapter").info("adapter stopped: %s", runner.handled)


@app.command("set")
@reports_errors
def set_command(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    department: str = typer.Option(..., "--department", help="The department's credit code."),
    adapter: str = typer.Option(..., "--adapter", help="The adapter account's address (40 hex)."),
) -> None:
    """As an admin of the department: name its adapter account (workflow.adapter_set).

    Step results by any other account of the department are recorded as
    manual interventions; case grants go to this account."""
    with node_client(nodes, ca_bundle) as node:
        WorkflowClient(node, signer_of(key, key_password)).set_adapter(
            department, address_of_text(adapter, "--adapter")
        )
    console.print(f"the adapter of {department} is {adapter}")
