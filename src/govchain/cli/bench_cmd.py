"""``govchain bench``: reproducible performance figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from govchain.bench.assets import PHASES as ASSET_PHASES
from govchain.bench.assets import AssetsSettings, run_assets_bench
from govchain.bench.cluster import ClusterSettings, run_cluster_bench
from govchain.bench.crypto import run_crypto_bench
from govchain.bench.flood import (
    BENCH_READS_PER_S,
    BENCH_SUBMISSIONS_PER_S,
    FLOOD_KINDS,
    FloodSettings,
    run_flood_bench,
)
from govchain.bench.ledger import run_ledger_bench
from govchain.bench.mix import MIX_NAMES
from govchain.bench.sync import SyncSettings, run_sync_bench
from govchain.cli.bench_contracts_cmd import contracts
from govchain.cli.bench_print import (
    count_text,
    met_text,
    ms_text,
    print_cluster,
    stage_spinner,
    validators_text,
)
from govchain.cli.bench_profile_cmd import profile
from govchain.cli.bench_workflow_cmd import workflow
from govchain.cli.console import console, fail, print_json, reports_errors

app = typer.Typer(help="Measure performance; figures, never pass/fail.")
app.command("workflow")(workflow)
app.command("contracts")(contracts)
app.command("profile")(profile)


@app.command("crypto")
@reports_errors
def crypto(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    seconds: float = typer.Option(1.0, "--seconds", min=0.1, max=60, help="Time per figure."),
) -> None:
    """Sign/verify rates (one thread and batched), hash and cipher MB/s, SM2 vs openssl speed."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task("measuring", total=None)
        result = run_crypto_bench(seconds, lambda step: progress.update(task, description=step))
    if json_out:
        print_json(result)
        return
    table = Table(title=f"crypto on {result['machine']['cores']} cores")
    table.add_column("figure")
    for name in ("gm", "intl"):
        table.add_column(f"{name} ({result[name]['signature']})", justify="right")
    keys = [k for k in result["gm"] if k != "signature"]
    intl_keys = [k for k in result["intl"] if k != "signature"]
    for gm_key, intl_key in zip(keys, intl_keys, strict=True):
        label = gm_key if gm_key == intl_key else f"{gm_key} / {intl_key}"
        table.add_row(label, f"{result['gm'][gm_key]:,}", f"{result['intl'][intl_key]:,}")
    console.print(table)
    console.print(
        f"SM2 verify: ours {result['gm']['verify_per_s']:,}/s, openssl speed "
        f"{result['openssl_sm2_verify_per_s']}/s, ratio {result['sm2_verify_ratio_to_openssl']}"
        f" (target >= {result['targets']['sm2_verify_ratio_to_openssl']})"
    )


@app.command("ledger")
@reports_errors
def ledger(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    suite: str = typer.Option("gm", "--suite", help="gm or intl."),
    sizes: str = typer.Option("10000,100000,1000000", "--sizes", help="State tree sizes (keys)."),
    blocks: int = typer.Option(5, "--blocks", min=1, help="1,000-tx blocks to time (median)."),
) -> None:
    """State tree writes/s and proofs/s by size; 1,000-tx block commit vs signature checks."""
    try:
        counts = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        fail(f"--sizes: expected comma-separated key counts, got {sizes!r}")
    if not counts or min(counts) < 1:
        fail("--sizes: give at least one positive key count")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task("measuring", total=None)
        result = run_ledger_bench(
            counts, suite, lambda step: progress.update(task, description=step), blocks
        )
    if json_out:
        print_json(result)
        return
    table = Table(title=f"state tree ({suite})")
    for column in ("keys", "writes/s", "proofs/s"):
        table.add_column(column, justify="right")
    for size, figures in result["state_tree"].items():
        table.add_row(
            f"{int(size):,}", f"{figures['writes_per_s']:,}", f"{figures['proofs_per_s']:,}"
        )
    console.print(table)
    console.print(
        f"1,000-tx block, median of {result['blocks']}: apply and commit "
        f"{result['block_commit_ms']} ms (proposer adds {result['block_propose_ms']} ms); "
        f"1,000 signature checks {result['verify_1000_ms']} ms; "
        f"ratio {result['commit_to_verify_ratio']} (target <= 0.5)"
    )


