"""``SERVICES``: every system service a node runs, in one list (ARCHITECTURE.md, "One shape").

Each entry names the service, its ``register`` function (its handlers into
the execution registry) and its router builder (its routes into the API).
The composition root builds the registry and the API from this list and
from nothing else, so a new service is one line here plus its own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govchain.api.routes import ServiceRoutes
from govchain.api.routes.evidence import evidence_routes
from govchain.api.routes.notary import notary_routes
from govchain.contracts import Register, ServiceContext, evidence, notary
from govchain.execution import Registry

__all__ = ["SERVICES", "Service", "build_registry", "service_routes"]


@dataclass(frozen=True, slots=True)
class Service:
    """One service: its name (as in ``docs/spec/<name>.md``), handlers and router."""

    name: str
    register: Register
    routes: ServiceRoutes


SERVICES: tuple[Service, ...] = (
    Service("notary", notary.register, notary_routes),
    Service("evidence", evidence.register, evidence_routes),
)
"""Every service, in the order the API documents them."""


def build_registry(context: ServiceContext, services: Sequence[Service] = SERVICES) -> Registry:
    """An execution registry with the handlers of every service."""
    registry = Registry()
    for service in services:
        service.register(registry, context)
    return registry


def service_routes(services: Sequence[Service] = SERVICES) -> list[ServiceRoutes]:
    """The router builder of every service, for ``create_app``."""
    return [service.routes for service in services]
