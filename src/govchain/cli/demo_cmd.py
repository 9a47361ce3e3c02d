"""``govchain demo``: the systems and runs that show enterprise setup on one machine (issue 18).

``demo department`` serves one made-up department system over HTTP (JSON),
as an adapter sees a real one from outside (docs/spec/workflow.md,
"Department systems (demo)"). More demo commands join this ``app``.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import typer

from govchain.cli.console import fail, reports_errors
from govchain.demo import KINDS, DepartmentConfig, DepartmentSystem, start_department_server
from govchain.demo.department import MAX_DELAY_MS, rate_to_basis_points

app = typer.Typer(
    help="Demo systems and runs: enterprise setup on one machine.", no_args_is_help=True
)


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@app.command("department")
@reports_errors
def department(
    kind: str = typer.Option(..., "--kind", help=f"The department: {'|'.join(KINDS)}."),
    port: int = typer.Option(..., "--port", min=0, max=65535, help="Port; 0 picks a free one."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    delay_ms: int = typer.Option(
        0, "--delay-ms", min=0, max=MAX_DELAY_MS, help="Wait this long before each answer."
    ),
    reject_rate: float = typer.Option(
        0.0, "--reject-rate", min=0.0, max=1.0, help="Share of steps rejected (0 to 1)."
    ),
    return_rate: float = typer.Option(
        0.0,
        "--return-rate",
        min=0.0,
        max=1.0,
        help="Share of first attempts returned for correction (0 to 1).",
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, help="Seed of which steps are rejected and of the numbers issued."
    ),
) -> None:
    """Serve a demo department system (POST /v1/cases, GET /v1/health) until SIGTERM or Ctrl-C.

    Each case step gets an answer: approved with the fields of the
    department's output asset (examples/asset-types), rejected, or returned
    for correction (a form that lacks what the output needs is returned,
    naming the field). With "callback" in the request the answer is 202 and
    the same JSON is POSTed to that URL later. Which steps are rejected or
    returned follows a hash of --seed, case and step; a repeated request
    gets the first answer again. The first line printed is the system's
    URL; then one line per request (no personal data). Demo data only.
    """
    if kind not in KINDS:
        fail(f"--kind {kind}: expected one of {'|'.join(KINDS)}")
    config = DepartmentConfig(
        kind=kind,
        seed=seed,
        reject_bp=rate_to_basis_points(reject_rate),
        return_bp=rate_to_basis_points(return_rate),
        delay_ms=delay_ms,
    )
    system = DepartmentSystem(config)
    try:
        server = start_department_server(system, host, port, _print_line)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        _print_line(f"demo department {kind} ({config.department}): {server.url}")
        while not stop.wait(1.0):
            pass
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _print_line(f"demo department {kind} stopped")