SUITES = ("gm", "intl")


def _check_suite(suite: str) -> None:
    if suite not in SUITES:
        fail(f"--suite: expected one of {', '.join(SUITES)}, got {suite!r}")


# Options cluster and sync share (Typer reads each default as a description, never mutates it).
_VALIDATORS = typer.Option(4, "--validators", min=1, max=16, help="Validator processes.")
_SUITE = typer.Option("gm", "--suite", help="gm or intl.")
_CLIENTS = typer.Option(2, "--clients", min=1, max=16, help="Load client processes.")
_JSON_LAST = typer.Option(False, "--json", help="Print one JSON object.")
_NETWORK_DIR = typer.Option(
    None, "--dir", help="Lay the network out here (kept); default: a temporary directory."
)
_KEEP = typer.Option(False, "--keep", help="Keep the temporary network directory.")


@app.command("cluster")
@reports_errors
def cluster(
    validators: int = _VALIDATORS,
    suite: str = _SUITE,
    duration: float = typer.Option(
        60.0, "--duration", min=5, max=3600, help="Seconds for the rate search and half load."
    ),
    clients: int = _CLIENTS,
    json_out: bool = _JSON_LAST,
    directory: Path | None = _NETWORK_DIR,
    keep: bool = _KEEP,
    results: Path = typer.Option(
        Path("bench-results"), "--results-dir", help="Where the Markdown and PNG go."
    ),
    mix: str = typer.Option(
        "notary",
        "--mix",
        help=f"What the load is: {', '.join(MIX_NAMES)} (docs/performance.md, 'bench cluster').",
    ),
) -> None:
    """Highest tx rate a fresh local network sustains; latency at half of it; CPU and memory."""
    _check_suite(suite)
    if mix not in MIX_NAMES:
        fail(f"--mix: expected one of {', '.join(MIX_NAMES)}, got {mix!r}")
    settings = ClusterSettings(
        validators, suite, duration, clients, directory, keep, results, mix=mix
    )
    with stage_spinner(json_out) as report:
        result = run_cluster_bench(settings, report)
    if json_out:
        print_json(result)
        return
    print_cluster(result)


@app.command("sync")
@reports_errors
def sync(
    validators: int = _VALIDATORS,
    suite: str = _SUITE,
    blocks: int = typer.Option(
        300, "--blocks", min=5, max=100_000, help="Chain height to build first."
    ),
    rate: float = typer.Option(50.0, "--rate", min=1, help="Load (tx/s) while the chain grows."),
    clients: int = _CLIENTS,
    json_out: bool = _JSON_LAST,
    directory: Path | None = _NETWORK_DIR,
    keep: bool = _KEEP,
    results: Path = typer.Option(
        Path("bench-results"), "--results-dir", help="Where the Markdown goes."
    ),
) -> None:
    """How fast a new full node catches up on a chain, against the live commit rate."""
    _check_suite(suite)
    settings = SyncSettings(validators, suite, blocks, rate, clients, directory, keep, results)
    with stage_spinner(json_out) as report:
        result = run_sync_bench(settings, report)
    if json_out:
        print_json(result)
        return
    title = f"bench sync: {validators_text(result['validators'])}, {result['blocks']:,} blocks"
    table = Table(title=f"{title}, {result['txs']:,} txs")
    for column in ("", "blocks/s", "txs/s", "seconds"):
        table.add_column(column, justify="right")
    for label, key in (("live (validators)", "live"), ("catch-up (full node)", "catchup")):
        figures = result[key]
        table.add_row(
            label,
            f"{figures['blocks_per_s']:,}",
            f"{figures['txs_per_s']:,}",
            f"{figures['seconds']:,}",
        )
    console.print(table)
    console.print(
        f"ratio catch-up / live: {result['ratio_txs']} (txs/s), {result['ratio_blocks']} "
        f"(blocks/s); target >= {result['target_ratio']}: {met_text(result['target_met'])}"
    )
    console.print(f"wrote {result['results_files']['markdown']}")


