"""``govchain supervise run``: the supervisor of time limits (F-D6; docs/spec/workflow.md
"Supervision")."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import typer

from govchain.cli.asset_options import address_of_text, key_option, key_password_option, signer_of
from govchain.cli.console import console, fail, reports_errors
from govchain.cli.node_access import ca_bundle_option, nodes_option, untrusted_reason
from govchain.cli.until_signalled import until_signalled
from govchain.client.block_events import BlockWaiter, node_block_watch
from govchain.client.messages import MessageClient
from govchain.client.sdk import NodeClient, UntrustedNodeError
from govchain.client.verify import check_genesis
from govchain.ledger.genesis_file import load_genesis
from govchain.supervisor.follower import Supervisor, run_supervisor
from govchain.supervisor.http_chain import HttpSupervisedChain, alert_poster

__all__ = ["app"]

app = typer.Typer(help="Supervise the time limits of workflow steps (F-D6).")

POLL_S_MAX = 3600.0


def _announce(line: str) -> None:
    """One alert line on stdout, at once (a follower reads it live)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@app.command("run")
@reports_errors
def run(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    genesis: Path = typer.Option(
        ..., "--genesis", help="The chain's genesis.json: every step record read is proven by it."
    ),
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        help="Keep progress (scanned height, open steps) in DIR/supervisor.json and resume from "
        "it; without it the chain is read again from height 1.",
    ),
    poll_s: float = typer.Option(
        1.0,
        "--poll-s",
        help="Seconds between reads while the node's /v1/events stream is down (0.05..3600).",
    ),
    alert_to: list[str] = typer.Option(
        [], "--alert-to", help="An account (40 hex) that gets every alert message (repeat)."
    ),
) -> None:
    """Follow the chain and flag overdue steps; alert on overdue flags and interventions.

    As soon as the latest block's BFT time is past a ready or returned step's
    deadline, it submits workflow.flag_overdue (several supervisors may run:
    the chain flags a step once). On each committed workflow.overdue and
    workflow.intervention it prints one line (kind, case, step, department,
    height) and posts a message from KEY's account to each --alert-to account
    and to the step department's adapter account (each needs a locker). Runs
    until Ctrl-C or SIGTERM. It reads the chain again as soon as the first
    --node's /v1/events stream announces a block; while that stream is down
    or refused, every --poll-s seconds.
    """
    if not 0.05 <= poll_s <= POLL_S_MAX:
        fail(f"--poll-s {poll_s}: expected 0.05..{POLL_S_MAX:g} seconds")
    recipients = [address_of_text(a, "--alert-to") for a in alert_to]
    trusted = load_genesis(genesis)
    check_genesis(trusted)
    signer = signer_of(key, key_password)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per chain read
    try:
        with (
            NodeClient(nodes, ca_bundle=ca_bundle) as node,
            MessageClient(node, signer, genesis=trusted) as messages,
        ):
            chain = HttpSupervisedChain(node, trusted, signer)
            post = alert_poster(messages, recipients)
            supervisor = Supervisor.resumed(chain, post, _announce, trusted.chain_id, state_dir)
            waiter = BlockWaiter(poll_s, node_block_watch(nodes, ca_bundle))
            started = (
                f"supervising chain {trusted.chain_id} from height {supervisor.scanned + 1}, "
                f"{len(supervisor.open)} open steps; Ctrl-C stops"
            )
            asyncio.run(
                until_signalled(
                    lambda stop: run_supervisor(supervisor, waiter, stop),
                    lambda: console.print(started, highlight=False, soft_wrap=True),
                )
            )
    except UntrustedNodeError as exc:
        fail(untrusted_reason(exc))
    console.print(f"stopped at height {supervisor.scanned}", highlight=False)
