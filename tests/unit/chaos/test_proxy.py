"""The fault proxy forwards bytes unchanged and injects cuts, resets, delay and loss as asked.

The target is a threaded echo server on loopback; the tests dial the proxy
with plain blocking sockets. Timing checks assert lower bounds only: a busy
machine makes everything slower, never faster.
"""

from __future__ import annotations

import logging
import random
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from govchain.chaos.proxy import FaultProxy, LinkStats, link_random, stall_drawn

HOST = "127.0.0.1"
LINK = "node0>node1"
TIMEOUT_S = 5.0


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, EchoServer)
        with server.lock:
            server.connections += 1
        try:
            while data := self.request.recv(65536):
                self.request.sendall(data)
        except OSError:
            pass  # the proxy reset the connection


class EchoServer(socketserver.ThreadingTCPServer):
    """Echoes every byte back until the peer ends; counts the connections it got."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((HOST, 0), _EchoHandler)
        self.lock = threading.Lock()
        self.connections = 0

    @property
    def address(self) -> tuple[str, int]:
        """Where the server listens."""
        return HOST, int(self.server_address[1])


@pytest.fixture
def echo() -> Iterator[EchoServer]:
    server = EchoServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def proxy(echo: EchoServer) -> Iterator[FaultProxy]:
    # Depends on ``echo`` so the proxy stops (closing its connections) first.
    fault_proxy = FaultProxy(seed=7)
    fault_proxy.start()
    try:
        yield fault_proxy
    finally:
        fault_proxy.stop()


def dial(port: int) -> socket.socket:
    return socket.create_connection((HOST, port), timeout=TIMEOUT_S)


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < size:
        part = sock.recv(min(size - got, 1 << 16))
        if not part:
            raise ConnectionError(f"closed after {got} of {size} bytes")
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def round_trip(sock: socket.socket, message: bytes) -> float:
    """Send ``message``, wait for its echo; return the seconds it took."""
    began = time.monotonic()
    sock.sendall(message)
    assert recv_exactly(sock, len(message)) == message
    return time.monotonic() - began


def ended(sock: socket.socket) -> bool:
    """Whether the peer closed ``sock`` (EOF or RST) without sending anything more."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def turned_away(port: int) -> bool:
    """Whether a connection to ``port`` is closed without a byte of an echo coming back.

    The proxy accepts and resets at once, so the reset may already fail the connect.
    """
    try:
        sock = dial(port)
    except ConnectionResetError:
        return True
    with sock:
        try:
            sock.sendall(b"anyone there?")
        except OSError:
            return True
        return ended(sock)


def stats_of(proxy: FaultProxy) -> LinkStats:
    return proxy.stats()[LINK]