@app.command("api-flood")
@reports_errors
def api_flood(
    validators: int = _VALIDATORS,
    suite: str = _SUITE,
    duration: float = typer.Option(
        30.0, "--duration", min=2, max=3600, help="Seconds of each window, idle and flood."
    ),
    flood: str = typer.Option(
        "both", "--flood", help="What the flood sends: both, reads or batches."
    ),
    reads_per_s: int = typer.Option(
        BENCH_READS_PER_S,
        "--reads-per-s",
        min=0,
        max=10**9,
        help="The flooded node's api.rate_limit.reads_per_s (default: the documented default; "
        "0: none).",
    ),
    submissions_per_s: int = typer.Option(
        BENCH_SUBMISSIONS_PER_S,
        "--submissions-per-s",
        min=0,
        max=10**9,
        help="The flooded node's api.rate_limit.submissions_per_s (default: the documented "
        "default; 0: none).",
    ),
    json_out: bool = _JSON_LAST,
    directory: Path | None = _NETWORK_DIR,
    keep: bool = _KEEP,
    results: Path = typer.Option(
        Path("bench-results"), "--results-dir", help="Where the Markdown goes."
    ),
) -> None:
    """Block rate while one client floods a node's API with reads and batches, against idle."""
    _check_suite(suite)
    if flood not in FLOOD_KINDS:
        fail(f"--flood: expected one of {', '.join(FLOOD_KINDS)}, got {flood!r}")
    settings = FloodSettings(
        validators, suite, duration, flood, reads_per_s, submissions_per_s, directory, keep,
        results,
    )  # fmt: skip
    with stage_spinner(json_out) as report:
        result = run_flood_bench(settings, report)
    if json_out:
        print_json(result)
        return
    _print_flood(result)


def _print_flood(result: dict[str, Any]) -> None:
    validators = validators_text(result["validators"])
    flooded = result["flooded_node"]
    title = f"bench api-flood: {validators}, {result['suite']}, {flooded} flooded"
    table = Table(title=title)
    columns = ("window", "blocks/s", "txs/s", "light p99 ms", f"{flooded} proposing s",
               "others proposing s", "nodes CPU %", "flood CPU %", "machine CPU %")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for name, window in result["windows"].items():
        table.add_row(
            name,
            f"{window['blocks_per_s']:,}",
            f"{window['txs_per_s']:,}",
            ms_text(window["light_load"]["latency_ms_p99"]),
            ms_text(window["block_interval_s_flooded_proposing"]),
            ms_text(window["block_interval_s_others_proposing"]),
            f"{window['nodes_cpu_percent_total']:,}",
            f"{window['flood_client_cpu_percent']:,}",
            f"{window['machine_cpu_percent']:,}",
        )
    console.print(table)
    nodes = Table(title="nodes")
    for column in ("node", "CPU % idle", "CPU % flood", "blocks idle", "blocks flood"):
        nodes.add_column(column, justify="right")
    for node in result["nodes"]:
        nodes.add_row(
            node["name"] + (" (flooded)" if node["flooded"] else ""),
            f"{node['cpu_percent_idle']}",
            f"{node['cpu_percent_flood']}",
            count_text(node["blocks_idle"]),
            count_text(node["blocks_flood"]),
        )
    console.print(nodes)
    statuses = ", ".join(f"{k}: {v:,}" for k, v in result["answers_by_status"].items())
    limits = result["rate_limit"]
    console.print(
        f"flood: {result['requests']:,} requests ({result['requests_per_s']:,}/s) from "
        f"{result['flood_client']['source']}; answers {statuses or 'none'}; "
        f"429 share {result['share_429']}; no answer {result['no_answer']:,}; latency p50 "
        f"{ms_text(result['latency_ms_p50'])} ms, p99 {ms_text(result['latency_ms_p99'])} ms"
    )
    console.print(
        f"rate limits ({limits['values']}): reads {limits['reads_per_s']:,}/s, submissions "
        f"{limits['submissions_per_s']:,} txs/s, burst {limits['burst_s']} s"
    )
    console.print(
        f"block_rate_ratio {result['block_rate_ratio']} = flood {result['flood_blocks_per_s']} "
        f"/ idle {result['idle_blocks_per_s']} blocks/s (goal >= {result['target_ratio']}: "
        f"{met_text(result['target_met'])}); {result['cores']} cores"
    )
    console.print(f"wrote {result['results_files']['markdown']}")


