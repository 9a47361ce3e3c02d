"""Known answers for the ``assets`` records and tx args (tests/vectors/asset_records.json).

docs/formats.md section 7, ``assets.*`` (issue 16 item 11, F-F3). Each
vector is rebuilt here from the file's fixed inputs and must encode to the
stored bytes; each stored encoding decodes back (``from_stored`` /
``from_args``) to the same record and re-encodes unchanged; cbor2, an
independent encoder, gives the same bytes; the top-level keys are the ones
docs/formats.md lists. The asset's content is checked independently: the
blob is re-encrypted with ``cryptography``'s AESGCM and hashed with
hashlib, and both envelopes open with the readers' locker keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from govchain.client.asset_crypto import content_aad, open_envelope
from govchain.codec import decode, encode
from govchain.codes import build_licence_id, check_licence_id
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
from govchain.execution.registry import ContractError
from govchain.types.errors import ValidationError

VECTORS_DIR = Path(__file__).resolve().parents[3] / "vectors"
VECTORS = json.loads((VECTORS_DIR / "asset_records.json").read_text("utf-8"))
CRYPTO = json.loads((VECTORS_DIR / "asset_crypto.json").read_text("utf-8"))
INPUTS: dict[str, Any] = VECTORS["inputs"]
PUBLIC = {"名称": "示例商贸有限公司", "成立日期": "2024-03-15"}

# The field order docs/formats.md section 7 gives for each record (the map's keys).
DOCUMENTED_KEYS = {
    "asset_type": ["code", "version", "name", "schema", "issuers", "modes", "validity",
                   "regulator", "transfer", "owner", "height"],
    "locker_intl": ["address", "public_key", "key_blob", "height"],
    "locker_gm": ["address", "public_key", "key_blob", "height"],
    "consent": ["until", "tx_hash"],
    "asset": ["content_id", "type", "type_version", "holder", "holder_code", "holder_code_type",
              "issuer", "mode", "status", "identifier", "serial", "version", "metadata",
              "content", "valid_from", "valid_until", "issued_by", "verified_by", "consent_tx",
              "replaces", "replaced_by", "reason", "height", "last_tx"],
    "history_entry": ["action", "status", "by", "height", "time", "tx_hash", "reason"],
}  # fmt: skip
CONTENT_KEYS = ["hash", "size", "locators", "method", "envelopes"]


def _b(name: str) -> bytes:
    return bytes.fromhex(INPUTS[name])


def _key_blob() -> bytes:
    case = next(c for c in CRYPTO["wrapped"] if c["name"] == "intl-wrapped-scrypt")
    return bytes.fromhex(case["blob"])


def _key_ref() -> BlobRef:
    blob = _key_blob()
    return BlobRef(hashlib.sha256(blob).digest(), len(blob), tuple(INPUTS["locators"]))


def _plaintext() -> bytes:
    file = INPUTS["file"]
    value = {"fields": INPUTS["fields"], "file": {"name": file["name"],
             "bytes": bytes.fromhex(file["bytes"])}}  # fmt: skip
    return cbor2.dumps(value, canonical=True)


def _blob() -> bytes:
    """The content blob, encrypted with cryptography's AESGCM, not through our suite."""
    nonce = _b("content_nonce")
    aad = content_aad(_b("content_id"), 1)
    return nonce + AESGCM(_b("data_key")).encrypt(nonce, _plaintext(), aad)


def _locker_public(name: str) -> bytes:
    return locker_key_from_bytes(suite_for("intl"), _b(name)).public_key


def _content() -> Content:
    envelopes = []
    for index, (reader, private) in enumerate(
        (("holder", "holder_locker_private"), ("regulator", "regulator_locker_private"))
    ):
        sealed = x25519_envelope(
            _locker_public(private),
            _b("data_key"),
            bytes.fromhex(INPUTS["envelope_ephemeral"][index]),
            bytes.fromhex(INPUTS["envelope_nonces"][index]),
        )
        envelopes.append(Envelope(_b(reader), reader, sealed))
    blob = _blob()
    ref = BlobRef(hashlib.sha256(blob).digest(), len(blob), tuple(INPUTS["locators"]))
    return Content(ref, "AES-256-GCM", tuple(envelopes))


def _schema() -> dict[str, object]:
    return parse_schema(INPUTS["schema"]).to_cbor()


def _records() -> dict[str, Any]:
    code, dept, window = INPUTS["type_code"], INPUTS["department"], INPUTS["window"]
    height, serial = INPUTS["height"], INPUTS["serial"]
    identifier = build_licence_id(code, dept, f"{serial:08d}", "001").text
    gm_public = locker_key_from_bytes(suite_for("gm"), _b("gm_locker_scalar")).public_key
    return {
        "asset_type": AssetType(
            code, 1, "营业执照", _schema(), (dept, window), ("authority", "window", "self"),
            "long_term", _b("regulator"), "issuer", dept, height,
        ),
        "locker_intl": Locker(_b("holder"), _locker_public("holder_locker_private"),
                              _key_ref(), height),
        "locker_gm": Locker(_b("holder"), gm_public, _key_ref(), height),
        "consent": Consent(height + 100, _b("consent_tx")),
        "asset": Asset(
            _b("content_id"), code, 1, _b("holder"), "", "111", dept, "window", "valid",
            identifier, serial, 1, dict(PUBLIC), _content(), INPUTS["time"], 0, _b("admin"),
            b"", _b("consent_tx"), b"", b"", "", height, _b("tx_hash"),
        ),
        "history_entry": HistoryEntry(
            "revoke", "revoked", _b("admin"), height + 5, INPUTS["time"] + 5000, _b("tx_hash"),
            INPUTS["reason"],
        ),
    }  # fmt: skip