def test_bytes_pass_both_ways_unchanged(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    payload = random.Random(1).randbytes(1 << 20)
    with dial(port) as sock:
        round_trip(sock, b"hello")
        sender = threading.Thread(target=sock.sendall, args=(payload,))
        sender.start()
        try:
            assert recv_exactly(sock, len(payload)) == payload
        finally:
            sender.join()
    stats = stats_of(proxy)
    assert stats.accepted == 1
    assert stats.bytes_to_target == stats.bytes_from_target == len(payload) + 5
    assert stats.chunks_stalled == stats.chunks_drawn == 0


def test_half_close_passes_the_eof_after_the_data(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    with dial(port) as sock:
        sock.sendall(b"last words")
        sock.shutdown(socket.SHUT_WR)
        assert recv_exactly(sock, 10) == b"last words"
        assert sock.recv(1) == b""


def test_cut_closes_connections_and_refuses_new_ones_until_healed(
    proxy: FaultProxy, echo: EchoServer
) -> None:
    port = proxy.add_link(LINK, echo.address)
    with dial(port) as sock:
        round_trip(sock, b"before")
        proxy.cut([LINK])
        assert ended(sock)
    assert turned_away(port)
    assert echo.connections == 1, "a cut link must not dial the target"
    proxy.heal([LINK])
    with dial(port) as sock:
        round_trip(sock, b"after")
    stats = stats_of(proxy)
    assert (stats.accepted, stats.refused_while_cut) == (2, 1)
    assert stats.bytes_to_target == stats.bytes_from_target == len(b"beforeafter")


def test_reset_closes_current_connections_once(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    with dial(port) as first:
        round_trip(first, b"one")
        proxy.reset([LINK])
        assert ended(first)
    with dial(port) as second:
        round_trip(second, b"two")


def test_delay_holds_each_direction_and_keeps_order(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    proxy.set_delay([LINK], 150)
    with dial(port) as sock:
        assert round_trip(sock, b"ping") >= 0.29  # 150 ms each way
        messages = [f"message {i};".encode() for i in range(50)]
        for message in messages:
            sock.sendall(message)
        joined = b"".join(messages)
        assert recv_exactly(sock, len(joined)) == joined


def test_full_loss_stalls_every_chunk(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    proxy.set_loss([LINK], per_mille=1000, stall_ms=100)
    with dial(port) as sock:
        assert round_trip(sock, b"ping") >= 0.19  # one stalled chunk each way
    stats = stats_of(proxy)
    assert stats.chunks_stalled == stats.chunks_drawn == stats.chunks_forwarded >= 2


def test_no_loss_stalls_nothing(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    proxy.set_loss([LINK], per_mille=0, stall_ms=100)
    with dial(port) as sock:
        for i in range(10):
            round_trip(sock, b"x" * (i + 1))
    stats = stats_of(proxy)
    assert stats.chunks_stalled == 0
    assert stats.chunks_forwarded >= 20


def _lossy_run(seed: int, echo: EchoServer) -> LinkStats:
    proxy = FaultProxy(seed=seed)
    proxy.start()
    try:
        port = proxy.add_link(LINK, echo.address)
        proxy.set_loss([LINK], per_mille=500, stall_ms=1)
        with dial(port) as sock:
            for i in range(20):
                round_trip(sock, f"request {i}".encode())
        return stats_of(proxy)
    finally:
        proxy.stop()


def test_the_seed_decides_which_chunks_stall(echo: EchoServer) -> None:
    # However TCP splits the stream into chunks, the k-th chunk drawn on a
    # link stalls exactly when the k-th draw from its seeded source says so.
    for seed in (3, 3, 4):
        stats = _lossy_run(seed, echo)
        rng = link_random(seed, LINK)
        assert stats.chunks_drawn >= 40
        assert stats.chunks_stalled == sum(stall_drawn(rng, 500) for _ in range(stats.chunks_drawn))


def test_seeds_and_names_give_separate_random_sources() -> None:
    def draws(seed: int, name: str) -> list[bool]:
        rng = link_random(seed, name)
        return [stall_drawn(rng, 500) for _ in range(64)]

    assert draws(3, LINK) == draws(3, LINK)
    assert draws(3, LINK) != draws(4, LINK)
    assert draws(3, LINK) != draws(3, "node1>node0")


def test_a_dead_target_closes_the_dialer(proxy: FaultProxy) -> None:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        dead = int(probe.getsockname()[1])  # bound but not listening: connect is refused
        port = proxy.add_link(LINK, (HOST, dead))
        assert turned_away(port)
    assert stats_of(proxy).accepted == 1


def test_clear_undoes_every_fault(proxy: FaultProxy, echo: EchoServer) -> None:
    port = proxy.add_link(LINK, echo.address)
    proxy.cut([LINK])
    proxy.set_delay([LINK], 5000)
    proxy.set_loss([LINK], per_mille=1000, stall_ms=5000)
    proxy.clear()
    with dial(port) as sock:
        round_trip(sock, b"clear")
    assert stats_of(proxy).chunks_drawn == 0


def test_bad_arguments_raise(proxy: FaultProxy, echo: EchoServer) -> None:
    proxy.add_link(LINK, echo.address)
    with pytest.raises(ValueError, match="already exists"):
        proxy.add_link(LINK, echo.address)
    with pytest.raises(KeyError, match="no such link: node9>node0"):
        proxy.cut(["node9>node0"])
    with pytest.raises(KeyError, match="no such link"):
        proxy.set_delay([LINK, "ghost"], 10)
    with pytest.raises(TypeError, match="as a list"):
        proxy.reset(LINK)
    with pytest.raises(ValueError, match="delay_ms"):
        proxy.set_delay([LINK], -1)
    with pytest.raises(ValueError, match="per_mille"):
        proxy.set_loss([LINK], 1001)
    with pytest.raises(ValueError, match="per_mille"):
        proxy.set_loss([LINK], -1)
    with pytest.raises(ValueError, match="stall_ms"):
        proxy.set_loss([LINK], 10, stall_ms=-5)
    assert stats_of(proxy).chunks_drawn == 0  # nothing was half applied


def test_methods_need_a_running_proxy() -> None:
    proxy = FaultProxy(seed=1)
    with pytest.raises(RuntimeError, match="not running"):
        proxy.stats()
    proxy.start()
    with pytest.raises(RuntimeError, match="already started"):
        proxy.start()
    proxy.stop()
    with pytest.raises(RuntimeError, match="not running"):
        proxy.heal()


def _listen_again(port: int) -> None:
    # SO_REUSEADDR, as asyncio's servers set it: bind then still fails while
    # any socket listens on the port, but not for leftover TIME_WAIT entries.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen()


def test_stop_frees_the_ports_and_leaves_nothing_running(
    echo: EchoServer, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = FaultProxy(seed=1)
    proxy.start()
    ports = [proxy.add_link(f"node0>node{i}", echo.address) for i in range(1, 4)]
    with dial(ports[0]) as idle, dial(ports[1]) as busy:
        round_trip(idle, b"open while stopping")
        proxy.set_delay(["node0>node2"], 5000)
        busy.sendall(b"still queued in the proxy")
        with caplog.at_level(logging.WARNING, logger="govchain.chaos.proxy"):
            proxy.stop()
        assert ended(idle)
        assert ended(busy)
    proxy.stop()  # idempotent
    for port in ports:
        _listen_again(port)
    assert not any(thread.name == "fault-proxy" for thread in threading.enumerate())
    assert not caplog.records, "stop() left tasks pending"
