"""Write tests/vectors/asset_records.json: canonical CBOR of the ``assets`` records and tx args.

Every vector is built from fixed inputs (listed in the file's ``inputs``): an
asset type, two lockers (an X25519 one under ``intl`` and an SM2 one under
``gm``), a consent, an asset with its content and two envelopes, a history
entry, and the args of each ``assets.*`` tx type. The asset's content is
real: a blob under a fixed data key and nonce (AES-256-GCM, ``intl``) and
two X25519 envelopes with fixed ephemeral keys and nonces, so every byte is
reproducible. The lockers' wrapped-key blob is the ``intl-wrapped-scrypt``
blob of tests/vectors/asset_crypto.json. The test
tests/unit/contracts/assets/test_record_vectors.py rebuilds each from the
inputs and decodes each back. Keys and data are test values, published
here; credit codes are demo codes (govchain.codes.demo). See docs/formats.md
section 7, ``assets.*``.
Run: .venv/bin/python scripts/make_asset_record_vectors.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govchain.client.asset_crypto import Plaintext, content_aad, content_method
from govchain.codec import encode
from govchain.codes import build_licence_id
from govchain.codes.demo import demo_uscc
from govchain.contracts.assets.content import BlobRef, Content, Envelope
from govchain.contracts.assets.records import Asset, AssetType, Consent, HistoryEntry, Locker
from govchain.contracts.assets.schema import parse_schema
from govchain.contracts.assets.txs import (
    ConsentArgs,
    IssueArgs,
    LockerInitArgs,
    NewVersion,
    ReviewArgs,
    StatusArgs,
    SubmitArgs,
    TransferArgs,
    TypeDefineArgs,
)
from govchain.crypto import suite_for
from govchain.crypto.envelopes import locker_key_from_bytes, x25519_envelope

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "vectors" / "asset_records.json"
CRYPTO_VECTORS = ROOT / "tests" / "vectors" / "asset_crypto.json"

DEPARTMENT = demo_uscc(1)
WINDOW = demo_uscc(2)
INPUTS: dict[str, Any] = {
    "type_code": DEPARTMENT + "001",
    "department": DEPARTMENT,
    "window": WINDOW,
    "holder": "a1" * 20,
    "new_holder": "a2" * 20,
    "staff": "b2" * 20,
    "regulator": "c3" * 20,
    "admin": "d4" * 20,
    "holder_locker_private": "77" * 32,
    "regulator_locker_private": "78" * 32,
    "gm_locker_scalar": "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
    "content_id": "0123456789abcdef0123456789abcdef",
    "new_content_id": "fedcba9876543210fedcba9876543210",
    "data_key": bytes(range(32)).hex(),
    "content_nonce": "000102030405060708090a0b",
    "envelope_ephemeral": ["5d" * 32, "5e" * 32],
    "envelope_nonces": ["101112131415161718191a1b", "202122232425262728292a2b"],
    "locators": ["storage0", "storage1"],
    "fields": {"名称": "示例商贸有限公司", "注册资本万元": 100, "成立日期": "2024-03-15"},
    "file": {"name": "licence.txt", "bytes": "营业执照 demo document\n".encode().hex()},
    "schema": {
        "type": "object",
        "properties": {
            "名称": {"type": "string", "maxLength": 64, "public": True},
            "注册资本万元": {"type": "integer", "minimum": 0},
            "成立日期": {"type": "string", "format": "date", "public": True},
        },
        "required": ["名称", "成立日期"],
    },
    "serial": 42,
    "height": 1200,
    "time": 1_800_000_000_000,
    "valid_until": 1_900_000_000_000,
    "tx_hash": "e5" * 32,
    "consent_tx": "c0" * 32,
    "reason": "证照信息有误",
}


def _b(name: str) -> bytes:
    return bytes.fromhex(INPUTS[name])


def _wrapped_key_blob() -> bytes:
    vectors = json.loads(CRYPTO_VECTORS.read_text("utf-8"))
    case = next(c for c in vectors["wrapped"] if c["name"] == "intl-wrapped-scrypt")
    return bytes.fromhex(case["blob"])


def _content() -> Content:
    suite = suite_for("intl")
    file = INPUTS["file"]
    plaintext = Plaintext(dict(INPUTS["fields"]), (file["name"], bytes.fromhex(file["bytes"])))
    nonce = _b("content_nonce")
    aad = content_aad(_b("content_id"), 1)
    blob = nonce + suite._aead_encrypt(_b("data_key"), nonce, plaintext.to_cbor(), aad)
    envelopes = []
    for index, (reader, kind, private) in enumerate(
        (("holder", "holder", "holder_locker_private"),
         ("regulator", "regulator", "regulator_locker_private"))
    ):  # fmt: skip
        public = locker_key_from_bytes(suite, _b(private)).public_key
        sealed = x25519_envelope(
            public,
            _b("data_key"),
            bytes.fromhex(INPUTS["envelope_ephemeral"][index]),
            bytes.fromhex(INPUTS["envelope_nonces"][index]),
        )
        envelopes.append(Envelope(_b(reader), kind, sealed))
    ref = BlobRef(suite.hash(blob), len(blob), tuple(INPUTS["locators"]))
    return Content(ref, content_method(suite), tuple(envelopes))


def _records() -> dict[str, bytes]:
    intl = suite_for("intl")
    key_blob = _wrapped_key_blob()
    key_ref = BlobRef(intl.hash(key_blob), len(key_blob), tuple(INPUTS["locators"]))
    gm_public = locker_key_from_bytes(suite_for("gm"), _b("gm_locker_scalar")).public_key
    holder_public = locker_key_from_bytes(intl, _b("holder_locker_private")).public_key
    code, height = INPUTS["type_code"], INPUTS["height"]
    identifier = build_licence_id(code, DEPARTMENT, f"{INPUTS['serial']:08d}", "001").text
    found: dict[str, object] = {
        "asset_type": AssetType(
            code, 1, "营业执照", parse_schema(INPUTS["schema"]).to_cbor(), (DEPARTMENT, WINDOW),
            ("authority", "window", "self"), "long_term", _b("regulator"), "issuer",
            DEPARTMENT, height,
        ),
        "locker_intl": Locker(_b("holder"), holder_public, key_ref, height),
        "locker_gm": Locker(_b("holder"), gm_public, key_ref, height),
        "consent": Consent(height + 100, _b("consent_tx")),
        "asset": Asset(
            _b("content_id"), code, 1, _b("holder"), "", "111", DEPARTMENT, "window", "valid",
            identifier, INPUTS["serial"], 1, {"名称": "示例商贸有限公司", "成立日期": "2024-03-15"},
            _content(), INPUTS["time"], 0, _b("admin"), b"", _b("consent_tx"), b"", b"", "",
            height, _b("tx_hash"),
        ),
        "history_entry": HistoryEntry(
            "revoke", "revoked", _b("admin"), height + 5, INPUTS["time"] + 5000, _b("tx_hash"),
            INPUTS["reason"],
        ),
    }  # fmt: skip
    out = {}
    for name, record in found.items():
        record.validate()  # type: ignore[attr-defined]
        out[name] = encode(record.to_cbor())  # type: ignore[attr-defined]
    return out


def _args() -> dict[str, bytes]:
    intl = suite_for("intl")
    key_blob = _wrapped_key_blob()
    key_ref = BlobRef(intl.hash(key_blob), len(key_blob), tuple(INPUTS["locators"]))
    public = {"名称": "示例商贸有限公司", "成立日期": "2024-03-15"}
    new = NewVersion(_b("content_id"), public, _content())
    moved = NewVersion(_b("new_content_id"), public, _content())
    code, reason = INPUTS["type_code"], INPUTS["reason"]
    found = {
        "assets.type_define": TypeDefineArgs(
            code, "营业执照", parse_schema(INPUTS["schema"]).to_cbor(), (DEPARTMENT, WINDOW),
            ("authority", "window", "self"), "long_term", _b("regulator"), "issuer",
        ),
        "assets.locker_init": LockerInitArgs(
            locker_key_from_bytes(intl, _b("holder_locker_private")).public_key, key_ref
        ),
        "assets.consent": ConsentArgs(code, "window", WINDOW, INPUTS["height"] + 100),
        "assets.issue": IssueArgs(
            new, code, _b("holder"), "department", INPUTS["valid_until"], _b("staff"),
            _b("new_content_id"),
        ),
        "assets.submit": SubmitArgs(new, code),
        "assets.review": ReviewArgs(_b("content_id"), False, reason),
        "assets.revoke": StatusArgs(_b("content_id"), reason),
        "assets.abolish": StatusArgs(_b("content_id"), reason, abolish=True),
        "assets.transfer": TransferArgs(_b("content_id"), moved, _b("new_holder")),
    }  # fmt: skip
    return {name: encode(args.to_args()) for name, args in found.items()}


def main() -> None:
    """Write the vectors file."""
    vectors = {
        "about": "Canonical CBOR (hex) of the assets records and tx args (docs/formats.md "
        "section 7, assets.*), from the fixed inputs below. Made by "
        "scripts/make_asset_record_vectors.py; test values only.",
        "inputs": INPUTS,
        "records": {name: raw.hex() for name, raw in _records().items()},
        "args": {name: raw.hex() for name, raw in _args().items()},
    }
    OUT.write_text(json.dumps(vectors, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
