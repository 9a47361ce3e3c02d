"""Shared CLI plumbing: one-line errors with exit code 1, password files, Rich output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from govchain.codec import CodecError
from govchain.types.errors import GovChainError

__all__ = ["console", "fail", "print_json", "read_password", "reports_errors"]

console = Console()
_errors = Console(stderr=True)
_P = ParamSpec("_P")
_R = TypeVar("_R")


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
