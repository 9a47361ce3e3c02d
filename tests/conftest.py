"""How the suite is spread over pytest-xdist's workers (`make test`, issue 21).

Two rules, applied before xdist reads the markers:

* A module whose tests share a fixture wider than one test (a module-,
  class- or package-scoped fixture such as one running network) runs whole
  on one worker: each of its tests gets ``xdist_group`` named after the
  module, and ``--dist loadgroup`` keeps a group together. Session-scoped
  fixtures (the PostgreSQL and SeaweedFS servers) are started once per
  worker, in the worker's own temp directory on free ports.
* The slow directories come first (the simulator's seeds, then real
  networks of processes, browsers and CLI runs, the unit tests last), so
  the long tests start early and the many short ones fill the workers at
  the end instead of one worker finishing a long test alone.

Without xdist (``pytest`` on a file) both rules change nothing a test sees.
"""

from __future__ import annotations

import pytest

_FIRST_TO_LAST = ("sim", "integration", "browser", "cli", "api", "fuzz", "interop", "unit")
"""Top-level test directories, slowest first."""

_SHARED_SCOPES = frozenset({"module", "class", "package"})


def _directory_rank(item: pytest.Item) -> int:
    parts = item.nodeid.split("/")
    top = parts[1] if len(parts) > 2 and parts[0] == "tests" else ""
    return _FIRST_TO_LAST.index(top) if top in _FIRST_TO_LAST else len(_FIRST_TO_LAST)


def _shares_a_fixture(item: pytest.Item) -> bool:
    """Whether the item uses a fixture that lives longer than one test but not the session."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definition.scope in _SHARED_SCOPES
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


def pytest_configure(config: pytest.Config) -> None:
    """Know ``xdist_group`` also in a run without xdist (``-p no:xdist``)."""
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group the tests of a module that share a fixture; put the slow directories first."""
    for item in items:
        if _shares_a_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    items.sort(key=_directory_rank)  # stable: the order within a directory stays
