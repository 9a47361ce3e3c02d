"""E-licences on a network of real processes (issue 16 acceptance; F-C1, F-C2, F-C7, F-A1).

Four validators and three storage nodes on loopback. A member defines the
business-licence type from examples/; enterprises open lockers; one asset is
issued in each of the four modes (self both approved and refused), every
identifier passes its GB/T 36904 check, the refusals name their reason. A
marker inside a document appears in no node home, no storage node home, no
log and no command output, while the holder fetches and decrypts it. A
flipped byte in a stored blob is detected and the read falls over; a killed
storage node stops neither uploads nor reads, and serves again once
restarted. A wrong password writes nothing; revoke and abolish show in the
status and the history, whose proofs verify offline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from govchain.client import verify_tx_receipt
from govchain.client.asset_crypto import decrypt_content
from govchain.client.assets import AssetClient
from govchain.client.registry import RegistryClient
from govchain.client.request_signing import RequestSigner
from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt
from govchain.codes import check_licence_id
from govchain.codes.demo import demo_uscc
from govchain.contracts.registry.txs import AccountAddArgs, RoleSetArgs
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.ledger import records
from govchain.ledger.genesis_file import load_genesis
from govchain.ledger.proofs import TxReceiptBundle
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout
from govchain.node.storage_layout import StorageNodeLayout
from tests.govchain_cli import govchain
from tests.integration.network_support import running_network, wait_for
from tests.s3_server import S3Server

pytestmark = pytest.mark.timeout(900)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
TYPE = "11100000MB0143028R001"
MARKER = "MARKER-e5c1b0-演示秘密"
SMALL_MAX_BLOB = 1 << 20
"""The storage nodes here take blobs up to 1 MiB, so an oversize one is cheap to send."""


def _fields(marker: str = MARKER) -> dict[str, Any]:
    fields = json.loads((EXAMPLES / "business_licence.fields.json").read_text(encoding="utf-8"))
    fields["住所"] = f"山东省济南市历下区演示路1号 {marker}"
    return fields


class Run:
    """The test's commands: every output kept, for the byte search at the end."""

    def __init__(self, layout: NetworkLayout, tmp: Path) -> None:
        self.layout, self.tmp, self.outputs = layout, tmp, []
        self.node = ["--node", ",".join(n.api_url for n in layout.nodes)]

    def __call__(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = govchain(*args, check=check)
        self.outputs.append(result.stdout + result.stderr)
        return result

    def json(self, *args: str | Path) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def refused(self, *args: str | Path) -> str:
        result = self(*args, check=False)
        assert result.returncode == 1, result.stdout + result.stderr
        return result.stdout + result.stderr


def _enterprise(run: Run, serial: int, member_code: str, admin: Path) -> tuple[Path, str]:
    key = run.tmp / f"enterprise{serial}.pem"
    suite = suite_for(run.layout.suite)
    write_file_atomic(key, suite.generate_key().to_pem())
    run(
        "subject", "apply", *run.node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(8000 + serial), "--name", f"济南演示{serial}号科技有限公司",
        "--member", member_code,
    )  # fmt: skip
    address = records.address_of(suite, read_signing_key(key).public_key).hex()
    run("subject", "approve", address, *run.node, "--key", admin, "--permissions", "transact")
    return key, address


def _staff(layout: NetworkLayout, admin: Path, tmp: Path) -> tuple[Path, str]:
    """A staff account of member 0 with a role that issues and reviews assets."""
    suite = suite_for(layout.suite)
    key = suite.generate_key()
    path = tmp / "staff.pem"
    write_file_atomic(path, key.to_pem())
    signer = read_signing_key(admin)
    with NodeClient(layout.nodes[0].api_url) as node:
        registry = RegistryClient(node)
        for _, tx_hash in (
            registry.set_role(
                signer, RoleSetArgs("licence_officer", ("assets.issue", "assets.review"))
            ),
        ):
            assert committed_receipt(node, tx_hash, 60).status == 0
        _, tx_hash = registry.add_account(
            signer, AccountAddArgs(key.public_key, "staff", ("licence_officer",), "窗口审核")
        )
        assert committed_receipt(node, tx_hash, 60).status == 0
    return path, records.address_of(suite, key.public_key).hex()


def _put(
    store: StorageNodeLayout, key: Path | None, body: bytes, holder: str, digest: str = ""
) -> httpx.Response:
    request = httpx.Request("PUT", f"{store.url}/v1/blobs", content=body)
    request.headers["Govchain-Holder"] = holder
    if digest:
        request.headers["Govchain-Content-Hash"] = digest
    if key is not None:
        request.headers.update(RequestSigner(read_signing_key(key)).headers_for(request))
    with httpx.Client(timeout=30) as client:
        return client.send(request)


def _bad_uploads_are_refused(
    store: StorageNodeLayout, holder_key: Path, holder: str, other: str
) -> None:
    """Oversize, wrong hash, unsigned, for another holder: 4xx with a code, nothing stored."""
    before = sorted(p.name for p in (store.home / "blobs").rglob("*") if p.is_file())
    body = b"\x01" * 100
    cases = [
        (_put(store, holder_key, b"\x02" * (SMALL_MAX_BLOB + 1), holder), 413, "blob_too_large"),
        (_put(store, holder_key, body, holder, "00" * 32), 400, "hash_mismatch"),
        (_put(store, None, body, holder), 401, "signature_required"),
        (_put(store, holder_key, body, other), 403, "upload_not_allowed"),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["code"] == code
    after = sorted(p.name for p in (store.home / "blobs").rglob("*") if p.is_file())
    assert after == before
    assert launcher.storage_ready(store.url, 5.0)


def _is_content_of(path: Path, issued: dict[str, str], run: Run) -> bool:
    """Whether the blob file ``path`` is the content the asset ``issued`` names."""
    shown = run.json("asset", "show", issued["id"], *run.node)
    return path.name == shown["asset"]["content"]["hash"]


def _regulated_type_moves_between_holders(
    run: Run, tmp: Path, password: Path, holder_key: Path, holder: str
) -> None:
    """A type with a regulator and transfer = holders: the regulator's envelope opens the data
    key; a transfer with the new holder's consent gives a version only the new holder opens."""
    layout = run.layout
    code0, _, admin0 = layout.members[0]
    code1, _, admin1 = layout.members[1]
    regulated = code1 + "001"  # a demo deposit certificate of member 1's
    regulator_key = layout.members[2][2]
    regulator = records.address_of(
        suite_for(layout.suite), read_signing_key(regulator_key).public_key
    ).hex()
    run("locker", "init", *run.node, "--key", regulator_key, "--password-file", password)
    definition = tmp / "deposit.toml"
    definition.write_text(
        f'code = "{regulated}"\nname = "存款证明(演示)"\nissuers = ["{code1}"]\n'
        f'modes = ["authority"]\nvalidity = "days:365"\nregulator = "{regulator}"\n'
        'transfer = "holders"\n\n[fields."金额"]\nkind = "integer"\nminimum = 0\n'
        "public = true\nrequired = true\n",
        encoding="utf-8",
    )
    assert run.json("asset-type", "define", *run.node, "--key", admin1, "--file", definition) == {
        "code": regulated,
        "version": 1,
    }
    amount = tmp / "amount.json"
    amount.write_text('{"金额": 500}', encoding="utf-8")
    issued = run.json(
        "asset", "issue", *run.node, "--key", admin1, "--type", regulated, "--holder", holder,
        "--mode", "authority", "--data", amount,
    )  # fmt: skip
    unlock = ("--password-file", password)
    by_holder = run.json("asset", "key", issued["id"], *run.node, "--key", holder_key, *unlock)
    by_regulator = run.json(
        "asset", "key", issued["id"], *run.node, "--key", regulator_key, *unlock
    )
    assert by_holder["data_key"] == by_regulator["data_key"]

    new_key, new_holder = _enterprise(run, 3, code0, admin0)
    run("locker", "init", *run.node, "--key", new_key, "--password-file", password)
    run(
        "asset", "consent", *run.node, "--key", new_key, "--type", regulated,
        "--mode", "transfer", "--party", holder,
    )  # fmt: skip
    moved = run.json(
        "asset", "transfer", issued["id"], *run.node, "--key", holder_key, "--to", new_holder,
        "--data", amount,
    )  # fmt: skip
    assert moved["id"].split(".")[-2] == "002"
    old = run.json("asset", "show", issued["id"], *run.node)
    assert old["status"] == "transferred"
    out = tmp / "moved"
    run("asset", "fetch", moved["id"], *run.node, "--key", new_key, *unlock, "--out", out)
    assert json.loads((out / f"{moved['id']}.fields.json").read_text("utf-8")) == {"金额": 500}
    assert "no_envelope" in run.refused(
        "asset", "key", moved["id"], *run.node, "--key", holder_key, *unlock
    )
    new_key_shown = run.json(
        "asset", "key", moved["id"], *run.node, "--key", regulator_key, *unlock
    )
    assert new_key_shown["data_key"] != by_holder["data_key"]


def _kill(store: StorageNodeLayout) -> None:
    pid = launcher.pid_of(store)
    assert pid is not None, f"{store.name} is not running"
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not launcher.storage_ready(store.url, 1.0), 30, f"{store.name} to stop")


def _s3_backend(server: S3Server, bucket: str) -> Callable[[NetworkLayout], None]:
    """Lay out the last storage node on the S3 server instead of its own disk."""

    def change(layout: NetworkLayout) -> None:
        for store in layout.storage_nodes:
            config = tomllib.loads((store.home / "storage.toml").read_text(encoding="utf-8"))
            config["storage"]["max_blob"] = SMALL_MAX_BLOB
            (store.home / "storage.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
        home = layout.storage_nodes[-1].home
        keys = home / "s3.keys"
        keys.write_text(f"{server.access_key}\n{server.secret_key}\n", encoding="utf-8")
        config = tomllib.loads((home / "storage.toml").read_text(encoding="utf-8"))
        config["backend"] = {
            "kind": "s3",
            "endpoint": server.endpoint_url,
            "bucket": bucket,
            "region": server.region,
            "keys_file": str(keys),
        }
        (home / "storage.toml").write_text(tomli_w.dumps(config), encoding="utf-8")

    return change


def test_assets_in_four_modes_encrypted_off_chain_with_failover(
    tmp_path: Path, s3_server: S3Server
) -> None:
    bucket = "assets-" + os.urandom(4).hex()
    with running_network(
        tmp_path / "net", validators=4, storage_nodes=3, before_up=_s3_backend(s3_server, bucket)
    ) as layout:
        run = Run(layout, tmp_path)
        genesis = load_genesis(layout.directory / "genesis.json")
        code0, _, admin0 = layout.members[0]
        _code2, _, admin2 = layout.members[2]
        defined = run.json(
            "asset-type", "define", *run.node, "--key", admin0,
            "--file", EXAMPLES / "business_licence.toml",
        )  # fmt: skip
        assert defined == {"code": TYPE, "version": 1}

        password = tmp_path / "password"
        password.write_text("演示-correct horse battery staple\n", encoding="utf-8")
        holder_key, holder = _enterprise(run, 1, code0, admin0)
        run("locker", "init", *run.node, "--key", holder_key, "--password-file", password)
        _lockerless_key, lockerless = _enterprise(run, 2, code0, admin0)

        document = tmp_path / "licence.pdf"
        document.write_bytes(b"%PDF-1.7 demo " + MARKER.encode() + b" end")
        data = tmp_path / "fields.json"
        data.write_text(json.dumps(_fields(), ensure_ascii=False), encoding="utf-8")
        issue = ("asset", "issue", *run.node, "--type", TYPE, "--data", data)

        # authority
        first = run.json(
            *issue, "--key", admin0, "--holder", holder, "--mode", "authority", "--file", document
        )
        check_licence_id(first["id"])
        out = tmp_path / "fetched"
        run(
            "asset",
            "fetch",
            first["id"],
            *run.node,
            "--key",
            holder_key,
            "--password-file",
            password,
            "--out",
            out,
        )
        assert (out / "licence.pdf").read_bytes() == document.read_bytes()
        assert json.loads((out / f"{first['id']}.fields.json").read_text("utf-8")) == _fields()

        # window: consent first
        assert "no_consent" in run.refused(
            *issue, "--key", admin0, "--holder", holder, "--mode", "window"
        )
        run(
            "asset",
            "consent",
            *run.node,
            "--key",
            holder_key,
            "--type",
            TYPE,
            "--mode",
            "window",
            "--party",
            code0,
        )
        window = run.json(*issue, "--key", admin0, "--holder", holder, "--mode", "window")
        check_licence_id(window["id"])

        # department: consent and a verifying staff account
        staff_key, staff = _staff(layout, admin0, tmp_path)
        run(
            "asset",
            "consent",
            *run.node,
            "--key",
            holder_key,
            "--type",
            TYPE,
            "--mode",
            "department",
            "--party",
            code0,
        )
        department = run.json(
            *issue,
            "--key",
            staff_key,
            "--holder",
            holder,
            "--mode",
            "department",
            "--verified-by",
            staff,
        )
        check_licence_id(department["id"])

        # self: submitted, then approved; another refused
        submit = ("asset", "submit", *run.node, "--key", holder_key, "--type", TYPE, "--data", data)
        pending = run.json(*submit, "--file", document)
        approved = run.json(
            "asset", "review", pending["content_id"], *run.node, "--key", staff_key, "--approve"
        )
        assert approved["status"] == "valid"
        check_licence_id(approved["id"])
        other = run.json(*submit)
        refused = run.json(
            "asset",
            "review",
            other["content_id"],
            *run.node,
            "--key",
            staff_key,
            "--refuse",
            "--reason",
            "材料不清晰",
        )
        assert (refused["status"], refused["id"]) == ("refused", other["content_id"])

        # refusals name the reason
        assert "unknown_type" in run.refused(
            *issue[:4],
            "--type",
            TYPE[:18] + "999",
            "--data",
            data,
            "--key",
            admin0,
            "--holder",
            holder,
            "--mode",
            "authority",
        )
        bad = tmp_path / "bad.json"
        bad.write_text(
            json.dumps({**_fields(), "注册资本": "很多"}, ensure_ascii=False), encoding="utf-8"
        )
        message = run.refused(
            *issue[:6], "--data", bad, "--key", admin0, "--holder", holder, "--mode", "authority"
        )
        assert "注册资本" in message
        assert "很多" not in message
        assert "issuer_not_allowed" in run.refused(
            *issue, "--key", admin2, "--holder", holder, "--mode", "authority"
        )
        assert "no_locker" in run.refused(
            *issue, "--key", admin0, "--holder", lockerless, "--mode", "authority"
        )

        _bad_uploads_are_refused(layout.storage_nodes[0], holder_key, holder, lockerless)

        # the data key, unlocked by the password on this machine, opens the stored blob
        shown_key = run.json(
            "asset", "key", first["id"], *run.node, "--key", holder_key, "--password-file", password
        )  # fmt: skip
        assert shown_key["method"] == "SM4-GCM"
        stored = next(s for s in layout.storage_nodes if s.name == "storage1").home / "blobs"
        [blob_path] = [
            p for p in stored.rglob("*") if p.is_file() and _is_content_of(p, first, run)
        ]
        opened = decrypt_content(
            suite_for(layout.suite), bytes.fromhex(shown_key["data_key"]),
            bytes.fromhex(first["content_id"]), 1, blob_path.read_bytes(),
        )  # fmt: skip
        assert opened.file == ("licence.pdf", document.read_bytes())
        assert "transfer_not_allowed" in run.refused(
            "asset", "transfer", first["id"], *run.node, "--key", admin0, "--to", lockerless,
            "--data", data,
        )  # fmt: skip

        # wrong password: a clear error, nothing written
        wrong = tmp_path / "wrong"
        wrong.write_text("not the password\n")
        nothing = tmp_path / "nothing"
        assert "wrong password" in run.refused(
            "asset",
            "fetch",
            first["id"],
            *run.node,
            "--key",
            holder_key,
            "--password-file",
            wrong,
            "--out",
            nothing,
        )
        assert not nothing.exists()

        # revoke and abolish: status and history, proofs verified offline
        run("asset", "revoke", window["id"], *run.node, "--key", admin0, "--reason", "登记信息有误")
        run(
            "asset",
            "abolish",
            department["id"],
            *run.node,
            "--key",
            staff_key,
            "--reason",
            "企业注销",
            check=False,
        )
        run(
            "asset",
            "abolish",
            department["id"],
            *run.node,
            "--key",
            admin0,
            "--reason",
            "企业注销",
            check=False,
        )
        for ref, status, actions in (
            (window["id"], "revoked", ["issue", "revoke"]),
            (department["id"], "abolished", ["issue", "abolish"]),
        ):
            shown = run.json(
                "asset", "show", ref, *run.node, "--genesis", layout.directory / "genesis.json"
            )
            assert shown["verified"]
            assert shown["status"] == status
            assert [h["action"] for h in shown["history"]] == actions
            for entry in shown["history"]:
                verified = verify_tx_receipt(genesis, TxReceiptBundle.from_json(entry["receipt"]))
                assert verified.status == 0
                assert verified.tx_hash.hex() == entry["tx_hash"]

        # a flipped byte on one storage node: detected, the read falls over
        with NodeClient([n.api_url for n in layout.nodes]) as client_node:
            sdk = AssetClient(client_node, read_signing_key(holder_key), genesis=genesis)
            asset = sdk.asset(first["id"])
            first_store = next(
                s for s in layout.storage_nodes if s.name == asset.content.blob.locators[0]
            )
            [blob_file] = list((first_store.home / "blobs").rglob(asset.content.blob.hash.hex()))
            raw = bytearray(blob_file.read_bytes())
            raw[len(raw) // 2] ^= 0x01
            blob_file.write_bytes(bytes(raw))
            fetched = sdk.fetch(first["id"], password.read_bytes().splitlines()[0])
            assert fetched.plaintext.file == ("licence.pdf", document.read_bytes())
            assert any(
                p.node == first_store.name and p.code == "blob_corrupt"
                for p in sdk.storage.problems
            )
            scrub = run("storage", "scrub", "--home", first_store.home, check=False)
            assert scrub.returncode == 1

            # a killed storage node: uploads and reads go on; restarted, it serves again
            victim = layout.storage_nodes[1]
            _kill(victim)
            issuer = AssetClient(client_node, read_signing_key(admin0), genesis=genesis)
            after_kill = issuer.issue(
                TYPE, bytes.fromhex(holder), "authority", _fields(MARKER + " after-kill")
            )
            assert victim.name not in sdk.asset(after_kill.identifier).content.blob.locators
            unlock = password.read_bytes().splitlines()[0]
            fields = sdk.fetch(after_kill.identifier, unlock).plaintext.fields
            assert str(fields["住所"]).endswith("after-kill")
            launcher.start_node(victim)
            wait_for(
                lambda: launcher.storage_ready(victim.url, 1.0), 60, "the restarted storage node"
            )
            assert sdk.fetch(first["id"], unlock).asset.content_id == asset.content_id

            locker = run.json("locker", "list", *run.node, "--key", holder_key)
            [group] = locker["types"]
            statuses = sorted(a["status"] for a in group["assets"])
            assert statuses.count("valid") >= 3
            assert "revoked" in statuses
            assert "refused" in statuses
            sdk.close()
            issuer.close()

        _regulated_type_moves_between_holders(run, tmp_path, password, holder_key, holder)

    # the marker is nowhere but where the holder decrypted it: not on disk, not in S3
    needle = MARKER.encode()
    s3 = s3_server.client()
    objects = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert objects, "the S3-backed storage node holds blobs"
    for item in objects:
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        assert needle not in body, f"S3 object {item['Key']} holds the marker in clear"
    for path in (tmp_path / "net").rglob("*"):
        if path.is_file():
            assert needle not in path.read_bytes(), f"{path} holds the marker in clear"
    for output in run.outputs:
        assert MARKER not in output
