"""The web console (docs/spec/console.md): the network, blocks, txs, cases, members, assets and
the audit trail in a browser.

An off-chain process like the indexer and the monitor: it reads the nodes
through the SDK (live status, receipts and records it checks offline
against the genesis), the indexer's SQL database (lists and series) and the
monitor's ``alerts.sqlite`` (open alerts), and serves server-rendered pages
in Chinese or English. Modules: ``catalogue`` (every label in both
languages), ``markup`` (escaping HTML building), ``index_reader``,
``alert_reader`` and ``chain_reader`` (the three sources), ``index_figures``
and ``registry_reader`` (the supervision pages' reads of the index and of
the registry and metrics routes), ``charts`` (SVG drawn on the server),
``pages_chain``, ``pages_cases``, ``pages_registry``, ``pages_assets`` and
``pages_audit`` (rendering), ``app`` (routes, language, error pages).
"""

from govchain.console.alert_reader import AlertReader
from govchain.console.app import ConsoleSources, create_app
from govchain.console.chain_reader import ChainReader
from govchain.console.index_reader import IndexReader, IndexUnavailableError

__all__ = [
    "AlertReader",
    "ChainReader",
    "ConsoleSources",
    "IndexReader",
    "IndexUnavailableError",
    "create_app",
]
