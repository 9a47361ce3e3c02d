"""One run of the enterprise-setup demo, from an empty directory to verified outputs.

Lays out and starts the network (``D/net``), puts the matter list and the
process on chain, starts the seven demo department systems and their
adapters (``govchain adapter run``) as child processes (logs in ``D/logs``),
creates the applicants, applies, follows the cases to their end and verifies
every output. Whatever happens (an error, Ctrl-C), every process the run
started is stopped before it returns or raises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.client.sdk import NodeClient
from govchain.crypto.keyfiles import read_signing_key
from govchain.enterprise_demo.cases import (
    Corrections,
    follow_cases,
    make_applications,
    verify_output,
)
from govchain.enterprise_demo.chain_setup import (
    AdapterAccount,
    create_adapters,
    create_applicants,
    define_matter_list,
    publish_process,
)
from govchain.enterprise_demo.children import (
    ChildFailedError,
    Children,
    adapter_command,
    department_command,
)
from govchain.enterprise_demo.network import lay_out_demo_network, start_network, stop_network
from govchain.enterprise_demo.plan import (
    DEMO_MEMBERS,
    DEMO_STORAGE_NODES,
    DEMO_VALIDATORS,
    DemoOptions,
    examples_dir,
)
from govchain.enterprise_demo.report import CaseOutcome, case_outcome
from govchain.ledger.genesis_file import load_genesis
from govchain.node.netinit import GENESIS_FILE, NetworkLayout

__all__ = ["DemoRun", "Progress", "run_enterprise_setup"]

FOLLOW_BASE_S = 180.0
FOLLOW_PER_CASE_S = 20.0
"""How long the cases may take, in all: a bound for a failure, never a pace."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run reports: each stage as it starts, and the steps done of all cases."""

    stage: Callable[[str], None] = lambda _text: None
    steps: Callable[[int, int], None] = lambda _done, _total: None


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What a run found: each case's outcome and the network it ran on."""

    outcomes: list[CaseOutcome]
    network: dict[str, int]
    directory: Path

    @property
    def department_logs(self) -> list[Path]:
        """The department systems' request logs (one line per answer)."""
        return sorted((self.directory / "logs").glob("department-*.log"))


def run_enterprise_setup(
    directory: Path, options: DemoOptions, progress: Progress | None = None
) -> DemoRun:
    """Run the demo in ``directory`` (new or empty); stop everything started before returning."""
    options.validate()
    report = progress or Progress()
    report.stage("laying out the network")
    layout = lay_out_demo_network(directory / "net")
    children = Children(directory / "logs")
    try:
        report.stage(
            f"starting {DEMO_VALIDATORS} validators and {DEMO_STORAGE_NODES} storage nodes"
        )
        start_network(layout)
        urls = tuple(node.api_url for node in layout.nodes)
        with NodeClient(urls) as node:
            outcomes = _run_cases(node, layout, directory, options, children, report)
    finally:
        report.stage("stopping every process started")
        children.stop_all()
        stop_network(layout)
    network = {
        "validators": DEMO_VALIDATORS,
        "storage_nodes": DEMO_STORAGE_NODES,
        "members": len(DEMO_MEMBERS),
    }
    return DemoRun(outcomes, network, directory)


def _run_cases(
    node: NodeClient,
    layout: NetworkLayout,
    directory: Path,
    options: DemoOptions,
    children: Children,
    report: Progress,
) -> list[CaseOutcome]:
    examples = examples_dir()
    report.stage("defining the asset types and the matter list")
    define_matter_list(node, layout, examples)
    report.stage("publishing the enterprise-setup process")
    publish_process(node, layout, examples)
    report.stage("creating the adapter accounts")
    adapters = create_adapters(node, layout, directory / "adapters")
    report.stage("starting the department systems and their adapters")
    _start_departments(children, layout, adapters, options)
    report.stage(f"creating {options.cases} applicants")
    applicants = create_applicants(node, layout, directory / "applicants", options.cases)
    report.stage(f"applying {options.cases} cases at the window")
    cases = make_applications(node, read_signing_key(layout.client_key), applicants)

    corrections = Corrections(node, dict(zip(cases, applicants, strict=True)))

    def on_reads(reads: list[dict[str, Any]]) -> None:
        steps = [step for read in reads for step in read["steps"]]
        report.steps(sum(step["state"] in ("done", "rejected") for step in steps), len(steps))
        corrections.answer(reads)

    def check_alive() -> None:
        ended = children.ended()
        if ended:
            raise ChildFailedError(f"stopped early: {', '.join(ended)} (see {children.log_dir})")

    report.stage("running the cases")
    timeout = FOLLOW_BASE_S + FOLLOW_PER_CASE_S * options.cases
    reads = follow_cases(node, cases, timeout, on_reads, check_alive)
    report.stage("verifying every output's receipt offline")
    genesis = load_genesis(layout.directory / GENESIS_FILE)
    outcomes = []
    for applicant, read in zip(applicants, reads, strict=True):
        outcome = case_outcome(read)
        checks = [verify_output(node, genesis, applicant.address, cid) for cid in outcome.outputs]
        outcomes.append(case_outcome(read, sum(check.verified for check in checks)))
    return outcomes


def _start_departments(
    children: Children,
    layout: NetworkLayout,
    adapters: list[AdapterAccount],
    options: DemoOptions,
) -> None:
    """Start each department system on a free port, then its adapter pointed at it."""
    system_options = (
        "--delay-ms", str(options.delay_ms), "--reject-rate", str(options.reject_rate),
        "--return-rate", str(options.return_rate), "--seed", str(options.seed),
    )  # fmt: skip
    endpoints = {}
    for adapter in adapters:
        name = f"department-{adapter.kind}"
        children.start(name, department_command(adapter.kind, system_options))
        line = children.first_line(name, f"demo department {adapter.kind} ")
        endpoints[adapter.kind] = line.rsplit(": ", 1)[1].strip()
    urls = tuple(node.api_url for node in layout.nodes)
    for adapter in adapters:
        state_dir = adapter.key_file.parent / "state"
        children.start(
            f"adapter-{adapter.kind}",
            adapter_command(
                urls, adapter.key_file, adapter.password_file, adapter.department,
                endpoints[adapter.kind], state_dir, layout.directory / GENESIS_FILE,
            ),
        )  # fmt: skip
