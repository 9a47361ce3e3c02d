"""``govchain storage serve|scrub`` and ``net init --storage-nodes`` (issue 16 item 6, F-A1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx

from govchain.crypto import suite_for
from govchain.ledger.genesis_file import load_genesis
from govchain.node.netinit import read_layout
from govchain.node.ports import free_base_port
from govchain.storage.blobs.disk import DiskBlobStore

from ..govchain_cli import govchain

WIDE = {**os.environ, "COLUMNS": "400"}


def _network(tmp_path: Path, storage_nodes: int = 2) -> Path:
    directory = tmp_path / "net"
    base = free_base_port(2 * 2 + storage_nodes)
    govchain(
        "net", "init", "--dir", directory, "--validators", "2", "--base-port", base,
        "--storage-nodes", storage_nodes, env=WIDE,
    )  # fmt: skip
    return directory


def test_help_of_storage_serve_and_scrub() -> None:
    serve = govchain("storage", "serve", "--help", env=WIDE).stdout
    assert "--home" in serve
    assert "PUT /v1/blobs" in serve
    scrub = govchain("storage", "scrub", "--help", env=WIDE).stdout
    assert "--json" in scrub
    assert "exit 1" in scrub


def test_net_init_lays_out_storage_nodes_and_tells_the_chain_nodes(tmp_path: Path) -> None:
    directory = _network(tmp_path)
    layout = read_layout(directory)
    assert [s.name for s in layout.storage_nodes] == ["storage1", "storage2"]
    network = json.loads((directory / "network.json").read_text())
    assert [s["name"] for s in network["storage_nodes"]] == ["storage1", "storage2"]
    genesis = load_genesis(directory / "genesis.json")
    roles = {n.name: (n.role, n.org) for n in genesis.network.nodes}
    assert roles["storage1"] == ("storage", layout.members[0][0])
    assert roles["storage2"] == ("storage", layout.members[1][0])
    ports = [s.url.rsplit(":", 1)[1] for s in layout.storage_nodes]
    ports += [n.api_url.rsplit(":", 1)[1] for n in layout.nodes]
    ports += [n.p2p.rsplit(":", 1)[1] for n in layout.nodes]
    assert len(set(ports)) == len(ports) == 6
    urls = {s.name: s.url for s in layout.storage_nodes}
    for node in layout.nodes:
        config = tomllib.loads((node.home / "config.toml").read_text())
        assert config["storage"] == urls
    for store in layout.storage_nodes:
        config = tomllib.loads((store.home / "storage.toml").read_text())
        assert config["storage"]["name"] == store.name
        assert f"http://{config['storage']['listen']}" == store.url
        assert config["backend"] == {"kind": "disk", "dir": "blobs"}
        assert config["chain"]["nodes"] == [n.api_url for n in layout.nodes]
        assert (store.home / "genesis.json").read_text() == (directory / "genesis.json").read_text()
        assert (store.home / "tls" / "transport.pem").is_file()


def test_net_init_without_storage_nodes_lists_none(tmp_path: Path) -> None:
    directory = _network(tmp_path, storage_nodes=0)
    assert read_layout(directory).storage_nodes == ()
    assert not (directory / "storage1").exists()
    assert "storage" not in tomllib.loads((directory / "node0" / "config.toml").read_text())


def test_scrub_finds_a_flipped_byte_and_exits_1(tmp_path: Path) -> None:
    home = _network(tmp_path, storage_nodes=1) / "storage1"
    suite = suite_for(load_genesis(home / "genesis.json").suite)
    store = DiskBlobStore(home / "blobs", suite.hash)
    digests = [store.put(f"ciphertext {i}".encode()) for i in range(3)]
    clean = govchain("storage", "scrub", "--home", home, env=WIDE)
    assert "every blob is intact" in clean.stdout
    path = next((home / "blobs").rglob(digests[1].hex()))
    damaged = bytearray(path.read_bytes())
    damaged[0] ^= 1
    path.write_bytes(bytes(damaged))
    found = govchain("storage", "scrub", "--home", home, "--json", check=False)
    assert found.returncode == 1
    report = json.loads(found.stdout)
    assert report == {"checked": 3, "ok": 2, "corrupt": [digests[1].hex()], "unreadable": []}
    table = govchain("storage", "scrub", "--home", home, check=False, env=WIDE)
    assert table.returncode == 1
    assert f"corrupt: {digests[1].hex()}" in table.stdout


def test_serve_refuses_a_bad_config_naming_every_problem(tmp_path: Path) -> None:
    home = _network(tmp_path, storage_nodes=1) / "storage1"
    text = (home / "storage.toml").read_text()
    text = text.replace('kind = "disk"', 'kind = "tape"').replace(
        "max_blob = 67108864", "max_blob = 1"
    )
    (home / "storage.toml").write_text(text)
    result = govchain("storage", "serve", "--home", home, check=False)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2
    assert any("storage.max_blob" in line for line in errors)
    assert any("backend.kind" in line for line in errors)


def _serve(home: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "govchain", "storage", "serve", "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _health(url: str, deadline_s: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{url}/v1/health", timeout=1.0)
            if answer.status_code == 200:
                body: dict[str, object] = answer.json()
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_serve_answers_refuses_unsigned_uploads_and_comes_back_after_a_kill(
    tmp_path: Path,
) -> None:
    directory = _network(tmp_path, storage_nodes=1)
    store = read_layout(directory).storage_nodes[0]
    process = _serve(store.home)
    try:
        assert _health(store.url) == {"status": "ok", "name": "storage1"}
        second = govchain("storage", "serve", "--home", store.home, check=False)
        assert second.returncode == 1
        assert "in use by process" in second.stderr
        holder = {"Govchain-Holder": "00" * 20}
        answer = httpx.put(f"{store.url}/v1/blobs", content=b"blob", headers=holder)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "signature_required"
        big = httpx.put(
            f"{store.url}/v1/blobs",
            content=b"x" * (64 * 1024 * 1024 + 1),
            headers=holder,
        )
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "blob_too_large"
        assert not any((store.home / "blobs").rglob("*[0-9a-f]" * 8))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process = _serve(store.home)
        assert _health(store.url) == {"status": "ok", "name": "storage1"}
        metrics = httpx.get(f"{store.url}/metrics", timeout=5).text
        assert "govchain_storage_corrupt_reads_total 0.0" in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
    log = (store.home / "node.log").read_text()
    assert "storage node storage1 up" in log
