"""Storage nodes serve a grantee only against a committed usage record (issue 17 item 4; F-C2).

Two validators and two storage nodes on loopback (empty blocks come fast, so
the usage window passes within the test). A member issues a business
licence to an enterprise with the assets SDK; the holder grants a bank view
of it, the data key sealed to the bank's locker key; the bank sends
``grants.use`` and fetches the ciphertext with ``?use=``: it gets bytes that
decrypt to the licence and an annotated copy (加注件) that ``govchain
verify`` accepts offline. The bank asking with ``?asset=``, with a tx that
made no usage record, or a stranger asking with the bank's record, is
refused with a code and served nothing; once the record is more than
``USE_WINDOW`` blocks old it is refused as stale.
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from govchain.client.annotations import ANNOTATION_HEADER, AnnotatedCopy
from govchain.client.asset_crypto import decrypt_content, envelope_for
from govchain.client.assets import AssetClient, storage_nodes
from govchain.client.request_signing import RequestSigner
from govchain.client.sdk import NodeClient
from govchain.client.storage import StorageClient
from govchain.client.submission import committed_receipt, submit_args
from govchain.codes.demo import demo_uscc
from govchain.contracts.grants import GrantArgs, UseArgs, grants_tx
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.node.netinit import NetworkLayout
from govchain.node.storage_layout import StorageNodeLayout
from govchain.storage_node.access import USE_WINDOW
from tests.govchain_cli import govchain
from tests.integration.network_support import height_of, running_network, wait_for

pytestmark = pytest.mark.timeout(600)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
TYPE = "11100000MB0143028R001"
PASSWORD = "演示-correct horse battery staple"
DAY_MS = 86_400_000
PURPOSE = "开户核验"


def _fast_empty_blocks(layout: NetworkLayout) -> None:
    """Empty blocks every few tens of ms, so USE_WINDOW blocks pass in seconds."""
    for node in layout.nodes:
        path = node.home / "config.toml"
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        config.setdefault("consensus", {})["empty_block_after_ms"] = 20
        path.write_text(tomli_w.dumps(config), encoding="utf-8")


def _enterprise(layout: NetworkLayout, tmp: Path, serial: int, password: Path) -> SigningKey:
    """A registered, approved enterprise subject of member 0 with an open locker."""
    code, _, admin = layout.members[0]
    node = ["--node", layout.nodes[0].api_url]
    path = tmp / f"enterprise{serial}.pem"
    key = suite_for(layout.suite).generate_key()
    write_file_atomic(path, key.to_pem())
    govchain(
        "subject", "apply", *node, "--key", path, "--kind", "enterprise",
        "--code", demo_uscc(8100 + serial), "--name", f"济南演示{serial}号银行有限公司",
        "--member", code,
    )  # fmt: skip
    address = records.address_of(suite_for(layout.suite), key.public_key).hex()
    govchain("subject", "approve", address, *node, "--key", admin, "--permissions", "transact")
    govchain("locker", "init", *node, "--key", path, "--password-file", password)
    return key


def _send_grants(node: NodeClient, key: SigningKey, args: Any) -> bytes:
    """Submit a grants tx, wait for its commit, and return its hash (it must succeed)."""
    _, tx_hash = submit_args(node, key, grants_tx, args)
    receipt = committed_receipt(node, tx_hash, 60)
    assert receipt.status == 0, receipt.error
    return tx_hash


def _get(store: StorageNodeLayout, key: SigningKey, digest: bytes, query: str) -> httpx.Response:
    request = httpx.Request("GET", f"{store.url}/v1/blobs/{digest.hex()}?{query}")
    request.headers.update(RequestSigner(key).headers_for(request))
    with httpx.Client(timeout=30) as client:
        return client.send(request)


def _refused(answer: httpx.Response, status: int, code: str, blob: bytes) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert ANNOTATION_HEADER not in answer.headers
    assert blob not in answer.content


def test_a_bank_reads_a_granted_licence_only_against_its_recent_usage_record_f_c2(
    tmp_path: Path,
) -> None:
    with running_network(
        tmp_path / "net", validators=2, storage_nodes=2, before_up=_fast_empty_blocks
    ) as layout:
        api = layout.nodes[0].api_url
        suite = suite_for(layout.suite)
        admin_path = layout.members[0][2]
        govchain(
            "asset-type", "define", "--node", api, "--key", admin_path,
            "--file", EXAMPLES / "business_licence.toml",
        )  # fmt: skip
        password = tmp_path / "password"
        password.write_text(PASSWORD + "\n", encoding="utf-8")
        holder_key = _enterprise(layout, tmp_path, 1, password)
        bank_key = _enterprise(layout, tmp_path, 2, password)
        bank = records.address_of(suite, bank_key.public_key)
        holder = records.address_of(suite, holder_key.public_key)
        fields = json.loads((EXAMPLES / "business_licence.fields.json").read_text("utf-8"))

        with NodeClient(api) as node:
            with AssetClient(node, read_signing_key(admin_path)) as issuer:
                issued = issuer.issue(TYPE, holder, "authority", fields)
            with AssetClient(node, holder_key) as holder_client:
                ref = issued.content_id.hex()
                asset = holder_client.asset(ref)
                data_key = holder_client.data_key(ref, PASSWORD.encode())
                bank_locker = holder_client.locker(bank)
                assert bank_locker is not None
                grant = GrantArgs(
                    asset=issued.content_id, grantee=bank, scope="view", purpose=PURPOSE,
                    expires=int(time.time() * 1000) + DAY_MS, uses=3,
                    envelope=envelope_for(suite, bank_locker.public_key, data_key),
                )  # fmt: skip
                grant_tx = _send_grants(node, holder_key, grant)
            use = UseArgs(issued.content_id, "view", PURPOSE, {"grant": grant_tx[:16]})
            use_tx = _send_grants(node, bank_key, use)
            blob = asset.content.blob
            with StorageClient(suite, bank_key, storage_nodes(node)) as storage:
                data, annotation = storage.get_for_use(blob.hash, blob.locators, use_tx)
            bundle = TxReceiptBundle.from_json(node.get_json(f"/v1/txs/{use_tx.hex()}")["receipt"])
            usage_height = node.get_json(f"/v1/usage/{use_tx.hex()}")["usage"]["height"]

        opened = decrypt_content(suite, data_key, issued.content_id, asset.version, data)
        assert opened.fields == fields
        assert (annotation.viewer, annotation.purpose, annotation.tx_hash) == (
            bank, PURPOSE, use_tx,
        )  # fmt: skip
        assert annotation.time == bundle.header.time
        assert annotation.node in blob.locators
        copy = tmp_path / "COPY.json"
        copy.write_text(json.dumps(AnnotatedCopy(annotation, bundle).to_json()), "utf-8")
        genesis = layout.directory / "genesis.json"
        shown = govchain("verify", copy, "--genesis", genesis)
        assert "annotated copy verified" in shown.stdout
        assert PURPOSE in shown.stdout

        ciphertext = data
        store = next(s for s in layout.storage_nodes if s.name == blob.locators[0])
        holder_read = _get(store, holder_key, blob.hash, f"asset={ref}")
        assert holder_read.status_code == 200  # the holder's own read is unchanged
        assert holder_read.content == ciphertext
        _refused(_get(store, bank_key, blob.hash, f"asset={ref}"), 403, "read_not_allowed", data)
        _refused(_get(store, bank_key, blob.hash, f"use={grant_tx.hex()}"), 404, "not_found", data)
        stranger = read_signing_key(admin_path)
        _refused(
            _get(store, stranger, blob.hash, f"use={use_tx.hex()}"), 403, "read_not_allowed", data
        )
        assert _get(store, bank_key, blob.hash, f"use={use_tx.hex()}").status_code == 200

        stale_at = usage_height + USE_WINDOW + 1
        wait_for(
            lambda: (height_of(api) or 0) >= stale_at + 1, 300, f"height {stale_at} (the window)"
        )
        _refused(_get(store, bank_key, blob.hash, f"use={use_tx.hex()}"), 403, "use_stale", data)
