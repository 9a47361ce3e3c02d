"""The tests' SeaweedFS starts again on fresh ports when one it was given is taken.

A port probed free may be bound by another test process before SeaweedFS binds it (CI
saw it once: "Port allocation failed ... s3.port"). These tests take a port on purpose.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from govchain.node.ports import ephemeral_range

from ....s3_server import PORT_NAMES, START_ATTEMPTS, free_ports, running_seaweedfs

_S3_PORT_INDEX = PORT_NAMES.index("s3.port")


@contextmanager
def _taken(port: int) -> Iterator[None]:
    """Hold ``port`` as an outgoing connection's local end does: bound, not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", port))
        yield


def test_free_ports_are_distinct_and_outside_the_ephemeral_range() -> None:
    ports = free_ports(10)
    low, high = ephemeral_range()
    assert len(set(ports)) == 10
    assert all(not low <= port <= high for port in ports)


def test_a_taken_port_makes_a_fresh_start_on_other_ports(tmp_path: Path) -> None:
    first = free_ports(10)
    offered: list[list[int]] = []

    def choose(count: int) -> list[int]:
        offered.append(first if not offered else free_ports(count))
        return offered[-1]

    with (
        _taken(first[_S3_PORT_INDEX]),
        running_seaweedfs(tmp_path, choose_ports=choose) as server,
    ):
        client = server.client()
        client.create_bucket(Bucket="after-retry")
        client.put_object(Bucket="after-retry", Key="k", Body=b"v")
        assert client.get_object(Bucket="after-retry", Key="k")["Body"].read() == b"v"
        assert server.endpoint_url.endswith(f":{offered[-1][_S3_PORT_INDEX]}")
    assert len(offered) == 2
    assert "s3.port" in (tmp_path / "weed.attempt1.log").read_text(errors="replace")


def test_a_port_taken_at_every_attempt_fails_with_the_log(tmp_path: Path) -> None:
    ports = free_ports(10)
    calls = 0

    def same(count: int) -> list[int]:
        nonlocal calls
        calls += 1
        return ports

    with (
        _taken(ports[_S3_PORT_INDEX]),
        pytest.raises(pytest.fail.Exception, match="Port allocation failed"),
        running_seaweedfs(tmp_path, choose_ports=same),
    ):
        pytest.fail("SeaweedFS served on a port another socket holds")
    assert calls == START_ATTEMPTS
