"""``SERVICES``: every system service a node runs, in one list (ARCHITECTURE.md, "One shape").

Each entry names the service, its ``register`` function (its handlers into
the execution registry) and its router builder (its routes into the API).
The composition root builds the registry and the API from this list and
from nothing else, so a new service is one line here plus its own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from govchain.api.routes import ServiceRoutes
from govchain.api.routes.assets import asset_routes
from govchain.api.routes.certificates import certificate_routes
from govchain.api.routes.contracts import contract_routes
from govchain.api.routes.evidence import evidence_routes
from govchain.api.routes.gov import gov_routes
from govchain.api.routes.grants import grant_routes
from govchain.api.routes.messages import message_routes
from govchain.api.routes.notary import notary_routes
from govchain.api.routes.registry import registry_routes
from govchain.api.routes.supervision import supervision_routes
from govchain.api.routes.workflow import workflow_routes
from govchain.contracts import (
    Register,
    ServiceContext,
    assets,
    evidence,
    gov,
    grants,
    lifecycle,
    messages,
    notary,
    registry,
    supervision,
    workflow,
)
from govchain.crypto import CryptoSuite, suite_for
from govchain.execution import Registry
from govchain.types import Genesis

__all__ = ["SERVICES", "Service", "build_registry", "genesis_state", "service_routes"]

GenesisState = Callable[[Genesis, CryptoSuite], dict[bytes, bytes]]
"""A service's part of the state at height 0: a pure function of the genesis."""


@dataclass(frozen=True, slots=True)
class Service:
    """One service: its name (as in ``docs/spec/<name>.md``), handlers, router and genesis state."""

    name: str
    register: Register
    routes: ServiceRoutes
    genesis: GenesisState | None = None


SERVICES: tuple[Service, ...] = (
    Service("registry", registry.register, registry_routes, registry.registry_genesis_state),
    Service("certificates", registry.register_certificates, certificate_routes),
    Service("gov", gov.register, gov_routes, lambda g, _suite: gov.gov_genesis_state(g)),
    Service("notary", notary.register, notary_routes),
    Service("evidence", evidence.register, evidence_routes),
    Service("assets", assets.register, asset_routes),
    Service("grants", grants.register, grant_routes),
    Service("messages", messages.register, message_routes),
    Service("workflow", workflow.register, workflow_routes),
    Service("supervision", supervision.register, supervision_routes),
    Service("contracts", lifecycle.register, contract_routes),
)
"""Every service, in the order the API documents them."""


def build_registry(context: ServiceContext, services: Sequence[Service] = SERVICES) -> Registry:
    """An execution registry with the handlers of every service."""
    registry = Registry()
    for service in services:
        service.register(registry, context)
    return registry


def genesis_state(genesis: Genesis, services: Sequence[Service] = SERVICES) -> dict[bytes, bytes]:
    """The state at height 0 of a chain with ``genesis``: every service's part, merged.

    Services own disjoint key prefixes, so the parts never overlap. Raises
    ValidationError when the genesis cannot make a consistent state.
    """
    suite = suite_for(genesis.suite)
    state: dict[bytes, bytes] = {}
    for service in services:
        if service.genesis is not None:
            part = service.genesis(genesis, suite)
            assert not state.keys() & part.keys(), f"service {service.name} writes another's keys"
            state.update(part)
    return state


def service_routes(services: Sequence[Service] = SERVICES) -> list[ServiceRoutes]:
    """The router builder of every service, for ``create_app``."""
    return [service.routes for service in services]
