"""Running a compiler: bounded output and time, its first lines on failure."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from govchain.contract_build.errors import CompileFailedError

__all__ = ["COMPILE_TIMEOUT_SECONDS", "run_compiler"]

COMPILE_TIMEOUT_SECONDS = 600
"""A compiler that runs longer than this is stopped."""
FIRST_LINES = 12
"""How many lines of a compiler's output a failure shows."""
MAX_LINE_CHARS = 300


def first_lines(output: str) -> str:
    """The first meaningful lines of a compiler's output, joined with `` | ``."""
    lines = [line.rstrip()[:MAX_LINE_CHARS] for line in output.splitlines() if line.strip()]
    return " | ".join(lines[:FIRST_LINES]) or "no output"


def run_compiler(
    what: str, command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None
) -> None:
    """Run ``command`` in ``cwd``; raise :class:`CompileFailedError` naming ``what`` on failure."""
    try:
        done = subprocess.run(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=COMPILE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CompileFailedError(
            f"{what} took longer than {COMPILE_TIMEOUT_SECONDS} s and was stopped"
        ) from exc
    except OSError as exc:
        raise CompileFailedError(f"{what} could not start: {exc.strerror}") from exc
    if done.returncode != 0:
        raise CompileFailedError(
            f"{what} failed (exit {done.returncode}): {first_lines(done.stderr + done.stdout)}"
        )
