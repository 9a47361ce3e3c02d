"""How the suite is spread over pytest-xdist's workers (`make test`, issue 21).

Three rules, applied to the collected tests before xdist sees them:

* Every test has its own node id. Schemathesis gives each operation of
  ``tests/api/test_schemathesis.py`` the id of the test function; xdist
  schedules by id and would run one operation of the 45. A repeated id
  gets the item's name (``...::test_x[POST /v1/txs]``) instead.
* A module whose tests share a fixture wider than one test (a module-,
  class- or package-scoped fixture such as one running network) runs whole
  on one worker: under ``--dist loadgroup`` each of its ids ends in
  ``@<module path>``, the suffix xdist groups by. (xdist 3.8 writes that
  suffix to ``item._nodeid``, which pytest 9.2 no longer reads, so its own
  ``xdist_group`` marker groups nothing: this hook writes the id pytest
  reads.) Session-scoped fixtures (the PostgreSQL and SeaweedFS servers)
  start once per worker, in the worker's own temp directory on free ports.
* The slow directories come first (the simulator's seeds, then networks
  of real processes, browsers and CLI runs, the unit tests last), so the
  long tests start early and the many short ones fill the workers at the
  end instead of one worker finishing a long test alone.

Without xdist only the order and the repeated ids change.

Hypothesis runs without its two timing checks (a per-example deadline and
the "input generation is slow" health check): tests check behaviour, never
timings, and on a busy 2-core machine a draw took over a second once
(``test_mutated_encodings_raise_only_codec_errors``, 2026-12-07). Each test's
own ``@settings`` still sets how many examples it runs.
"""

from __future__ import annotations

from collections import Counter

import pytest
from _pytest.nodeid import NodeId
from hypothesis import HealthCheck, settings

settings.register_profile("govchain", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("govchain")

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


def _set_node_id(item: pytest.Item, node_id: str) -> None:
    """Give ``item`` the id ``node_id`` (pytest 9.2 keeps it as a parsed ``NodeId``)."""
    item._id = NodeId.parse(node_id)  # type: ignore[attr-defined]
    assert item.nodeid == node_id, (item.nodeid, node_id)


def _unique_ids(items: list[pytest.Item]) -> None:
    seen = Counter(item.nodeid for item in items)
    for item in items:
        if seen[item.nodeid] > 1:
            _set_node_id(item, f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}")
    repeated = [i for i, n in Counter(item.nodeid for item in items).items() if n > 1]
    assert not repeated, f"tests with the same id, xdist would run one of each: {repeated}"


def _group_shared_modules(items: list[pytest.Item]) -> None:
    for item in items:
        if _shares_a_fixture(item):
            _set_node_id(item, f"{item.nodeid}@{item.nodeid.split('::', 1)[0]}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Unique ids; one worker per module that shares a fixture; the slow directories first."""
    _unique_ids(items)
    if getattr(config.option, "loadgroup", False):  # an xdist worker of a loadgroup run
        _group_shared_modules(items)
    items.sort(key=_directory_rank)  # stable: the order within a directory stays
