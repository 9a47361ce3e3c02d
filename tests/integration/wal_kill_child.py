"""A process running 4 validator drivers until it is killed (WAL kill harness, issue 4).

Run as ``python -m tests.integration.wal_kill_child ROOT``. Validator ``vK``
keeps its LMDB chain in ``ROOT/vK/data``, its WAL in ``ROOT/vK/consensus.wal``
and, written and fsynced by the test transport before any message leaves,
every message it sends in ``ROOT/vK/sent.log``. Keys live in ``ROOT/keys``,
so a restarted child signs for the same chain. Txs are fed continuously.
When a committed height changes the child prints ``heights H0 H1 H2 H3``.

A sent-log line is ``signer height round step digest`` for a signed vote or
proposal (digest: SHA-256 of the signed object with its signature),
``decision height`` for a decision, which its sender does not sign, or
``start`` when a new incarnation begins.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from pathlib import Path

from govchain.consensus.driver import Driver, DriverConfig
from govchain.consensus.events import CoreConfig
from govchain.consensus.messages import Decision, Message
from govchain.consensus.transport import LocalHub
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import load_signing_key_pem
from govchain.ledger.home import create_chain, open_chain

from ..chain_support import CHAIN_ID, ChainMaker
from ..unit.consensus.driver_support import FAST, LedgerApp, signed_bytes, signed_key

VALIDATORS = 4
TXS_PER_TICK = 3
TICK_SECONDS = 0.02


class SentLog:
    """Append-only record of what one validator sends, fsynced before delivery."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._write("start\n")  # a new incarnation begins

    def _write(self, line: str) -> None:
        os.write(self._fd, line.encode())
        os.fsync(self._fd)

    def observe(self, _peer: str | None, message: Message) -> None:
        """The transport hook: one line per message, on disk before the message leaves."""
        key = signed_key(message)
        if key is None:
            assert isinstance(message, Decision)
            line = f"decision {message.block.header.height}\n"
        else:
            signer, height, round_, step = key
            digest = hashlib.sha256(signed_bytes(message)).hexdigest()
            line = f"{signer.hex()} {height} {round_} {int(step)} {digest}\n"
        self._write(line)


def _maker(root: Path) -> ChainMaker:
    """The chain's keys and genesis: made on the first run, loaded afterwards."""
    keys_dir = root / "keys"
    if not keys_dir.exists():
        maker = ChainMaker.make("intl", VALIDATORS)
        for index in range(VALIDATORS):
            create_chain(root / f"v{index}", maker.genesis, {}).store.close()
        keys_dir.mkdir()
        for index, key in enumerate(maker.keys):
            (keys_dir / f"v{index}.pem").write_bytes(key.to_pem())
        return maker
    chain = open_chain(root / "v0")
    genesis = chain.genesis
    chain.store.close()
    keys = [load_signing_key_pem((keys_dir / f"v{i}.pem").read_bytes()) for i in range(VALIDATORS)]
    return ChainMaker(suite_for(genesis.suite), keys, genesis)


async def _feed(maker: ChainMaker, apps: list[LedgerApp], drivers: list[Driver]) -> None:
    """Give every validator fresh txs, forever."""
    while True:
        txs = [
            maker.tx(maker.keys[0], key=os.urandom(6), value=os.urandom(8))
            for _ in range(TXS_PER_TICK)
        ]
        for app, driver in zip(apps, drivers, strict=True):
            app.add_txs(txs)
            driver.notify_txs()
        await asyncio.sleep(TICK_SECONDS)


async def _report(apps: list[LedgerApp]) -> None:
    """Print the committed heights whenever they change."""
    last: list[int] = []
    while True:
        heights = [app.height for app in apps]
        if heights != last:
            print("heights", *heights, flush=True)
            last = heights
        await asyncio.sleep(0.005)


async def run(root: Path) -> None:
    """Start the validators and run until killed."""
    maker = _maker(root)
    hub = LocalHub()
    apps: list[LedgerApp] = []
    drivers: list[Driver] = []
    for index, member in enumerate(maker.genesis.validators.validators):
        home = root / f"v{index}"
        app = LedgerApp(open_chain(home), maker.registry, member.address)
        key = maker.keys[index]
        config = CoreConfig(CHAIN_ID, maker.suite, maker.genesis.validators, key, FAST)
        transport = hub.endpoint(f"v{index}", SentLog(home / "sent.log").observe)
        driver = Driver(config, app, transport, DriverConfig(home / "consensus.wal"))
        hub.attach(f"v{index}", driver)
        apps.append(app)
        drivers.append(driver)
    for driver in drivers:
        await driver.start()
    print("ready", flush=True)
    tasks = [asyncio.create_task(_feed(maker, apps, drivers)), asyncio.create_task(_report(apps))]
    await asyncio.gather(*(driver.run() for driver in drivers), *tasks)


if __name__ == "__main__":
    asyncio.run(run(Path(sys.argv[1])))
