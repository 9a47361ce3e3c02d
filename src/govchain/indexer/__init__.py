"""The indexer (docs/spec/indexer.md): follows a chain through its public API into SQL.

Blocks, txs and events, and the records their events name (accounts,
assets, grants, usage records, cases and steps), each row with the height
it came from, written one height per transaction into SQLite or PostgreSQL
(``govchain indexer run``). Modules: ``schema`` (the tables), ``rows``
(pure row building from the API's JSON), ``database`` (the two dialects),
``follower`` (reading and writing height after height).
"""

from govchain.indexer.database import Database, DatabaseError, open_database
from govchain.indexer.follower import HttpIndexedChain, Indexer, run_indexer
from govchain.indexer.schema import TABLES

__all__ = [
    "TABLES",
    "Database",
    "DatabaseError",
    "HttpIndexedChain",
    "Indexer",
    "open_database",
    "run_indexer",
]
