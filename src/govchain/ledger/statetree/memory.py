"""A state tree held in dicts: for tests, the simulator and the reference checks."""

from __future__ import annotations

from govchain.ledger.statetree.tree import RootRecord, TreeUpdate, VerifiedNodes


class MemoryNodeStore:
    """Nodes, root records and the stale index in memory, with pruning."""

    def __init__(self) -> None:
        self.nodes: dict[bytes, bytes] = {}
        self.roots: dict[int, RootRecord] = {}
        self.stale: dict[int, list[bytes]] = {}

    def get_node(self, node_key: bytes) -> bytes | None:
        """An encoded node."""
        return self.nodes.get(node_key)

    @property
    def verified_nodes(self) -> VerifiedNodes | None:
        """None: a memory store checks every read (it is what reference checks use)."""
        return None

    def get_root(self, version: int) -> RootRecord | None:
        """The root record of ``version``."""
        return self.roots.get(version)

    def commit(self, update: TreeUpdate) -> None:
        """Store an update's nodes and root, and remember what it made stale."""
        self.nodes.update(update.new_nodes)
        self.roots[update.root.version] = update.root
        self.stale[update.root.version] = list(update.stale)

    def prune(self, latest: int, window: int) -> None:
        """Keep versions ``latest - window + 1 .. latest`` readable; drop the rest."""
        # A node stale at version s is in no version >= s: with versions up to
        # latest - window dropped, nodes stale at <= latest - window + 1 go too.
        for version in sorted(v for v in self.stale if v <= latest - window + 1):
            for key in self.stale.pop(version):
                self.nodes.pop(key, None)
        for version in [v for v in self.roots if v <= latest - window]:
            del self.roots[version]
