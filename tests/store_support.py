"""A ``store`` fixture over both storage backends, for the suites that must hold on each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from govchain.storage import LmdbStore, MemoryStore, Store


def store_fixture(tables: tuple[str, ...]) -> Callable[..., Iterator[Store]]:
    """A fixture named ``store``: an empty store with ``tables``, in memory and in LMDB."""

    @pytest.fixture(name="store", params=["memory", "lmdb"])
    def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
        made: Store = (
            MemoryStore(tables) if request.param == "memory" else LmdbStore(tmp_path / "db", tables)
        )
        yield made
        made.close()

    return store