@app.command("assets")
@reports_errors
def assets(
    validators: int = _VALIDATORS,
    storage_nodes: int = typer.Option(
        2, "--storage-nodes", min=1, max=16, help="Storage node processes."
    ),
    copies: int = typer.Option(2, "--copies", min=1, max=8, help="Storage nodes each blob is on."),
    suite: str = _SUITE,
    clients: int = typer.Option(
        4, "--clients", min=1, max=16, help="Concurrent SDK clients (threads); holders fetching."
    ),
    count: int = typer.Option(120, "--assets", min=1, max=100_000, help="Assets to issue."),
    document_kib: int = typer.Option(
        16, "--document-kib", min=1, max=16_384, help="Size of each asset's document (KiB)."
    ),
    grants: int = typer.Option(
        60,
        "--grants",
        min=1,
        max=100_000,
        help="Grants to a bank, then its reads through them (one per asset, at most --assets).",
    ),
    codes: int = typer.Option(
        40,
        "--codes",
        min=1,
        max=100_000,
        help="One-use codes, then the bank's reads with them (one per asset, at most --assets).",
    ),
    json_out: bool = _JSON_LAST,
    directory: Path | None = _NETWORK_DIR,
    keep: bool = _KEEP,
) -> None:
    """Assets issued per second (encrypt, store on k storage nodes, commit) and fetched per
    second (read, hash check, decrypt); grants and one-use codes made, and reads through them
    against committed usage records; each against the signature bound."""
    _check_suite(suite)
    settings = AssetsSettings(
        validators, storage_nodes, copies, suite, clients, count, document_kib, directory, keep,
        grants, codes,
    )  # fmt: skip
    with stage_spinner(json_out) as report:
        result = run_assets_bench(settings, report)
    if json_out:
        print_json(result)
        return
    _print_assets(result)


def _print_assets(result: dict[str, Any]) -> None:
    title = (
        f"bench assets: {validators_text(result['validators'])}, {result['storage_nodes']} storage "
        f"nodes x{result['copies']}, {result['suite']}, {result['clients']} clients"
    )
    table = Table(title=title)
    columns = ("phase", "done", "s", "per s", "p50 ms", "p99 ms", "storage p50", "errors",
               "/ bound")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    cpu = Table(title="CPU % of one core while each phase ran")
    for column in ("phase", "validators", "storage nodes", "clients", "machine"):
        cpu.add_column(column, justify="right")
    for phase in ASSET_PHASES:
        figures = result[phase]
        table.add_row(
            phase.replace("_", " "),
            f"{figures['count']:,}",
            f"{figures['seconds']:,}",
            f"{figures['per_s']:,}",
            ms_text(figures["latency_ms_p50"]),
            ms_text(figures["latency_ms_p99"]),
            ms_text(figures["storage_ms_p50"]),
            str(sum(figures["errors"].values())),
            f"{result[f'{phase}_bound_ratio']}",
        )
        cpu.add_row(phase.replace("_", " "), *(f"{v:,}" for v in figures["cpu_percent"].values()))
    console.print(table)
    console.print(cpu)
    console.print(
        f"issue: encrypt, PUT to {result['copies']} storage nodes, submit, committed "
        f"({result['document_kib']} KiB documents); fetch: proven read, envelope, GET with "
        f"hash check, decrypt; locker unlock once per holder, p50 "
        f"{ms_text(result['unlock_ms_p50'])} ms"
    )
    console.print(
        "grant: proven reads, envelope opened and sealed to the bank, committed; code: key "
        "derived (scrypt), committed; grant/code fetch: proven read, usage tx committed, GET "
        "against it with an annotated copy, decrypt (codes: scrypt first)"
    )
    console.print(
        f"usage records on chain {result['usage_records']:,} for {result['reads']:,} reads; "
        f"{result['annotations_verified']:,} annotated copies verified offline"
    )
    console.print(
        f"verify bound {result['verify_bound_tps']:,} tx/s = {result['verify_per_s_per_core']:,}"
        f"/s per core x {result['cores']} cores / {result['validators']} validators"
    )
