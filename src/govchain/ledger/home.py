"""Where a node keeps its ledger: ``HOME/data`` is the LMDB chain store."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from govchain.ledger.chainstore import DEFAULT_STATE_WINDOW, TABLES, ChainStore
from govchain.storage import LmdbStore
from govchain.types import Genesis
from govchain.types.errors import LedgerError

DATA_DIR = "data"


def open_chain(home: Path, *, state_window: int = DEFAULT_STATE_WINDOW) -> ChainStore:
    """Open the chain store of an existing node home."""
    data = Path(home) / DATA_DIR
    if not (data / "data.mdb").exists():
        raise LedgerError(f"no ledger at {data} (is {home} a node home?)")
    return ChainStore(LmdbStore(data, TABLES), state_window=state_window)


def create_chain(
    home: Path,
    genesis: Genesis,
    initial_state: Mapping[bytes, bytes],
    *,
    state_window: int = DEFAULT_STATE_WINDOW,
) -> ChainStore:
    """Create (or reopen, if it has the same genesis) the chain store of a node home.

    ``initial_state`` is ``govchain.node.services.genesis_state(genesis)``.
    """
    return ChainStore.create(
        LmdbStore(Path(home) / DATA_DIR, TABLES),
        genesis,
        initial_state,
        state_window=state_window,
    )
