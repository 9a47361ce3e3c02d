"""Commands that only read or write files stay light to start (issue 21: the suite's CPU).

A ``govchain`` command is a fresh interpreter: what its module imports, every run of it
pays. Reading a node's configuration (``govchain net ...``, ``govchain storage scrub``)
needs no web framework; the node and the storage server import it when they serve.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from govchain import api


@pytest.mark.parametrize(
    "module",
    ["govchain.node.config", "govchain.node.launcher", "govchain.cli.net_cmd", "govchain.api"],
)
def test_importing_it_loads_no_web_framework(module: str) -> None:
    probe = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('fastapi', 'starlette.applications', 'pydantic') "
        "if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"


def test_the_api_packages_names_are_still_there() -> None:
    # each name of __all__ resolves through the package's lazy __getattr__
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = api.no_such_name  # type: ignore[attr-defined]
