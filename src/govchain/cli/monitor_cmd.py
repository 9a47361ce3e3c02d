"""``govchain monitor``: health rules and alerts over the nodes' API (F-E3;
docs/spec/monitoring.md)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

import typer
from prometheus_client import CollectorRegistry, start_http_server
from rich.table import Table

from govchain.cli.console import console, fail, reports_errors
from govchain.cli.node_access import ca_bundle_option, nodes_option
from govchain.cli.until_signalled import until_signalled
from govchain.client.endpoints import node_urls
from govchain.monitor.config import MonitorConfig, load_config
from govchain.monitor.metrics import MonitorMetrics
from govchain.monitor.rules import RULES
from govchain.monitor.runner import Monitor, MonitorOptions, run_monitor

__all__ = ["app"]

app = typer.Typer(help="Watch the network's health: rules, alerts, Prometheus metrics (F-E3).")

POLL_S_MAX = 3600.0
_CONFIG_HELP = "A monitor.toml with [thresholds], [rules] disabled and [certificates] files."
alerts_log = logging.getLogger("govchain.monitor.alerts")


@app.command("run")
@reports_errors
def run(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    config: Path | None = typer.Option(None, "--config", help=_CONFIG_HELP),
    state_dir: Path | None = typer.Option(
        None,
        "--state-dir",
        help="Keep the alerts in DIR/alerts.sqlite and the followed height and series in "
        "DIR/monitor.json, and resume from them; without it both live in memory only.",
    ),
    webhook: str | None = typer.Option(
        None, "--webhook", help="POST each alert start and end as JSON to this http(s) URL."
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Serve the monitor's Prometheus metrics on 127.0.0.1:PORT."
    ),
    poll_s: float = typer.Option(5.0, "--poll-s", help="Seconds between polls (0.2..3600)."),
) -> None:
    """Poll every node, evaluate the health rules, and raise and end alerts.

    Each --node URL is watched on its own (each may be a comma list). An
    alert starts when a rule fires for a subject (a node, a validator, a
    certificate, a case/step) and ends when it clears; one is open per rule
    and subject. Alerts go to stderr (one line each), DIR/alerts.sqlite and
    the --webhook. Runs until Ctrl-C or SIGTERM.
    """
    if not 0.2 <= poll_s <= POLL_S_MAX:
        fail(f"--poll-s {poll_s}: expected 0.2..{POLL_S_MAX:g} seconds")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        fail(f"--webhook {webhook!r}: expected an http:// or https:// URL")
    if metrics_port is not None and not 1 <= metrics_port <= 65535:
        fail(f"--metrics-port {metrics_port}: expected 1..65535")
    urls = node_urls(nodes)
    options = MonitorOptions(tuple(urls), load_config(config), state_dir, ca_bundle, webhook)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per read
    registry = CollectorRegistry()
    monitor = Monitor(options, MonitorMetrics(registry), alerts_log.warning)
    try:
        if metrics_port is not None:
            start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
        started = (
            f"monitoring {len(urls)} nodes, {len(monitor.book.open)} alerts open"
            + ("" if metrics_port is None else f", metrics on 127.0.0.1:{metrics_port}")
            + "; Ctrl-C stops"
        )
        asyncio.run(
            until_signalled(
                lambda stop: run_monitor(monitor, poll_s, stop),
                lambda: console.print(started, highlight=False, soft_wrap=True),
            )
        )
    finally:
        monitor.close()
    console.print("stopped", highlight=False)


@app.command("rules")
@reports_errors
def rules(
    config: Path | None = typer.Option(None, "--config", help=_CONFIG_HELP),
    as_json: bool = typer.Option(False, "--json", help="One JSON list instead of a table."),
) -> None:
    """The health rules, each with its threshold key and the value in force."""
    found: MonitorConfig = load_config(config)
    values = found.thresholds.as_dict()
    disabled = found.thresholds.disabled
    listed = [
        {
            "id": rule.id, "severity": rule.severity, "reads": rule.reads, "key": rule.key,
            "threshold": values[rule.key], "enabled": rule.id not in disabled,
            "fires": rule.fires, "clears": rule.clears,
        }
        for rule in RULES
    ]  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(listed, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for column in ("rule", "severity", "key", "threshold", "on"):
        table.add_column(column, no_wrap=True)
    table.add_column("fires when")
    for item in listed:
        table.add_row(
            str(item["id"]), str(item["severity"]), str(item["key"]), str(item["threshold"]),
            "yes" if item["enabled"] else "no", str(item["fires"]),
        )  # fmt: skip
    console.print(table)
