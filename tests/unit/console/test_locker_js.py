"""The console's browser-side locker crypto (web/locker/locker_crypto.js) opens what our Python
code seals: run under ``node`` on wrapped locker keys, envelopes and content blobs made by
password_wrap, envelopes and asset_crypto, for both suites and both KDFs (issue 19 item 6;
F-C1, F-C2, docs/formats.md section 9). The same plaintext must come out, byte for byte.
So with messages (web/locker/message_crypto.js, F-C6): sealed by client/message_crypto.py to a
locker whose key is unwrapped as the messages page unwraps it; altered ones refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from govchain.client.asset_crypto import encrypt_content, envelope_for
from govchain.client.locker_keys import new_locker
from govchain.client.message_crypto import MessagePlaintext, seal_message
from govchain.crypto import suite_for
from govchain.crypto.password_wrap import Pbkdf2Params, ScryptParams, default_params, wrap_secret

WEB = Path(__file__).resolve().parents[3] / "src" / "govchain" / "console" / "web"
MODULE = WEB / "locker" / "locker_crypto.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

_RUNNER = """
import { openAsset } from %s;
import { hexToBytes, bytesToHex } from "@noble/hashes/utils.js";
const cases = JSON.parse(await new Promise((ok) => {
  let text = "";
  process.stdin.on("data", (c) => (text += c));
  process.stdin.on("end", () => ok(text));
}));
const out = [];
for (const c of cases) {
  try {
    const got = await openAsset({
      suite: c.suite, wrappedKey: hexToBytes(c.wrapped), password: c.password,
      address: hexToBytes(c.address), lockerPublic: hexToBytes(c.public),
      envelope: hexToBytes(c.envelope), contentId: hexToBytes(c.content_id),
      version: c.version, blob: hexToBytes(c.blob),
    });
    out.push({ fields: got.fields,
               file: got.file && { name: got.file.name, bytes: bytesToHex(got.file.bytes) } });
  } catch (err) {
    out.push({ error: err.code || String(err) });
  }
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The console's npm packages (``npm ci`` here when a fresh checkout has none)."""
    if not (WEB / "node_modules" / "sm-crypto-v2").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=WEB,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return WEB / "node_modules"


def _run(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    script = _RUNNER % json.dumps(MODULE.as_uri())
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=WEB,
        input=json.dumps(cases).encode(),
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return list(json.loads(done.stdout))


FIELDS = {"企业名称": "济南锁柜演示有限公司", "注册资本": 5_000_000, "marker": "LOCKER-MARKER-7f3a"}
FILE = ("营业执照.pdf", b"%PDF-1.4 " + os.urandom(300))


def _case(suite_name: str, params: Any, version: int, password: str) -> dict[str, Any]:
    suite = suite_for(suite_name)
    address = os.urandom(20)
    locker, public = new_locker(suite)
    wrapped = wrap_secret(suite, locker.private_bytes(), password.encode(), address, params)
    content_id = os.urandom(16)
    data_key, blob = encrypt_content(suite, content_id, version, FIELDS, FILE)
    return {
        "suite": suite_name,
        "wrapped": wrapped.hex(),
        "password": password,
        "address": address.hex(),
        "public": public.hex(),
        "envelope": envelope_for(suite, public, data_key).hex(),
        "content_id": content_id.hex(),
        "version": version,
        "blob": blob.hex(),
    }


def _expected() -> dict[str, Any]:
    return {"fields": FIELDS, "file": {"name": FILE[0], "bytes": FILE[1].hex()}}


def test_js_opens_python_sealed_assets_for_both_suites_and_kdfs(node_modules: Path) -> None:
    fast_scrypt = ScryptParams(os.urandom(16), n=2**10, r=8, p=1)
    cases = [
        _case("gm", default_params("scrypt"), 1, "演示 password"),  # what `locker init` writes
        _case("gm", Pbkdf2Params(os.urandom(16), iterations=100_000), 3, "pbkdf2 口令"),
        _case("intl", fast_scrypt, 2, "intl password"),
    ]
    assert _run(cases) == [_expected()] * 3


def test_js_refuses_a_wrong_password_an_altered_blob_and_another_version(
    node_modules: Path,
) -> None:
    fast_scrypt = ScryptParams(os.urandom(16), n=2**10, r=8, p=1)
    wrong_password = {**_case("gm", fast_scrypt, 1, "right"), "password": "wrong"}
    altered = _case("gm", fast_scrypt, 1, "right")
    blob = bytearray.fromhex(altered["blob"])
    blob[20] ^= 1
    altered["blob"] = blob.hex()
    other_version = {**_case("intl", fast_scrypt, 1, "right"), "version": 2}
    other_envelope = _case("gm", fast_scrypt, 1, "right")
    other_envelope["envelope"] = _case("gm", fast_scrypt, 1, "right")["envelope"]
    found = _run([wrong_password, altered, other_version, other_envelope])
    assert found == [
        {"error": "wrong_password"},
        {"error": "decryption_failed"},
        {"error": "decryption_failed"},
        {"error": "envelope_not_opened"},
    ]


# --- messages (web/locker/message_crypto.js; docs/spec/messages.md) -----------------------

MESSAGE_MODULE = WEB / "locker" / "message_crypto.js"

_MESSAGE_RUNNER = """
import { unwrapLockerKey } from %s;
import { openMessage } from %s;
import { hexToBytes, bytesToHex } from "@noble/hashes/utils.js";
const cases = JSON.parse(await new Promise((ok) => {
  let text = "";
  process.stdin.on("data", (c) => (text += c));
  process.stdin.on("end", () => ok(text));
}));
const out = [];
for (const c of cases) {
  try {
    const secret = await unwrapLockerKey(c.suite, hexToBytes(c.wrapped), c.password,
                                         hexToBytes(c.address));
    const got = openMessage(c.suite, secret, hexToBytes(c.address), hexToBytes(c.sealed));
    out.push({ sender: bytesToHex(got.sender), recipient: bytesToHex(got.recipient),
               kind: got.kind, name: got.name, body: bytesToHex(got.body), time: got.time });
  } catch (err) {
    out.push({ error: err.code || String(err) });
  }
}
process.stdout.write(JSON.stringify(out));
"""


def _run_messages(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    script = _MESSAGE_RUNNER % (json.dumps(MODULE.as_uri()), json.dumps(MESSAGE_MODULE.as_uri()))
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=WEB,
        input=json.dumps(cases).encode(),
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return list(json.loads(done.stdout))


def _message_case(
    suite_name: str, plaintext: MessagePlaintext | None = None, kind: str = "text"
) -> tuple[dict[str, Any], MessagePlaintext]:
    """A locker (wrapped key, scrypt made quick) and a message our Python code sealed to it."""
    suite = suite_for(suite_name)
    address = os.urandom(20)
    locker, public = new_locker(suite)
    params = ScryptParams(os.urandom(16), n=2**10, r=8, p=1)
    wrapped = wrap_secret(suite, locker.private_bytes(), b"message password", address, params)
    body = "消息正文 MESSAGE-MARKER-5c1e\n第二行".encode() if kind == "text" else os.urandom(500)
    name = "" if kind == "text" else "材料清单.pdf"
    message = plaintext or MessagePlaintext(
        os.urandom(20), address, kind, name, body, 1_765_000_000_123
    )
    return {
        "suite": suite_name,
        "wrapped": wrapped.hex(),
        "password": "message password",
        "address": address.hex(),
        "sealed": seal_message(suite, public, message).hex(),
    }, message


def _shown(message: MessagePlaintext) -> dict[str, Any]:
    return {
        "sender": message.sender.hex(),
        "recipient": message.recipient.hex(),
        "kind": message.kind,
        "name": message.name,
        "body": message.body.hex(),
        "time": message.time,
    }


def test_js_opens_messages_python_sealed_for_both_suites(node_modules: Path) -> None:
    made = [_message_case("gm"), _message_case("intl"), _message_case("gm", kind="file")]
    assert _run_messages([case for case, _ in made]) == [_shown(m) for _, m in made]


def test_js_refuses_a_tampered_message_another_lockers_and_another_recipients(
    node_modules: Path,
) -> None:
    tampered, _ = _message_case("gm")
    sealed = bytearray.fromhex(tampered["sealed"])
    sealed[-5] ^= 1  # inside the box's tag
    tampered["sealed"] = sealed.hex()
    other_locker, _ = _message_case("intl")
    other_locker["sealed"] = _message_case("intl")[0]["sealed"]
    # sealed to this locker, but the recipient inside (and so the AAD) is another account
    elsewhere, _ = _message_case("gm")
    suite = suite_for("gm")
    locker, public = new_locker(suite)
    address = os.urandom(20)
    wrapped = wrap_secret(
        suite, locker.private_bytes(), b"message password", address,
        ScryptParams(os.urandom(16), n=2**10, r=8, p=1),
    )  # fmt: skip
    other = MessagePlaintext(os.urandom(20), os.urandom(20), "text", "", b"x", 1)
    elsewhere.update(
        wrapped=wrapped.hex(),
        address=address.hex(),
        sealed=seal_message(suite, public, other).hex(),
    )
    not_sealed, _ = _message_case("intl")
    not_sealed["sealed"] = "a1616101"  # CBOR {"a": 1}
    found = _run_messages([tampered, other_locker, elsewhere, not_sealed])
    assert found == [
        {"error": "decryption_failed"},
        {"error": "decryption_failed"},
        {"error": "decryption_failed"},
        {"error": "invalid_format"},
    ]
