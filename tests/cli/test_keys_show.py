"""``govchain keys show``: suite, public key and address of a key file (issue 14 item 8)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from govchain.crypto.keyfiles import read_signing_key
from govchain.crypto.suites import suite_for
from govchain.ledger.records import address_of

from ..govchain_cli import govchain, one_line_error

WIDE = {**os.environ, "COLUMNS": "300"}


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_show_private_and_public_key_alike(tmp_path: Path, suite: str) -> None:
    key, pub = tmp_path / "k.pem", tmp_path / "k.pub"
    govchain("keys", "new", "--suite", suite, "--out", key, "--pub", pub)
    shown = json.loads(govchain("keys", "show", key, "--json").stdout)
    assert json.loads(govchain("keys", "show", pub, "--json").stdout) == shown
    expected_key = read_signing_key(key).public_key
    assert shown == {
        "suite": suite,
        "public_key": expected_key.hex(),
        "address": address_of(suite_for(suite), expected_key).hex(),
    }
    assert len(bytes.fromhex(shown["address"])) == 20
    table = govchain("keys", "show", key, env=WIDE).stdout
    for value in shown.values():
        assert value in table


def test_encrypted_key_needs_its_password(tmp_path: Path) -> None:
    key, password = tmp_path / "k.pem", tmp_path / "password"
    password.write_text("s3cret\n")
    govchain("keys", "new", "--out", key, "--password-file", password)
    assert "encrypted" in one_line_error(govchain("keys", "show", key, check=False))
    shown = json.loads(govchain("keys", "show", key, "--password-file", password, "--json").stdout)
    assert shown["public_key"] == read_signing_key(key, b"s3cret").public_key.hex()
    wrong = tmp_path / "wrong"
    wrong.write_text("guess\n")
    one_line_error(govchain("keys", "show", key, "--password-file", wrong, check=False))


@pytest.mark.parametrize("content", [None, b"", b"not a pem", b"-----BEGIN PUBLIC KEY-----\n"])
def test_unreadable_key_files_are_one_line_errors(tmp_path: Path, content: bytes | None) -> None:
    key = tmp_path / "k.pem"
    if content is not None:
        key.write_bytes(content)
    result = govchain("keys", "show", key, check=False)
    one_line_error(result)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_directory_is_a_one_line_error(tmp_path: Path) -> None:
    assert str(tmp_path) in one_line_error(govchain("keys", "show", tmp_path, check=False))
