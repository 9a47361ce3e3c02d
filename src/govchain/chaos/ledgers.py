"""After a chaos run, with every node stopped: compare the ledgers and look for every committed tx.

The stores are opened read-only from the node homes, so what is checked is
what is on disk, not what an API says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from govchain.ledger.home import open_chain
from govchain.ledger.verify import verify_chain
from govchain.node.netinit import NodeLayout
from govchain.node.services import genesis_state

__all__ = ["LedgerFindings", "compare_ledgers"]


@dataclass(frozen=True, slots=True)
class LedgerFindings:
    """What the ledgers on disk say.

    ``diverged`` counts heights (up to the lowest node's height) at which the
    nodes do not all have the same block hash and state root. ``lost`` counts
    committed txs missing from at least one node's ledger. ``verify`` maps a
    node to ``"ok"`` or the first problem ``ledger verify`` found.
    """

    heights: dict[str, int]
    common_height: int
    diverged: int
    first_divergence: int | None
    lost: int
    lost_examples: tuple[str, ...]
    verify: dict[str, str]

    @property
    def verified(self) -> bool:
        """True when ``ledger verify`` passed on every node."""
        return all(outcome == "ok" for outcome in self.verify.values())


def compare_ledgers(nodes: list[NodeLayout], committed: Iterable[bytes]) -> LedgerFindings:
    """Read every node's ledger: heights, per-height agreement, committed txs, verify."""
    wanted = sorted(committed)
    heights: dict[str, int] = {}
    rows: dict[str, list[tuple[bytes, bytes]]] = {}
    missing: set[bytes] = set()
    verify: dict[str, str] = {}
    for node in nodes:
        chain = open_chain(node.home)
        try:
            with chain.view() as view:
                heights[node.name] = view.height
                rows[node.name] = [
                    (view.block_hash(h), view.header(h).state_root)
                    for h in range(1, view.height + 1)
                ]
                missing.update(t for t in wanted if view.tx_location(t) is None)
            report = verify_chain(chain, initial_state=genesis_state(chain.genesis))
            verify[node.name] = (
                "ok" if report.ok else f"height {report.error_height}: {report.error}"
            )
        finally:
            chain.store.close()
    common = min(heights.values(), default=0)
    disagreeing = [h for h in range(1, common + 1) if len({rows[name][h - 1] for name in rows}) > 1]
    return LedgerFindings(
        heights=heights,
        common_height=common,
        diverged=len(disagreeing),
        first_divergence=disagreeing[0] if disagreeing else None,
        lost=len(missing),
        lost_examples=tuple(t.hex() for t in sorted(missing)[:5]),
        verify=verify,
    )
