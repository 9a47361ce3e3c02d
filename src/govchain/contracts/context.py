"""``ServiceContext``: what the chain gives every service's ``register`` function.

Each service package offers ``register(registry, context)``. The context is
the chain's suite plus what a handler may need to know about the chain
beyond its tx (today: the validator set of a height, for evidence; the
genesis, for the registry). A later service that needs more gets one more
field here, and every ``register`` keeps its signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govchain.crypto import CryptoSuite
from govchain.execution.registry import Registry
from govchain.types import Genesis, ValidatorSet

if TYPE_CHECKING:
    from govchain.contracts.lifecycle.runner import ContractRunner

__all__ = ["Register", "ServiceContext", "ValidatorsAt"]

ValidatorsAt = Callable[[int], ValidatorSet]
"""The validator set that voted at a height; it must be deterministic."""


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """The chain as the services' handlers see it when they are registered."""

    suite: CryptoSuite
    """The chain's crypto suite (fixed at genesis)."""
    validators_at: ValidatorsAt
    """The validator set of a height."""
    genesis: Genesis
    """The chain's genesis (a chain without members runs no registry and no permission check)."""
    contract_runner: ContractRunner | None = None
    """The sandbox that checks and runs departments' contracts (docs/spec/contracts.md); None:
    the chain runs no ``contracts`` service."""


Register = Callable[[Registry, ServiceContext], None]
"""A service's ``register(registry, context)``: adds its handlers to ``registry``."""