def _args() -> dict[str, Any]:
    code, reason = INPUTS["type_code"], INPUTS["reason"]
    dept, window = INPUTS["department"], INPUTS["window"]
    new = NewVersion(_b("content_id"), dict(PUBLIC), _content())
    moved = NewVersion(_b("new_content_id"), dict(PUBLIC), _content())
    return {
        "assets.type_define": TypeDefineArgs(
            code, "营业执照", _schema(), (dept, window), ("authority", "window", "self"),
            "long_term", _b("regulator"), "issuer",
        ),
        "assets.locker_init": LockerInitArgs(_locker_public("holder_locker_private"), _key_ref()),
        "assets.consent": ConsentArgs(code, "window", window, INPUTS["height"] + 100),
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


RECORD_CLASSES: dict[str, Callable[[bytes], Any]] = {
    "asset_type": AssetType.from_stored,
    "locker_intl": Locker.from_stored,
    "locker_gm": Locker.from_stored,
    "consent": Consent.from_stored,
    "asset": Asset.from_stored,
    "history_entry": HistoryEntry.from_stored,
}
ARGS_PARSERS: dict[str, Callable[[Any], Any]] = {
    "assets.type_define": TypeDefineArgs.from_args,
    "assets.locker_init": LockerInitArgs.from_args,
    "assets.consent": ConsentArgs.from_args,
    "assets.issue": IssueArgs.from_args,
    "assets.submit": SubmitArgs.from_args,
    "assets.review": ReviewArgs.from_args,
    "assets.revoke": StatusArgs.from_args,
    "assets.abolish": lambda args: StatusArgs.from_args(args, abolish=True),
    "assets.transfer": TransferArgs.from_args,
}


def test_every_record_and_every_tx_type_has_a_vector() -> None:
    assert sorted(VECTORS["records"]) == sorted(RECORD_CLASSES)
    assert sorted(VECTORS["args"]) == sorted(ARGS_PARSERS)


@pytest.mark.parametrize("name", sorted(RECORD_CLASSES))
def test_record_rebuilt_from_inputs_gives_the_stored_bytes(name: str) -> None:
    raw = bytes.fromhex(VECTORS["records"][name])
    built = _records()[name]
    built.validate()
    assert encode(built.to_cbor()) == raw
    decoded = RECORD_CLASSES[name](raw)
    assert decoded == built
    assert encode(decoded.to_cbor()) == raw
    assert cbor2.dumps(cbor2.loads(raw), canonical=True) == raw
    assert sorted(cbor2.loads(raw)) == sorted(DOCUMENTED_KEYS[name])


@pytest.mark.parametrize("name", sorted(ARGS_PARSERS))
def test_args_rebuilt_from_inputs_give_the_stored_bytes(name: str) -> None:
    raw = bytes.fromhex(VECTORS["args"][name])
    built = _args()[name]
    assert encode(built.to_args()) == raw
    parsed = ARGS_PARSERS[name](decode(raw))
    assert parsed == built
    assert encode(parsed.to_args()) == raw
    assert cbor2.dumps(cbor2.loads(raw), canonical=True) == raw


def test_the_asset_content_is_real() -> None:
    """The blob decrypts to the inputs; both envelopes open to the data key; the id checks."""
    asset = Asset.from_stored(bytes.fromhex(VECTORS["records"]["asset"]))
    stored = cbor2.loads(bytes.fromhex(VECTORS["records"]["asset"]))
    assert sorted(stored["content"]) == sorted(CONTENT_KEYS)
    assert asset.content.blob.hash == hashlib.sha256(_blob()).digest()
    assert asset.content.blob.size == len(_blob())
    suite = suite_for("intl")
    for private, reader in (("holder_locker_private", "holder"),
                            ("regulator_locker_private", "regulator")):  # fmt: skip
        envelope = asset.content.envelope_of(_b(reader))
        assert envelope is not None
        assert envelope.kind == reader
        key = locker_key_from_bytes(suite, _b(private))
        assert open_envelope(suite, key, envelope.sealed) == _b("data_key")
    check_licence_id(asset.identifier)
    assert asset.identifier.split(".")[-3:-1] == [f"{INPUTS['serial']:08d}", "001"]


def test_a_stored_record_with_an_unknown_key_is_refused() -> None:
    raw = bytes.fromhex(VECTORS["records"]["history_entry"])
    value = cbor2.loads(raw)
    value["extra"] = 1
    with pytest.raises(ValidationError):
        HistoryEntry.from_stored(encode(value))


def test_args_with_a_missing_key_are_refused() -> None:
    value = cbor2.loads(bytes.fromhex(VECTORS["args"]["assets.issue"]))
    del value["holder"]
    with pytest.raises(ContractError, match=r"^invalid_args: assets\.issue"):
        IssueArgs.from_args(value)
