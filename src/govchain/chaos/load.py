"""Client load during a chaos run: threads that submit notary txs and wait to see them committed.

Each client thread submits one signed ``notary.anchor`` tx to a validator
picked at random, then asks any validator for its status until one reports it
committed. Only then does the tx count as *committed*: those are the txs the
run later looks for in every node's ledger. A node that is down, hung or cut
off just makes the client try another one; a tx that is never confirmed is
counted as unconfirmed, never as lost.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from govchain.client.sdk import ApiError, NodeClient, NodeUnreachableError
from govchain.contracts.notary import anchor_tx
from govchain.crypto import SigningKey

__all__ = ["ConfirmingClients", "LoadFigures"]

REQUEST_TIMEOUT_S = 2.0
"""A hung (SIGSTOPped) node must not hold a client for long."""
CONFIRM_TIMEOUT_S = 30.0
"""A client gives up confirming a tx after this and submits the next one."""
RETRY_PAUSE_S = 0.2
POLL_PAUSE_S = 0.1
EXPIRY_HEIGHTS = 5_000
"""How far above the last height a client heard of its txs expire."""


@dataclass
class LoadFigures:
    """What the clients saw; ``committed`` maps tx hash to the monotonic time it was confirmed."""

    submitted: int = 0
    refused: int = 0
    unreachable: int = 0
    unconfirmed: int = 0
    committed: dict[bytes, float] = field(default_factory=dict)


class ConfirmingClients:
    """``threads`` client threads against ``urls`` until :meth:`stop`."""

    def __init__(
        self,
        urls: list[str],
        chain_id: str,
        key: SigningKey,
        *,
        threads: int,
        seed: int,
    ) -> None:
        if not urls or threads < 1:
            raise ValueError("load needs at least one node URL and one thread")
        self._urls = urls
        self._chain_id = chain_id
        self._key = key
        self._seed = seed
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._figures = LoadFigures()
        self._height = 0
        self._threads = [
            threading.Thread(target=self._client, args=(i,), name=f"chaos-client-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> None:
        """Start every client thread."""
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Ask every client to stop and wait for them (each finishes its current request)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=CONFIRM_TIMEOUT_S + 5)

    def figures(self) -> LoadFigures:
        """A copy of the figures so far."""
        with self._lock:
            f = self._figures
            return LoadFigures(
                f.submitted, f.refused, f.unreachable, f.unconfirmed, dict(f.committed)
            )

    # --- one client ----------------------------------------------------------------

    def _client(self, index: int) -> None:
        rng = random.Random(f"{self._seed}/client/{index}")
        clients = [NodeClient(url, timeout_s=REQUEST_TIMEOUT_S) for url in self._urls]
        try:
            while not self._stop.is_set():
                tx_hash = self._submit(rng, clients)
                if tx_hash is not None:
                    self._confirm(rng, clients, tx_hash)
        finally:
            for client in clients:
                client.close()

    def _submit(self, rng: random.Random, clients: list[NodeClient]) -> bytes | None:
        """Submit one new tx to a random node; None when it was not accepted."""
        client = rng.choice(clients)
        tx = anchor_tx(
            self._key, self._chain_id, rng.randbytes(32), rng.randbytes(16), self._expiry()
        )
        try:
            tx_hash = client.submit(tx)
        except ApiError:
            self._count("refused")
            self._stop.wait(RETRY_PAUSE_S)
            return None
        except NodeUnreachableError:
            self._count("unreachable")
            self._stop.wait(RETRY_PAUSE_S)
            return None
        self._count("submitted")
        return tx_hash

    def _confirm(self, rng: random.Random, clients: list[NodeClient], tx_hash: bytes) -> None:
        deadline = time.monotonic() + CONFIRM_TIMEOUT_S
        while time.monotonic() < deadline and not self._stop.is_set():
            client = rng.choice(clients)
            try:
                result = client.tx(tx_hash)
                self._heard_height(client)
            except (ApiError, NodeUnreachableError):
                self._stop.wait(RETRY_PAUSE_S)
                continue
            if result.status == "committed" and result.receipt is not None:
                with self._lock:
                    self._figures.committed[tx_hash] = time.monotonic()
                return
            self._stop.wait(POLL_PAUSE_S)
        self._count("unconfirmed")

    def _heard_height(self, client: NodeClient) -> None:
        """Track the chain's height now and then, for tx expiries."""
        with self._lock:
            stale = self._height == 0 or self._figures.submitted % 20 == 0
        if stale:
            height = int(client.status()["height"])
            with self._lock:
                self._height = max(self._height, height)

    def _expiry(self) -> int:
        with self._lock:
            return self._height + EXPIRY_HEIGHTS

    def _count(self, what: str) -> None:
        with self._lock:
            setattr(self._figures, what, getattr(self._figures, what) + 1)
