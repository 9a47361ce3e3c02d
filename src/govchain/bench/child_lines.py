"""The line protocol between a benchmark and its client processes (load and flood clients).

A client process reads one JSON command per line on stdin and writes one
JSON object per line on stdout, each with an ``"event"``; ``{"event":
"error", "message": ...}`` reports why it gave up. These helpers are shared
by both sides: :func:`emit` and :func:`error_code` in the client,
:func:`parse_answer` in the benchmark.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

import httpx

from govchain.types.errors import GovChainError

__all__ = ["emit", "error_code", "parse_answer"]


def emit(out: TextIO, message: dict[str, Any]) -> None:
    """Write ``message`` as one JSON line and flush it."""
    out.write(json.dumps(message, separators=(",", ":")) + "\n")
    out.flush()


def error_code(answer: httpx.Response) -> str:
    """The API's stable error code, or ``http_<status>`` when the body has none."""
    try:
        code = answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"http_{answer.status_code}"
    return str(code)


def parse_answer(
    line: str | None, who: str, log: Path, error: type[GovChainError]
) -> dict[str, Any]:
    """The JSON object a client printed; ``error`` (naming ``who`` and its ``log``) if it
    exited, printed something else, or reported an error."""
    if line is None:
        raise error(f"{who} exited (see {log})")
    try:
        answer = json.loads(line)
    except ValueError:
        raise error(f"{who} printed {line!r} (see {log})") from None
    if not isinstance(answer, dict):
        raise error(f"{who} printed {line!r} (see {log})")
    if answer.get("event") == "error":
        raise error(f"{who}: {answer.get('message')} (see {log})")
    return answer
