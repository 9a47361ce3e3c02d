"""Issue 13, item 2: the node service does heavy work off the event loop, and bounds it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from govchain.api import BusyError, NotFoundError, create_app
from govchain.contracts import ProvingReader
from govchain.contracts.notary import AnchoringPage, anchorings_page
from govchain.ledger import records
from govchain.node.service import ChainNodeService
from govchain.node.services import service_routes
from govchain.types.errors import ValidationError

from ...chain_support import ChainMaker
from .service_support import DIGEST, Fatal, anchored_chain, make_service, notary_maker

GATE_S = 30.0
"""How long a blocked read waits for the test to open its gate (never reached when it passes)."""


@pytest.fixture(scope="module")
def maker() -> ChainMaker:
    return notary_maker()


@pytest.fixture
def fatal() -> Fatal:
    return Fatal()


@pytest.fixture
def service(maker: ChainMaker, fatal: Fatal) -> Iterator[ChainNodeService]:
    made = make_service(maker, anchored_chain(maker), fatal, read_threads=1, read_queue=1)
    yield made
    assert fatal.failures == []


def _blocking_read(gate: threading.Event, threads: list[str]) -> Callable[[ProvingReader], bool]:
    def read(reader: ProvingReader) -> bool:
        threads.append(threading.current_thread().name)
        return gate.wait(GATE_S)

    return read


def test_a_read_runs_in_a_worker_while_the_loop_stays_free(service: ChainNodeService) -> None:
    gate = threading.Event()
    threads: list[str] = []

    async def scenario() -> bool:
        read = asyncio.create_task(service.read(_blocking_read(gate, threads)))
        await asyncio.sleep(0)  # the read is in its worker, blocked on the gate...
        gate.set()  # ...and only a free loop can get here to open it
        opened = await read
        await service.close()
        return opened

    assert asyncio.run(scenario()) is True
    assert threads[0].startswith("reads")
    assert threads[0] != threading.current_thread().name


def test_a_read_sees_one_snapshot_and_returns_values_with_proofs(
    service: ChainNodeService,
) -> None:
    async def scenario() -> tuple[AnchoringPage, AnchoringPage]:
        page = await service.read(anchorings_page, DIGEST, 0, 2)
        earlier = await service.read(anchorings_page, DIGEST, 0, 5, height=1)
        await service.close()
        return page, earlier

    page, earlier = asyncio.run(scenario())
    assert [p.anchoring.height for p in page.anchorings] == [1, 2]
    assert page.next_index == 2
    assert [p.anchoring.height for p in earlier.anchorings] == [1]


def test_a_read_above_the_latest_height_is_not_found(service: ChainNodeService) -> None:
    async def scenario() -> None:
        try:
            await service.read(anchorings_page, DIGEST, 0, 2, height=99)
        finally:
            await service.close()

    with pytest.raises(NotFoundError, match="no block at height 99"):
        asyncio.run(scenario())


def test_past_its_threads_and_queue_a_read_is_refused_busy(service: ChainNodeService) -> None:
    gate = threading.Event()
    threads: list[str] = []

    async def scenario() -> None:
        blocked = _blocking_read(gate, threads)
        running = asyncio.create_task(service.read(blocked))
        queued = asyncio.create_task(service.read(blocked))
        await asyncio.sleep(0)
        with pytest.raises(BusyError, match="busy"):
            await service.read(anchorings_page, DIGEST, 0, 1)
        gate.set()
        assert await running is True
        assert await queued is True
        page = await service.read(anchorings_page, DIGEST, 0, 1)  # room again
        assert len(page.anchorings) == 1
        await service.close()

    asyncio.run(scenario())


def test_the_api_answers_busy_with_503_and_retry_after(service: ChainNodeService) -> None:
    gate = threading.Event()
    threads: list[str] = []
    app = create_app(service, service_routes=service_routes(), metrics=service.metrics)

    async def scenario() -> httpx.Response:
        blocked = _blocking_read(gate, threads)
        held = [asyncio.create_task(service.read(blocked)) for _ in range(2)]
        await asyncio.sleep(0)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            answer = await client.get(f"/v1/notary/{DIGEST.hex()}")
        gate.set()
        await asyncio.gather(*held)
        await service.close()
        return answer

    answer = asyncio.run(scenario())
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "busy"
    assert answer.headers["retry-after"] == "1"


def test_submissions_are_decoded_and_verified_in_workers(
    maker: ChainMaker, service: ChainNodeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    suite = service.mempool.suite
    batch_verify = suite.batch_verify

    def recording(items: list[tuple[bytes, bytes, bytes]]) -> list[bool]:
        seen.append(threading.current_thread().name)
        return batch_verify(items)

    monkeypatch.setattr(suite, "batch_verify", recording)
    txs = [maker.tx(maker.keys[i], key=f"k{i}".encode(), value=b"v") for i in range(3)]

    async def scenario() -> list[object]:
        outcomes = await service.submit_txs([records.encode_tx(tx) for tx in txs])
        await service.close()
        return list(outcomes)

    outcomes = asyncio.run(scenario())
    assert outcomes == [records.tx_hash(maker.suite, tx) for tx in txs]
    assert len(seen) == 1
    assert seen[0].startswith("verify")
    assert all(service.pending(records.tx_hash(maker.suite, tx)) for tx in txs)


def test_gossiped_batches_are_admitted_in_order_and_the_excess_is_dropped(
    maker: ChainMaker, fatal: Fatal
) -> None:
    service = make_service(maker, anchored_chain(maker, blocks=1), fatal, gossip_batches=2)
    batches = [
        [records.encode_tx(maker.tx(maker.keys[0], key=f"g{b}-{i}".encode(), value=b"v"))]
        for b in range(3)
        for i in range(1)
    ]
    admitted: list[int] = []

    async def scenario() -> None:
        done = asyncio.Event()

        def then(count: int) -> None:
            admitted.append(count)
            if len(admitted) == 2:
                done.set()

        for batch in batches:  # the third arrives while two wait: dropped
            service.admit_gossiped(batch, then)
        await done.wait()
        await service.close()

    asyncio.run(scenario())
    assert admitted == [1, 1]
    assert service.gossip_dropped == 1
    assert len(service.mempool) == 2
    assert fatal.failures == []


def test_gossiped_batches_waiting_together_are_admitted_in_one_signature_batch(
    maker: ChainMaker, fatal: Fatal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: fewer worker trips; each batch is still told its own count, in order."""
    service = make_service(maker, anchored_chain(maker, blocks=1), fatal)
    suite = service.mempool.suite
    batch_verify = suite.batch_verify
    sizes: list[int] = []

    def recording(items: list[tuple[bytes, bytes, bytes]]) -> list[bool]:
        sizes.append(len(items))
        return batch_verify(items)

    monkeypatch.setattr(suite, "batch_verify", recording)
    raws = [
        records.encode_tx(maker.tx(maker.keys[0], key=f"j{i}".encode(), value=b"v"))
        for i in range(3)
    ]
    batches = [[raws[0]], [raws[1], raws[2]], [raws[0]]]  # the last repeats the first
    admitted: list[int] = []

    async def scenario() -> None:
        done = asyncio.Event()

        def then(count: int) -> None:
            admitted.append(count)
            if len(admitted) == len(batches):
                done.set()

        for batch in batches:  # all three wait before the admission task first runs
            service.admit_gossiped(batch, then)
        await done.wait()
        await service.close()

    asyncio.run(scenario())
    assert sizes == [4]
    assert admitted == [1, 2, 0]
    assert len(service.mempool) == 3
    assert fatal.failures == []


def test_a_failure_while_admitting_gossip_stops_the_node(maker: ChainMaker, fatal: Fatal) -> None:
    service = make_service(maker, anchored_chain(maker, blocks=1), fatal)

    def broken(_count: int) -> None:
        raise ValidationError("a bug in the caller")

    async def scenario() -> None:
        raw = records.encode_tx(maker.tx(maker.keys[0], key=b"g", value=b"v"))
        service.admit_gossiped([raw], broken)
        while not fatal.failures:  # the done callback runs on the loop: wait for it
            await asyncio.sleep(0)
        await service.close()

    asyncio.run(scenario())
    [failure] = fatal.failures
    assert isinstance(failure, ValidationError)


def test_the_limits_are_checked(maker: ChainMaker, fatal: Fatal) -> None:
    for bad in ({"read_threads": 0}, {"verify_queue": -1}, {"max_event_streams": 0}):
        with pytest.raises(ValidationError, match=next(iter(bad))):
            make_service(maker, anchored_chain(maker, blocks=1), fatal, **bad)
