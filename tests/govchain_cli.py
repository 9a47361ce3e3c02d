"""Run the installed ``govchain`` command the way a user does (shared by CLI tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records

GOVCHAIN = Path(sys.executable).with_name("govchain")


def govchain(
    *args: str | Path, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``govchain ARGS`` (in ``env``, else this environment); with ``check`` it must exit 0."""
    result = subprocess.run(
        [str(GOVCHAIN), *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"govchain {args} exited {result.returncode}: {result.stderr}")
    return result


def openssl(*args: str | Path, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the ``openssl`` CLI (the independent check of our crypto)."""
    return subprocess.run(
        ["openssl", *map(str, args)], check=False, input=data, capture_output=True, timeout=60
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The failure reason: exit status 1 and exactly one ``error:`` line on stderr."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def govchain_json(*args: str | Path) -> Any:
    """Run ``govchain ARGS --json`` (it must exit 0) and parse its one JSON object."""
    return json.loads(govchain(*args, "--json").stdout)


def key_address(key: Path) -> str:
    """The account address (hex) of a PEM signing key file."""
    signing = read_signing_key(key)
    return records.address_of(suite_for(signing.suite_name), signing.public_key).hex()
