"""Every storage test runs against both backends: one conformance suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.storage import LmdbStore, MemoryStore, Store

TABLES = ("a", "b")


@pytest.fixture(params=["memory", "lmdb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = (
        MemoryStore(TABLES) if request.param == "memory" else LmdbStore(tmp_path / "db", TABLES)
    )
    yield made
    made.close()
