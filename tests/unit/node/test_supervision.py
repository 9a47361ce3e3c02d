"""Supervised tasks: a failure in any part of a node stops it with one line (issue 13 item 1)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from govchain.network.dispatch import HandlerFailedError
from govchain.node.netinit import init_network
from govchain.node.ports import free_base_port
from govchain.node.runtime import Node
from govchain.node.supervision import (
    REASON_CHARS_MAX,
    NodeFailedError,
    TaskSupervisor,
    one_line,
)


def _run(scenario: object) -> None:
    asyncio.run(scenario)  # type: ignore[arg-type]


class _Failures:
    def __init__(self) -> None:
        self.seen: list[tuple[str, BaseException]] = []
        self.event = asyncio.Event()

    def __call__(self, name: str, failure: BaseException) -> None:
        self.seen.append((name, failure))
        self.event.set()


def test_a_task_that_raises_or_ends_by_itself_is_a_failure() -> None:
    async def scenario() -> None:
        failures = _Failures()
        tasks = TaskSupervisor(failures)

        async def broken() -> None:
            raise OSError(28, "No space left on device")

        async def quits() -> None:
            return None

        tasks.spawn("sync", broken())
        await failures.event.wait()
        failures.event.clear()
        tasks.spawn("api", quits())
        await failures.event.wait()
        assert [name for name, _ in failures.seen] == ["sync", "api"]
        assert isinstance(failures.seen[0][1], OSError)
        assert str(failures.seen[1][1]) == "the api task ended by itself"

    _run(scenario())


def test_a_short_task_may_end_and_nothing_is_a_failure_once_stopping() -> None:
    async def scenario() -> None:
        failures = _Failures()
        tasks = TaskSupervisor(failures)

        async def forever() -> None:
            await asyncio.Event().wait()

        await tasks.spawn("startup", asyncio.sleep(0), long_lived=False)
        tasks.spawn("consensus", forever())
        tasks.spawn("api", forever())
        await asyncio.sleep(0)
        await tasks.stop()
        assert failures.seen == []

    _run(scenario())


def test_a_task_cancelled_from_outside_while_running_is_a_failure() -> None:
    async def scenario() -> None:
        failures = _Failures()
        tasks = TaskSupervisor(failures)
        task = tasks.spawn("block-sync", asyncio.Event().wait())
        await asyncio.sleep(0)
        task.cancel()
        await failures.event.wait()
        assert str(failures.seen[0][1]) == "the block-sync task was cancelled"

    _run(scenario())


def test_a_guarded_timer_callback_that_raises_is_a_failure() -> None:
    async def scenario() -> None:
        failures = _Failures()
        tasks = TaskSupervisor(failures)

        def flush() -> None:
            raise RuntimeError("a bug in the batcher")

        asyncio.get_running_loop().call_soon(tasks.guarded("gossip-out", flush))
        await failures.event.wait()
        assert failures.seen[0][0] == "gossip-out"

    _run(scenario())


def test_one_line_is_one_bounded_line() -> None:
    assert one_line(OSError(28, "No space left on device")) == (
        "OSError: [Errno 28] No space left on device"
    )
    assert one_line(RuntimeError()) == "RuntimeError"
    assert "\n" not in one_line(ValueError("two\nlines"))
    assert len(one_line(ValueError("x" * 5000))) == REASON_CHARS_MAX
    handler = HandlerFailedError("blocks", OSError(27, "File too large"))
    assert one_line(handler) == "the blocks handler failed: OSError: [Errno 27] File too large"


# --- a whole node, in this process -------------------------------------------------------


def _node(tmp_path: Path, full_nodes: int = 0) -> Node:
    layout = init_network(
        tmp_path / "net", validators=1, full_nodes=full_nodes, base_port=free_base_port(2)
    )
    return Node(layout.nodes[0].home)


async def _until_serving(node: Node) -> None:
    """Until the API serves (a lone validator joins consensus seconds later, after its wait)."""
    while node._api is None or not node._api.started:
        await asyncio.sleep(0.01)


def test_node_fail_logs_one_line_and_run_raises_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = _node(tmp_path)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(node.run(stop))
        await _until_serving(node)
        node.fail(OSError(28, "No space left on device"), "test")
        node.fail(RuntimeError("a second failure"), "test")  # only logged
        with pytest.raises(NodeFailedError) as failed:
            await running
        assert str(failed.value) == (
            "node node0 failed: test: OSError: [Errno 28] No space left on device"
        )
        assert stop.is_set()

    with caplog.at_level(logging.INFO, logger="govchain.node"):
        _run(scenario())
    critical = [r.getMessage() for r in caplog.records if r.levelno == logging.CRITICAL]
    assert critical == ["node node0 stops: test: OSError: [Errno 28] No space left on device"]
    assert any("stopped at height" in r.getMessage() for r in caplog.records)


def test_a_failing_block_sync_task_stops_the_node(tmp_path: Path) -> None:
    node = _node(tmp_path)

    async def broken_sync() -> None:
        await _until_serving(node)
        raise RuntimeError("a bug in block sync")

    node.sync.run = broken_sync  # type: ignore[method-assign]

    async def scenario() -> None:
        with pytest.raises(NodeFailedError, match="block-sync: RuntimeError: a bug in block sync"):
            await node.run(asyncio.Event())

    _run(scenario())


def test_an_api_server_that_stops_by_itself_stops_the_node(tmp_path: Path) -> None:
    node = _node(tmp_path)

    async def scenario() -> None:
        running = asyncio.create_task(node.run(asyncio.Event()))
        await _until_serving(node)
        assert node._api is not None
        node._api.should_exit = True  # the server ends although nobody stopped the node
        with pytest.raises(NodeFailedError, match="api: the api task ended by itself"):
            await running

    _run(scenario())


def test_a_clean_stop_is_no_failure(tmp_path: Path) -> None:
    node = _node(tmp_path)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(node.run(stop))
        await _until_serving(node)
        stop.set()
        await running

    _run(scenario())
