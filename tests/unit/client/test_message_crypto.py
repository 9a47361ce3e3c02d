"""Sealed messages (docs/spec/messages.md, "Sealed messages"; F-C6, F-C7)."""

from __future__ import annotations

import pytest

from govchain.client.locker_keys import new_locker
from govchain.client.message_crypto import (
    MESSAGE_MAX,
    MessagePlaintext,
    SealedMessage,
    keyed_message_id,
    message_id,
    open_message,
    parse_sealed,
    seal_message,
)
from govchain.codec import decode, encode
from govchain.crypto import suite_for
from govchain.types.errors import DecryptionError, ValidationError

SENDER, RECIPIENT = b"\x01" * 20, b"\x02" * 20


def _plaintext(**changes: object) -> MessagePlaintext:
    fields: dict[str, object] = {
        "sender": SENDER, "recipient": RECIPIENT, "kind": "file", "name": "通知.pdf",
        "body": b"%PDF demo", "time": 1_800_000_000_000,
    }  # fmt: skip
    fields.update(changes)
    return MessagePlaintext(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("suite_name", ["gm", "intl"])
def test_a_sealed_message_opens_with_the_recipients_locker_key_only(suite_name: str) -> None:
    suite = suite_for(suite_name)
    private, public = new_locker(suite)
    other, _ = new_locker(suite)
    sealed = seal_message(suite, public, _plaintext())
    assert b"%PDF demo" not in sealed
    assert open_message(suite, private, RECIPIENT, sealed) == _plaintext()
    with pytest.raises(DecryptionError):
        open_message(suite, other, RECIPIENT, sealed)
    with pytest.raises(DecryptionError):  # the associated data names the recipient
        open_message(suite, private, SENDER, sealed)
    parsed = parse_sealed(sealed)
    altered = SealedMessage(parsed.key, parsed.box[:-1] + bytes([parsed.box[-1] ^ 1]))
    with pytest.raises(DecryptionError):
        open_message(suite, private, RECIPIENT, altered.to_bytes())
    assert message_id(suite, sealed) == suite.hash(sealed)


def test_malformed_sealed_messages_and_plaintexts_are_refused() -> None:
    for junk in (
        b"",
        b"\x00" * (MESSAGE_MAX + 1),
        b"plain",
        encode({"v": 2, "key": b"k", "box": b"b" * 40}),
    ):
        with pytest.raises(ValidationError):
            parse_sealed(junk)
    assert decode(SealedMessage(b"k", b"b" * 28).to_bytes()) == {
        "v": 1,
        "key": b"k",
        "box": b"b" * 28,
    }
    for bad in ({"kind": "shout"}, {"name": "../x"}, {"sender": b"short"}, {"time": -1}):
        with pytest.raises(ValidationError):
            _plaintext(**bad).validate()


def test_a_keyed_id_names_sender_recipient_and_key() -> None:
    suite = suite_for("gm")
    base = keyed_message_id(suite, SENDER, RECIPIENT, "grants.remind/ab/1")
    assert base == keyed_message_id(suite, SENDER, RECIPIENT, "grants.remind/ab/1")
    assert base != keyed_message_id(suite, RECIPIENT, SENDER, "grants.remind/ab/1")
    assert base != keyed_message_id(suite, SENDER, RECIPIENT, "grants.remind/ab/2")
    with pytest.raises(ValidationError):
        keyed_message_id(suite, SENDER, RECIPIENT, "has space")
