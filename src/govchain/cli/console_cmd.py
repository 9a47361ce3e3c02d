"""``govchain console``: the web console over the nodes, the index and the alerts
(docs/spec/console.md; issue 19 item 6, F-E3, F-D6).

Not to be confused with ``govchain.cli.console``, the terminal output helper.
"""

from __future__ import annotations

import logging
import socket
import sys
from pathlib import Path

import typer
import uvicorn

from govchain.cli.console import console, fail, reports_errors
from govchain.cli.node_access import ca_bundle_option, nodes_option
from govchain.client.endpoints import node_urls
from govchain.client.verify import check_genesis
from govchain.console import (
    AlertReader,
    ChainReader,
    ConsoleSources,
    IndexReader,
    create_app,
)
from govchain.console.app import SIGNING_BUNDLE
from govchain.console.chain_actions import ChainActions
from govchain.console.locker_reader import LockerViewer
from govchain.console.routes_access import ConsoleAccess
from govchain.console.scoped_reads import ScopedReader
from govchain.console.sessions import (
    DEFAULT_SESSION_MINUTES,
    MAX_SESSION_MINUTES,
    SessionStore,
)
from govchain.console.signin import ChallengeStore
from govchain.console.tx_prep import PendingTxStore
from govchain.ledger.genesis_file import load_genesis

__all__ = ["console_command"]

DEFAULT_PORT = 8700


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: any free port) and listening; one line if not."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        fail(f"--host {host} --port {port}: {exc.strerror or exc}")
    return sock


@reports_errors
def console_command(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    db: str = typer.Option(
        ...,
        "--db",
        help="The indexer's database (govchain indexer run --db): sqlite:///PATH or "
        "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE. Lists and series come from it.",
    ),
    alerts: Path | None = typer.Option(
        None,
        "--alerts",
        help="The monitor's STATE_DIR/alerts.sqlite: the overview lists its open alerts.",
    ),
    genesis: Path | None = typer.Option(
        None,
        "--genesis",
        help="The chain's genesis.json: receipts and case timelines are checked offline "
        "against it (without it the pages say no check was made).",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(
        DEFAULT_PORT, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."
    ),
    session_minutes: int = typer.Option(
        DEFAULT_SESSION_MINUTES,
        "--session-minutes",
        min=1,
        max=MAX_SESSION_MINUTES,
        help="How long a sign-in session lasts, in minutes.",
    ),
) -> None:
    """Serve the web console: overview (nodes, height, throughput, open alerts), blocks,
    transactions with the offline check of their receipt, and cases with their timelines.

    Governance (proposals, votes) and isolation (evidence, accounts): a member
    admin signs in with their own key file, read and used in the browser only
    (a signed challenge), and votes or proposes with txs signed there too. A
    regulator reads a case's form or a tx's args in its scope with a purpose,
    recorded on chain as a usage record (shown on the holder's account page).
    Chinese by default; ?lang=en (kept in a cookie) switches to English.
    Reading pages are public: listen on a loopback or internal address, or
    behind https. Runs until Ctrl-C.
    """
    if not SIGNING_BUNDLE.is_file():
        fail(f"the console's browser code is not built ({SIGNING_BUNDLE.name}): run make install")
    urls = node_urls(nodes)
    trusted = None
    if genesis is not None:
        trusted = load_genesis(genesis)
        check_genesis(trusted)
    index = IndexReader(db)
    chain_id = index.check()
    if trusted is not None and chain_id and chain_id != trusted.chain_id:
        fail(f"--db indexes chain {chain_id!r}, the genesis is of {trusted.chain_id!r}")
    alert_reader = None if alerts is None else AlertReader(alerts)
    if alert_reader is not None:
        alert_reader.open_alerts()  # a file that is not the monitor's fails here, in one line
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sock = _listening_socket(host, port)
    bound = sock.getsockname()[1]
    chain = ChainReader(urls, ca_bundle, trusted)
    actions = ChainActions(urls, ca_bundle)
    access = ConsoleAccess(
        actions, ChallengeStore(), SessionStore(session_minutes), PendingTxStore()
    )
    locker = LockerViewer(urls, ca_bundle)
    scoped = ScopedReader(urls, ca_bundle, trusted)
    app = create_app(ConsoleSources(chain, index, alert_reader, locker, scoped), access)
    shown_host = f"[{host}]" if ":" in host else host
    console.print(
        f"console at http://{shown_host}:{bound}/ (chain {chain_id or '(not indexed yet)'}, "
        f"{len(urls)} node(s), index {index.where}, alerts "
        f"{alerts if alerts is not None else 'none'}, offline checks "
        f"{'on' if trusted is not None else 'off (no --genesis)'}); Ctrl-C stops",
        highlight=False,
        soft_wrap=True,
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    try:
        server.run(sockets=[sock])
    finally:
        chain.close()
        actions.close()
        locker.close()
        scoped.close()
        sock.close()
    console.print("console stopped", highlight=False)
