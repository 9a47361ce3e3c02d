"""Storage nodes in a real network (issue 16 item 6, F-A1): net up runs them, a locker's
wrapped key is served to its owner only, a flipped byte is refused, a killed storage node is
started again and serves its blobs again."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from govchain.client.request_signing import RequestSigner
from govchain.crypto.keyfiles import read_signing_key
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, init_network
from govchain.node.ports import free_base_port
from govchain.node.storage_layout import StorageNodeLayout

from ..govchain_cli import govchain
from .network_support import height_of, wait_for


def _key_blob(layout: NetworkLayout, owner: bytes) -> bytes:
    answer = httpx.get(f"{layout.nodes[0].api_url}/v1/lockers/{owner.hex()}/key", timeout=10)
    assert answer.status_code == 200, answer.text
    return bytes.fromhex(answer.json()["locker"]["key_blob"]["hash"])


def _get(
    store: StorageNodeLayout, signer: RequestSigner, digest: bytes, owner: bytes
) -> httpx.Response:
    request = httpx.Request("GET", f"{store.url}/v1/blobs/{digest.hex()}?locker={owner.hex()}")
    request.headers.update(signer.headers_for(request))
    with httpx.Client(timeout=10) as client:
        return client.send(request)


@pytest.mark.timeout(300)
def test_storage_nodes_serve_a_lockers_key_and_come_back_after_a_kill(tmp_path: Path) -> None:
    layout = init_network(
        tmp_path / "net", validators=2, storage_nodes=2, base_port=free_base_port(6)
    )
    try:
        govchain("net", "up", "--dir", layout.directory, "--detach")
        status = govchain("net", "status", "--dir", layout.directory, "--json").stdout
        assert '"ready": true' in status
        wait_for(lambda: (height_of(layout.nodes[0].api_url) or 0) >= 2, 60, "a first block")
        password = tmp_path / "password"
        password.write_text("correct horse battery staple\n")
        govchain(
            "locker", "init", "--node", layout.nodes[0].api_url, "--key", layout.client_key,
            "--password-file", password,
        )  # fmt: skip
        owner = RequestSigner(read_signing_key(layout.client_key))
        digest = _key_blob(layout, owner.address)
        first, second = layout.storage_nodes
        for store in (first, second):
            answer = _get(store, owner, digest, owner.address)
            assert answer.status_code == 200, answer.text
            assert owner.suite.hash(answer.content) == digest
        admin = RequestSigner(read_signing_key(layout.members[0][2]))
        refused = _get(first, admin, digest, owner.address)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "read_not_allowed"

        [path] = list((second.home / "blobs").rglob(digest.hex()))
        damaged = bytearray(path.read_bytes())
        damaged[-1] ^= 1
        path.write_bytes(bytes(damaged))
        corrupt = _get(second, owner, digest, owner.address)
        assert corrupt.status_code == 500
        assert corrupt.json()["error"]["code"] == "blob_corrupt"
        assert bytes(damaged) not in corrupt.content
        assert "try another" in corrupt.json()["error"]["message"]

        pid = launcher.pid_of(first)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # the keeper starts it again with storage serve
        wait_for(lambda: launcher.pid_of(first) not in (None, pid), 60, "the restart")
        wait_for(lambda: launcher.storage_ready(first.url, 1.0), 60, "storage1 to answer")
        again = _get(first, owner, digest, owner.address)
        assert again.status_code == 200
        assert owner.suite.hash(again.content) == digest
    finally:
        down = govchain("net", "down", "--dir", layout.directory, check=False)
    assert "storage1: stopped" in down.stdout
    assert "storage2: stopped" in down.stdout
