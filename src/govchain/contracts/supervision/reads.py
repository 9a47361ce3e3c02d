"""Reads of ``supervision``: a regulator's scope with its proof, and the list of scopes."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.supervision.records import RegulatorScope
from govchain.contracts.supervision.state import REGULATORS, read_scope, scope_key
from govchain.types.errors import LedgerCorruptError

__all__ = ["SCOPES_PAGE_MAX", "ProvenScope", "scope_with_fact", "scopes_page"]

SCOPES_PAGE_MAX = 100


@dataclass(frozen=True, slots=True)
class ProvenScope:
    """A regulator's scope (None: none) and the fact of its key."""

    scope: RegulatorScope | None
    proven: ProvenValue


def scope_with_fact(reader: ProvingReader, regulator: bytes) -> ProvenScope:
    """The scope of ``regulator`` with the state fact of its key."""
    proven = prove_key(reader, scope_key(regulator))
    scope = None if proven.value is None else RegulatorScope.from_stored(proven.value)
    return ProvenScope(scope, proven)


def scopes_page(reader: ProvingReader, start: int) -> tuple[list[RegulatorScope], int | None]:
    """The scopes from ``start``, in the order first set, and the next page's start."""
    addresses, following = list_page(reader, REGULATORS, start, SCOPES_PAGE_MAX)
    found = []
    for address in addresses:
        scope = read_scope(reader.get, address)
        if scope is None:
            raise LedgerCorruptError(f"supervision: listed regulator {address.hex()} has no scope")
        found.append(scope)
    return found, following
