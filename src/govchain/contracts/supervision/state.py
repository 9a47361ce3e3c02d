"""State keys of ``supervision`` and the reads of its records (docs/spec/supervision.md)."""

from __future__ import annotations

from govchain.contracts.state_lists import ListKeys
from govchain.contracts.supervision.records import RegulatorScope
from govchain.execution.registry import ReadState

__all__ = ["REGULATORS", "SUPERVISION_KEY_PREFIX", "read_scope", "scope_key"]

SUPERVISION_KEY_PREFIX = b"supervision/"
REGULATORS = ListKeys(SUPERVISION_KEY_PREFIX + b"regulators/")
"""Every regulator's address, in the order its scope was first set."""


def scope_key(regulator: bytes) -> bytes:
    """State key of a regulator's scope."""
    return SUPERVISION_KEY_PREFIX + b"scope/" + regulator


def read_scope(read: ReadState, regulator: bytes) -> RegulatorScope | None:
    """A regulator's scope (active or removed), or None."""
    raw = read(scope_key(regulator))
    if raw is None:
        return None
    scope: RegulatorScope = RegulatorScope.from_stored(raw)
    return scope
