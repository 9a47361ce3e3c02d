"""Shared CLI plumbing: one-line errors with exit code 1, password files, Rich output, times."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from govchain.codec import CodecError
from govchain.types.errors import GovChainError

__all__ = [
    "console",
    "fail",
    "human_time_ms",
    "print_json",
    "read_password",
    "reports_errors",
]

console = Console()
_errors = Console(stderr=True)
_P = ParamSpec("_P")
_R = TypeVar("_R")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def fail(reason: str) -> NoReturn:
    """Print ``error: reason`` on stderr and exit with status 1."""
    _errors.print(f"[bold red]error:[/] {reason}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def reports_errors(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn the errors a user can cause into a one-line reason and exit status 1."""

    @functools.wraps(command)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return command(*args, **kwargs)
        except (GovChainError, CodecError) as exc:
            fail(str(exc))
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            fail(f"{where}{exc.strerror or exc}")

    return run


def read_password(path: Path | None) -> bytes | None:
    """The first line of a password file, or None when no file is given."""
    if path is None:
        return None
    lines = path.read_bytes().splitlines()
    if not lines or not lines[0]:
        fail(f"password file {path} is empty")
    return lines[0]


def print_json(value: Any) -> None:
    """Print one JSON object on stdout (no Rich markup)."""
    typer.echo(json.dumps(value, indent=2, sort_keys=True))


def human_time_ms(ms: int) -> str:
    """A time in milliseconds since the Unix epoch as people read it: ISO 8601 in UTC.

    ``human_time_ms(1796544116123)`` is ``"2026-12-06T08:01:56.123+00:00"``. Every
    command shows times to people this way (UTC, millisecond precision, the zone
    written out), while ``--json`` keeps the integer milliseconds. A value no
    calendar date can show (negative, or past the year 9999: a header may carry any
    64-bit time) is written as ``"<ms> ms since the epoch"`` instead of raising.
    """
    if ms >= 0:
        try:
            return (_EPOCH + dt.timedelta(milliseconds=ms)).isoformat(timespec="milliseconds")
        except OverflowError:
            pass  # past datetime.max: fall through to the plain number
    return f"{ms} ms since the epoch"
