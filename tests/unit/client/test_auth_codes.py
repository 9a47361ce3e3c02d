"""Authorization codes: format, check character, derivation, seals, proofs, QR (F-C3).

docs/spec/grants.md "Codes", docs/formats.md section 10; vectors from
scripts/make_auth_code_vectors.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import stat
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno

from govchain.client import auth_codes
from govchain.client.auth_codes import (
    CODE_ALPHABET,
    CodeTypoError,
    WrongCodeError,
    code_id,
    code_proof,
    derive,
    new_code,
    open_data_key,
    parse_code,
    seal_data_key,
    write_qr_png,
)
from govchain.codes.iso7064 import mod37_36_check_character
from govchain.contracts.assets import IssueArgs
from govchain.contracts.grants import (
    CODE_PROOF_DOMAIN,
    CodeArgs,
    UseArgs,
    code_proof_message,
    grants_tx,
)
from govchain.contracts.grants.state import read_code, read_usage
from govchain.crypto import SigningKey, suite_for
from govchain.crypto.gm import GmSigningKey
from govchain.types import Receipt
from govchain.types.errors import GovChainError, ValidationError
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, AssetChain, ok, refused

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "auth_codes.json").read_text()
)
SHOWN = re.compile(r"^([0-9A-HJ-NP-Z]{4}-){4}[0-9A-HJ-NP-Z]$")
FULL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
CONTENT_ID = bytes.fromhex("00112233445566778899aabbccddeeff")


def reference_is_valid(compact: str) -> bool:
    """ISO/IEC 7064 MOD 37,36 validation, written apart from govchain.codes.iso7064.

    Run the hybrid recursion over every character, check included: the
    string is valid when the last sum S (taken as 36 when 0) is 1.
    """
    product, total = 36, 0
    for character in compact:
        total = (product + FULL_ALPHABET.index(character)) % 36 or 36
        product = total * 2 % 37
    return total == 1


def compact_of(shown: str) -> str:
    return shown.replace("-", "")


def shown_of(compact: str) -> str:
    return "-".join([compact[i : i + 4] for i in range(0, 16, 4)] + [compact[16]])


def typo_message(text: str) -> str:
    with pytest.raises(CodeTypoError) as caught:
        parse_code(text)
    assert caught.value.code == "code_typo"
    return str(caught.value)


# Format and check character -------------------------------------------------


def test_new_codes_are_shown_grouped_with_a_valid_check_and_use_the_whole_alphabet() -> None:
    codes = [new_code() for _ in range(300)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert SHOWN.match(code), code
        assert reference_is_valid(compact_of(code))
        assert parse_code(code) == code
    counts = Counter("".join(compact_of(code)[:16] for code in codes))
    assert set(counts) == set(CODE_ALPHABET)  # 4,800 draws over 34 characters


def test_a_draw_whose_check_would_be_i_or_o_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from govchain.codes.iso7064 import mod37_36_check_character

    with_o = "0123456789ABCD0F"  # its MOD 37,36 check is O, not a code character
    assert mod37_36_check_character(with_o) == "O"
    draws: Iterator[str] = iter(with_o + "K7Q2M9PX4TRW8HJN")
    monkeypatch.setattr(auth_codes.secrets, "choice", lambda _alphabet: next(draws))
    assert new_code() == "K7Q2-M9PX-4TRW-8HJN-8"


def test_every_single_substitution_is_caught() -> None:
    for code in [new_code() for _ in range(4)] + ["0123-4567-89AB-CDEF-5"]:
        compact = compact_of(code)
        for index in range(17):
            for character in FULL_ALPHABET:
                if character == compact[index]:
                    continue
                typo = compact[:index] + character + compact[index + 1 :]
                assert not reference_is_valid(typo)
                message = typo_message(shown_of(typo))
                named = 17 if character in CODE_ALPHABET else index + 1
                assert f"character {named} " in message


def reference_state(prefix: str) -> int:
    """The MOD 37,36 running product P after ``prefix`` (36 before any character)."""
    product = 36
    for character in prefix:
        product = ((product + FULL_ALPHABET.index(character)) % 36 or 36) * 2 % 37
    return product


def swap_is_missed(prefix: str, first: str, second: str) -> bool:
    """The one case MOD 37,36 misses (docs/formats.md section 10): values a and a + 1
    (mod 36) swapped where the running product P before them has P + a = 18 (mod 36)."""
    low, high = FULL_ALPHABET.index(first), FULL_ALPHABET.index(second)
    if (high - low) % 36 == 35:
        low, high = high, low
    return (high - low) % 36 == 1 and (reference_state(prefix) + low) % 36 == 18


def test_adjacent_transpositions_are_caught_but_for_the_documented_neighbour_case() -> None:
    from govchain.codes.iso7064 import mod37_36_check_character

    base = "K7Q2M9PX4TRW8HJN"
    codes = []
    for index in range(15):
        for first in CODE_ALPHABET:
            for second in CODE_ALPHABET:
                data = base[:index] + first + second + base[index + 2 :]
                codes.append((index, data + mod37_36_check_character(data)))
    for last in CODE_ALPHABET:  # the last data character swapped with the check
        data = base[:15] + last
        codes.append((15, data + mod37_36_check_character(data)))
    missed = swaps = 0
    for index, compact in codes:
        first, second = compact[index], compact[index + 1]
        if first == second or compact[16] not in CODE_ALPHABET:
            continue  # no swap, or a code never issued (its check is I or O)
        swapped = compact[:index] + second + first + compact[index + 2 :]
        swaps += 1
        if swap_is_missed(compact[:index], first, second):
            missed += 1
            assert reference_is_valid(swapped)
            assert parse_code(swapped) == shown_of(swapped)  # another valid code
        else:
            assert not reference_is_valid(swapped)
            assert "character 17 (the check character)" in typo_message(swapped)
    # About 1 in 17 swaps is of neighbouring values, 1 in 36 of those at the bad state.
    assert 0 < missed < swaps / 500, (missed, swaps)


@pytest.mark.parametrize(
    "typed",
    [
        "K7Q2-M9PX-4TRW-8HJN-8",
        "k7q2-m9px-4trw-8hjn-8",
        "K7Q2M9PX4TRW8HJN8",
        "\tk7q2m9px4trw8hjn8 \n",
        " K7Q2 M9PX 4TRW 8HJN 8 ",
        "K7q2-M9Px-4tRW-8hjN-8",
    ],
)
def test_parse_accepts_the_shown_form_with_or_without_dashes_in_any_case(typed: str) -> None:
    assert parse_code(typed) == "K7Q2-M9PX-4TRW-8HJN-8"


def test_parse_names_the_position_and_never_echoes_the_code() -> None:
    code = new_code()
    compact = compact_of(code)
    bad = compact[:5] + "!" + compact[6:]
    message = typo_message(bad)
    assert "character 6 (group 2, place 2)" in message
    assert "did you mean 0?" in typo_message("O" + compact[1:])
    assert "did you mean 1?" in typo_message(compact[:16] + "I")
    assert "group 3, place 1" in typo_message(compact[:8] + "Ｋ" + compact[9:])
    assert "17 characters" in typo_message(compact[:16])
    assert "far longer" in typo_message(compact * 4)
    # two neighbours swapped, a pair the check character catches: a random code may repeat
    # a character, and MOD 37,36 misses a few transpositions (CI, 2026-12-07)
    swaps = (compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :] for i in range(3, 15))
    swapped = next(text for text in swaps if mod37_36_check_character(text[:16]) != text[16])
    for text in (bad, swapped, compact[:-1] + "?"):
        message = typo_message(text)
        for group in re.findall("....", compact[:16]):
            assert group not in message
        assert compact[:16] not in message


def test_the_typo_vectors_fail_as_recorded() -> None:
    for case in VECTORS["typos"]:
        with pytest.raises(GovChainError) as caught:
            parse_code(case["text"])
        assert caught.value.code == case["error"]
        assert case["names"] in str(caught.value)
    for case in VECTORS["typed"]:
        assert parse_code(case["text"]) == case["code"]


# Derivation -----------------------------------------------------------------


def reference_hkdf(seed: bytes, label: bytes, size: int) -> bytes:
    """RFC 5869 HKDF-SHA256 with no salt, written apart from ``cryptography``."""
    prk = hmac.new(bytes(32), seed, "sha256").digest()
    out, block = b"", b""
    for counter in range(1, -(-size // 32) + 1):
        block = hmac.new(prk, block + label + bytes([counter]), "sha256").digest()
        out += block
    return out[:size]


@pytest.mark.parametrize("case", VECTORS["derivations"], ids=lambda case: case["name"])
def test_derivation_vectors(case: dict[str, Any]) -> None:
    suite = suite_for(case["suite"])
    content_id = bytes.fromhex(case["content_id"])
    seed = hashlib.scrypt(
        compact_of(case["code"]).encode(), salt=b"govchain/auth-code/v1" + content_id,
        n=2**14, r=8, p=1, dklen=32,
    )  # fmt: skip
    assert seed.hex() == case["seed"]
    sign_label, seal_label = b"govchain/auth-code/v1/signing-key", b"govchain/auth-code/v1/seal-key"
    if case["suite"] == "gm":
        wide = int.from_bytes(reference_hkdf(seed, sign_label, 48), "big")
        assert (wide % (SM2_N - 2) + 1).to_bytes(32, "big").hex() == case["private"]
    else:
        assert reference_hkdf(seed, sign_label, 32).hex() == case["private"]
    assert reference_hkdf(seed, seal_label, suite.aead_key_size).hex() == case["seal_key"]

    keys = derive(suite, case["code"].lower(), content_id)
    if isinstance(keys.signing_key, GmSigningKey):
        assert keys.signing_key.sm2_key.to_scalar().hex() == case["private"]
    assert keys.code_key.hex() == case["code_key"]
    assert keys.seal_key.hex() == case["seal_key"]
    assert code_id(suite, keys).hex() == case["code_id"]
    assert suite.hash(keys.code_key)[:16].hex() == case["code_id"]

    sealed = bytes.fromhex(case["sealed"])
    assert open_data_key(suite, keys, sealed, content_id).hex() == case["data_key"]
    aad = b"govchain/auth-code-seal/v1" + content_id
    nonce = bytes.fromhex(case["nonce"])
    resealed = nonce + suite._aead_encrypt(
        keys.seal_key, nonce, bytes.fromhex(case["data_key"]), aad
    )
    assert resealed == sealed

    reader = bytes.fromhex(case["reader"])
    message = suite.tagged_hash(
        CODE_PROOF_DOMAIN,
        code_proof_message(case["chain_id"], reader, content_id, bytes.fromhex(case["code_id"])),
    )
    assert message.hex() == case["proof_message"]
    assert suite.verify(keys.code_key, message, bytes.fromhex(case["proof"]))
    proof = code_proof(suite, keys, case["chain_id"], reader, content_id)
    assert suite.verify(keys.code_key, message, proof)
    if case["proof_is_exact"]:
        assert proof.hex() == case["proof"]


@pytest.mark.parametrize("suite_name", ["gm", "intl"])
def test_derivation_is_deterministic_and_bound_to_the_code_and_the_asset(suite_name: str) -> None:
    suite = suite_for(suite_name)
    code = new_code()
    keys = derive(suite, code, CONTENT_ID)
    again = derive(suite, compact_of(code).lower(), CONTENT_ID)
    assert (again.code_key, again.seal_key) == (keys.code_key, keys.seal_key)
    other_asset = derive(suite, code, bytes(16))
    other_code = derive(suite, new_code(), CONTENT_ID)
    for other in (other_asset, other_code):
        assert other.code_key != keys.code_key
        assert other.seal_key != keys.seal_key
    assert len(keys.code_key) == suite.public_key_size
    assert len(keys.seal_key) == suite.aead_key_size
    assert keys.seal_key.hex() not in repr(keys)
    with pytest.raises(ValidationError, match="16 bytes"):
        derive(suite, code, bytes(15))
    with pytest.raises(CodeTypoError):
        derive(suite, code[:-1] + ("0" if code[-1] != "0" else "1"), CONTENT_ID)


@pytest.mark.parametrize("suite_name", ["gm", "intl"])
def test_seal_open_round_trip_and_a_wrong_code_fails_typed(suite_name: str) -> None:
    suite = suite_for(suite_name)
    keys = derive(suite, new_code(), CONTENT_ID)
    data_key = suite.new_aead_key()
    sealed = seal_data_key(suite, keys, data_key, CONTENT_ID)
    assert len(sealed) == 12 + suite.aead_key_size + 16
    assert open_data_key(suite, keys, sealed, CONTENT_ID) == data_key
    wrong = derive(suite, new_code(), CONTENT_ID)
    with pytest.raises(WrongCodeError) as caught:
        open_data_key(suite, wrong, sealed, CONTENT_ID)
    assert caught.value.code == "wrong_code"
    with pytest.raises(WrongCodeError):
        open_data_key(suite, keys, sealed, bytes(16))  # sealed for another asset
    with pytest.raises(WrongCodeError):
        open_data_key(suite, keys, sealed[:-1] + bytes([sealed[-1] ^ 1]), CONTENT_ID)
    with pytest.raises(ValidationError, match="data key"):
        seal_data_key(suite, keys, data_key + b"\x00", CONTENT_ID)
    with pytest.raises(ValidationError, match="at most 128"):
        open_data_key(suite, keys, bytes(129), CONTENT_ID)


# QR image -------------------------------------------------------------------


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + size]
        (crc,) = struct.unpack(">I", data[offset + 8 + size : offset + 12 + size])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + size
    return chunks


def png_rows(chunks: dict[bytes, bytes], width: int, height: int) -> list[list[int]]:
    """The pixels of a 1-bit greyscale PNG (0 dark, 1 light), all five filters undone."""
    stride = -(-width // 8)
    raw = zlib.decompress(chunks[b"IDAT"])
    rows, previous = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for x in range(stride):
            left = row[x - 1] if x else 0
            up, corner = previous[x], previous[x - 1] if x else 0
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), left),
                    (abs(guess - up), up),
                    (abs(guess - corner), corner),
                    key=lambda t: t[0],
                )
                row[x] = (row[x] + near[1]) & 0xFF
        previous = bytes(row)
        rows.append([(row[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
    return rows


def test_the_qr_png_is_the_version_2_m_symbol_of_the_shown_code(tmp_path: Path) -> None:
    code = new_code()
    path = tmp_path / "out" / "code.png"
    write_qr_png(compact_of(code).lower(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["code.png"]
    chunks = png_chunks(path.read_bytes())
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    side = (25 + 2 * 4) * 10  # version 2: 25 modules, a 4-module border, 10 pixels a module
    assert (width, height, depth, colour) == (side, side, 1, 0)
    symbol = segno.make_qr(code, error="M", boost_error=False)
    assert (symbol.version, symbol.error, symbol.mode) == (2, "M", "alphanumeric")
    rows = png_rows(chunks, width, height)
    for y in range(side):
        for x in range(side):
            my, mx = y // 10 - 4, x // 10 - 4
            dark = 0 <= my < 25 and 0 <= mx < 25 and bool(symbol.matrix[my][mx])
            assert rows[y][x] == (0 if dark else 1), (x, y)


def test_the_qr_writer_refuses_a_typo_and_writes_nothing(tmp_path: Path) -> None:
    code = compact_of(new_code())
    with pytest.raises(CodeTypoError):
        write_qr_png(code[:5] + "*" + code[6:], tmp_path / "code.png")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(ValidationError, match="cannot write the QR image"):
        write_qr_png(code, tmp_path / "file" / "code.png")


@pytest.mark.skipif(
    shutil.which("zbarimg") is None,
    reason="zbarimg is not installed (scripts/install-test-tools.sh, Debian zbar-tools)",
)
def test_zbar_reads_the_code_back_from_the_png(tmp_path: Path) -> None:
    code = new_code()
    write_qr_png(code, tmp_path / "code.png")
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "code.png")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.decode().strip() == code


# On a real chain --------------------------------------------------------------


class CodeScene:
    """An issued asset, its holder, a bank that types the code, and another account."""

    def __init__(self, suite_name: str) -> None:
        self.ac = AssetChain.make(suite_name)
        self.suite = self.ac.gc.maker.suite
        self.chain_id = self.ac.gc.maker.genesis.chain_id
        ok(self.ac.define(self.ac.gc.admins[0]))
        self.holder_key, self.holder, _ = self.ac.enterprise(1)
        self.ac.open_locker(self.holder_key)
        self.bank_key, self.bank, _ = self.ac.enterprise(2)
        self.other_key, self.other, _ = self.ac.enterprise(3)
        issue = IssueArgs(self.ac.new_version(self.holder), TYPE_CODE, self.holder, "authority")
        ok(self.ac.send(self.ac.gc.admins[0], issue))
        self.asset = issue.new.content_id
        with self.ac.gc.chain.view() as view:
            self.now = view.header(view.height).time

    def send(self, key: SigningKey, args: object) -> Receipt:
        tx = grants_tx(key, self.chain_id, args, os.urandom(16), 10_000)
        return self.ac.gc.run_one(tx)


@pytest.mark.parametrize("suite_name", ["intl", "gm"])
def test_a_derived_code_key_serves_the_reader_that_typed_it_f_c3(suite_name: str) -> None:
    scene = CodeScene(suite_name)
    suite = scene.suite
    code = new_code()
    holder_keys = derive(suite, code, scene.asset)
    data_key = suite.new_aead_key()
    sealed = seal_data_key(suite, holder_keys, data_key, scene.asset)
    args = CodeArgs(
        scene.asset, holder_keys.code_key, sealed, "银行开户", scene.now + 86_400_000, 1
    )
    ok(scene.send(scene.holder_key, args))

    typed = derive(suite, compact_of(code).lower(), scene.asset)  # what the bank's client derives
    ident = code_id(suite, typed)
    record = read_code(scene.ac.gc.read, ident)
    assert record is not None
    assert record.code_key == holder_keys.code_key
    assert open_data_key(suite, typed, record.sealed, scene.asset) == data_key

    for_other = {
        "code": ident,
        "proof": code_proof(suite, typed, scene.chain_id, scene.other, scene.asset),
    }
    refused(
        scene.send(scene.bank_key, UseArgs(scene.asset, "view", "核验", for_other)), "wrong_code"
    )
    wrong = derive(suite, new_code(), scene.asset)
    forged = {
        "code": ident,
        "proof": code_proof(suite, wrong, scene.chain_id, scene.bank, scene.asset),
    }
    refused(scene.send(scene.bank_key, UseArgs(scene.asset, "view", "核验", forged)), "wrong_code")

    via = {
        "code": ident,
        "proof": code_proof(suite, typed, scene.chain_id, scene.bank, scene.asset),
    }
    receipt = ok(scene.send(scene.bank_key, UseArgs(scene.asset, "view", "核验营业执照", via)))
    usage = read_usage(scene.ac.gc.read, receipt.tx_hash)
    assert usage is not None
    assert (usage.reader, usage.via, usage.via_id) == (scene.bank, "code", ident)
    refused(scene.send(scene.bank_key, UseArgs(scene.asset, "view", "核验", via)), "grant_used_up")
