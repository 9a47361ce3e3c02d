"""Ports for local networks are taken outside the kernel's ephemeral range.

A restarted node must find its port free: inside the ephemeral range any
client's outgoing connection can hold it as its local end meanwhile (seen in CI
as "api.listen ...: Address already in use" on a restart).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from govchain.node import ports
from govchain.node.ports import (
    DEFAULT_EPHEMERAL_RANGE,
    HEADROOM,
    LOWEST_PORT,
    ephemeral_range,
    free_base_port,
    is_free,
    port_window,
)


def test_the_base_and_its_ports_lie_below_the_machines_ephemeral_range() -> None:
    low, _ = ephemeral_range()
    for count in (1, 8, 40):
        base = free_base_port(count)
        assert base >= LOWEST_PORT
        assert base + count + HEADROOM <= low
        assert all(is_free(base + i) for i in range(count))


def test_a_taken_port_is_never_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        monkeypatch.setattr(ports, "port_window", lambda _count, _ephemeral: (port, port))
        with pytest.raises(OSError, match="no 1 free consecutive ports"):
            free_base_port(1)


def test_the_window_goes_above_the_range_when_below_has_no_room() -> None:
    assert port_window(10, (32768, 60999)) == (LOWEST_PORT, 32768 - 10 - HEADROOM)
    assert port_window(10, (10050, 40000)) == (40001, ports.PORT_CEILING - 10 - HEADROOM)
    assert port_window(10, (1024, 65535)) is None


def test_an_unreadable_or_odd_range_file_gives_linuxs_default(tmp_path: Path) -> None:
    assert ephemeral_range(tmp_path / "missing") == DEFAULT_EPHEMERAL_RANGE
    odd = tmp_path / "range"
    odd.write_text("60999 32768\n")
    assert ephemeral_range(odd) == DEFAULT_EPHEMERAL_RANGE
    odd.write_text("20000\t30000\n")
    assert ephemeral_range(odd) == (20000, 30000)
