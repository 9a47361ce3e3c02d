"""Storage: ordered tables with atomic transactions, in memory or in LMDB."""

from govchain.storage.base import MAX_KEY_SIZE, ReadTxn, Store, StoreStats, WriteTxn
from govchain.storage.lmdb_store import LmdbStore
from govchain.storage.memory import MemoryStore

__all__ = ["MAX_KEY_SIZE", "LmdbStore", "MemoryStore", "ReadTxn", "Store", "StoreStats", "WriteTxn"]
