"""The fuzz targets: each feeds one input to a decoder or verifier and lets only typed errors by.

A target swallows exactly the errors its contract names and nothing else, so
any other exception (or a hang, caught by the test timeout) fails the test
that called it. The hypothesis tests and the corpus replay share them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from govchain.client import verify_tx_receipt
from govchain.codec import CodecError, decode
from govchain.consensus.events import (
    BlockValidated,
    DecisionReceived,
    Event,
    ProposalReceived,
    ValidateBlock,
    VoteReceived,
)
from govchain.consensus.messages import Decision, Message, ProposalMessage
from govchain.consensus.wire import decode_message
from govchain.ledger import records
from govchain.ledger.proofs import TxReceiptBundle
from govchain.network.envelope import decode_envelope
from govchain.network.errors import FrameError
from govchain.network.framing import read_frame
from govchain.types.errors import GovChainError, ValidationError

from ..unit.consensus.core_support import NOW, Harness, block_hash, of_type
from .samples import samples

MAX_FRAME_BYTES = 1024
"""The frame limit of the fuzzed stream reader: small, so long prefixes hit it."""
MAX_FRAMES = 1024
"""The most frames read from one stream: the loop is bounded even if reading never failed."""


def codec(data: bytes) -> None:
    """``codec.decode``: only CodecError."""
    with contextlib.suppress(CodecError):
        decode(data)


def _record(decoder: Callable[[bytes], object]) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        with contextlib.suppress(ValidationError):
            decoder(data)

    target.__doc__ = f"``records.{decoder.__name__}``: only ValidationError."
    return target


records_tx = _record(records.decode_tx)
records_block = _record(records.decode_block)
records_commit = _record(records.decode_commit)
records_receipt = _record(records.decode_receipt)


def envelope(data: bytes) -> None:
    """``network.envelope.decode_envelope``: only ValidationError."""
    with contextlib.suppress(ValidationError):
        decode_envelope(data)


async def _read_all_frames(data: bytes) -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    for _ in range(MAX_FRAMES):
        payload = await read_frame(reader, MAX_FRAME_BYTES)
        assert 0 < len(payload) <= MAX_FRAME_BYTES


def frame(data: bytes) -> None:
    """``network.framing.read_frame`` until the stream ends: FrameError or IncompleteReadError."""
    with contextlib.suppress(FrameError, asyncio.IncompleteReadError):
        asyncio.run(_read_all_frames(data))


def message_event(message: Message) -> Event:
    """The core's event for a message received from a peer."""
    if isinstance(message, ProposalMessage):
        return ProposalReceived(message, "fuzz")
    if isinstance(message, Decision):
        return DecisionReceived(message, "fuzz")
    return VoteReceived(message, "fuzz")


def feed_core(messages: Iterable[Message], verdicts: Iterable[bool] = ()) -> None:
    """Feed ``messages`` to a fresh core (validator 3 of the samples' committee).

    Every ``ValidateBlock`` the core asks for is answered at once with the
    next of ``verdicts`` (valid once they run out), as the driver would.
    ``Core.handle`` must not raise, whatever the messages say.
    """
    harness = Harness(committee=samples().committee)
    answers = iter(verdicts)
    for message in messages:
        pending: list[Event] = [message_event(message)]
        while pending:
            actions = harness.core.handle(pending.pop(0), NOW)
            for request in of_type(actions, ValidateBlock):
                pending.append(BlockValidated(block_hash(request.block), next(answers, True)))


def consensus_message(data: bytes) -> None:
    """``consensus.wire.decode_message`` (only ValidationError), then a core that never raises."""
    try:
        message = decode_message(data)
    except ValidationError:
        return
    feed_core([message])


def receipt_json(data: bytes) -> None:
    """A receipt file: ``TxReceiptBundle.from_json`` and ``verify_tx_receipt``; GovChainError."""
    try:
        obj: Any = json.loads(data)
    except (ValueError, RecursionError):
        return  # not JSON at all: the caller's JSON parser refuses it, not the verifier
    receipt_object(obj)


def receipt_object(obj: object) -> None:
    """Parse and verify one receipt JSON object against the samples' genesis; GovChainError."""
    with contextlib.suppress(GovChainError):
        verify_tx_receipt(samples().genesis, TxReceiptBundle.from_json(obj))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "codec": codec,
    "records_tx": records_tx,
    "records_block": records_block,
    "records_commit": records_commit,
    "records_receipt": records_receipt,
    "consensus_message": consensus_message,
    "envelope": envelope,
    "frame": frame,
    "receipt_json": receipt_json,
}
"""Every target by the name of its corpus directory."""
