"""Proven state for the services' reads: a key's value with its state fact, and pages of lists.

A service's read returns records with the :class:`StateFact` of their key,
so a client checks each against the genesis alone
(``govchain.client.verify.verify_state_fact``).
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.proving_reader import ProvingReader
from govchain.contracts.state_lists import ListKeys, list_count
from govchain.ledger.proofs import StateFact
from govchain.types.errors import GovChainError

__all__ = ["NoBlocksError", "ProvenValue", "list_page", "prove_key"]


class NoBlocksError(GovChainError):
    """A state fact needs a committed block, and there is none yet."""

    code = "no_blocks"


@dataclass(frozen=True, slots=True)
class ProvenValue:
    """The bytes a key held after a block (None: absent), and their proof."""

    key: bytes
    value: bytes | None
    fact: StateFact


def prove_key(reader: ProvingReader, key: bytes) -> ProvenValue:
    """``key``'s value at the reader's height with its state fact."""
    height = reader.height
    if height == 0:
        raise NoBlocksError("no block is committed yet, so there is no state to prove; retry soon")
    fact = StateFact(
        reader.header(height), reader.commit(height), reader.prove(key), reader.transitions(height)
    )
    return ProvenValue(key, reader.get(key), fact)


def list_page(
    reader: ProvingReader, keys: ListKeys, start: int, limit: int
) -> tuple[list[bytes], int | None]:
    """Items ``start`` onwards of a state list, at most ``limit``, and the next page's start."""
    count = list_count(reader.get, keys)
    end = min(count, start + limit)
    items = []
    for index in range(start, end):
        raw = reader.get(keys.item_key(index))
        assert raw is not None, f"state list item {index} of {count} is missing"
        items.append(raw)
    return items, (end if end < count else None)
