"""Service ``supervision``: regulators and their scopes (docs/spec/supervision.md, F-E1).

A scope is set and removed by governance only (``actions``); a regulator
reads content in scope through ``grants.use`` with ``via {"scope": id}``,
which the grants service checks with :func:`.scope.asset_in_scope`. The
service has no tx types of its own: :func:`register` adds none.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.scope import asset_in_scope, case_in_scope
from govchain.contracts.supervision.state import read_scope, scope_key
from govchain.execution.registry import Registry

__all__ = [
    "RegulatorScope",
    "asset_in_scope",
    "case_in_scope",
    "read_scope",
    "register",
    "scope_key",
]


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: its changes are governance actions (built
    into gov's table), so it adds no handler to ``registry``."""
    del registry, context
