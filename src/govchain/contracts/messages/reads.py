"""Reads of ``messages``: a notice with its state fact (``NodeService.read``)."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, prove_key
from govchain.contracts.messages.state import Notice, notice_key
from govchain.contracts.proving_reader import ProvingReader

__all__ = ["ProvenNotice", "notice_with_fact"]


@dataclass(frozen=True, slots=True)
class ProvenNotice:
    """A notice (None: the sender noticed no such message) and the fact of its key."""

    notice: Notice | None
    proven: ProvenValue


def notice_with_fact(reader: ProvingReader, message_hash: bytes, sender: bytes) -> ProvenNotice:
    """``sender``'s notice of message ``message_hash``, with its (presence or absence) fact."""
    proven = prove_key(reader, notice_key(message_hash, sender))
    if proven.value is None:
        return ProvenNotice(None, proven)
    return ProvenNotice(Notice.from_stored(message_hash, sender, proven.value), proven)
