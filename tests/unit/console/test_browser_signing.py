"""The console's browser signing code, run under node, signs what our verifiers accept
(issue 19 item 6: no private key or password leaves the user's machine; F-E3).

The bundle ``make install`` builds (static/build/console-signing.js) is loaded
as the browser would load it; keys made in Python, written as the key files
``govchain keys`` writes (plain and password-encrypted PKCS#8), are read by
it and their signatures checked by ``govchain.crypto``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from govchain.console.app import SIGNING_BUNDLE
from govchain.crypto import SigningKey, suite_for

_RUNNER = """
const vm = require("vm"), fs = require("fs");
vm.runInThisContext(fs.readFileSync(process.argv[1], "utf8"));
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map((c) => {
  try {
    const key = GovChainSigning.readKeyFile(c.pem, c.password);
    return {
      suite: key.suite,
      public_key: GovChainSigning.publicKeyHex(key),
      tx: GovChainSigning.signHex(key, c.message_hex),
      text: GovChainSigning.signText(key, c.text),
    };
  } catch (error) {
    return { error: error.code || String(error) };
  }
})));
"""
MESSAGE = bytes(range(256)) * 3
TEXT = "govchain console sign-in\norigin: http://127.0.0.1:8700\n挑战"


def _run(cases: list[dict[str, str]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is missing: make install installs nodejs"
    assert SIGNING_BUNDLE.is_file(), f"{SIGNING_BUNDLE} is missing: run make install"
    done = subprocess.run(
        [node, "-e", _RUNNER, str(SIGNING_BUNDLE)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


def _case(key: SigningKey, password: str = "", given: str | None = None) -> dict[str, str]:
    pem = key.to_pem(password.encode() if password else None).decode()
    return {
        "pem": pem,
        "password": password if given is None else given,
        "message_hex": MESSAGE.hex(),
        "text": TEXT,
    }


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_browser_signatures_verify_in_python(suite: str) -> None:
    crypto = suite_for(suite)
    plain, sealed = crypto.generate_key(), crypto.generate_key()
    answers = _run([_case(plain), _case(sealed, "口令 pass")])
    for key, answer in zip((plain, sealed), answers, strict=True):
        assert "error" not in answer, answer
        assert answer["suite"] == suite
        assert answer["public_key"] == key.public_key.hex()
        assert crypto.verify(key.public_key, MESSAGE, bytes.fromhex(answer["tx"]))
        assert crypto.verify(key.public_key, TEXT.encode(), bytes.fromhex(answer["text"]))
        assert not crypto.verify(key.public_key, MESSAGE[1:], bytes.fromhex(answer["tx"]))


def test_unreadable_and_encrypted_key_files_are_refused_by_code() -> None:
    gm = suite_for("gm").generate_key()
    answers = _run([
        _case(gm, "right", given=""),
        _case(gm, "right", given="wrong"),
        {"pem": "not a key", "password": "", "message_hex": "", "text": ""},
        {"pem": gm.public_key_pem().decode(), "password": "", "message_hex": "", "text": ""},
    ])  # fmt: skip
    assert [a.get("error") for a in answers] == [
        "encrypted",
        "wrong_password",
        "unreadable",
        "unreadable",
    ]
