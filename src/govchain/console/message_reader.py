"""A locker's messages for the console: the owner's inbox on the storage nodes, read with the
owner's own signatures (docs/spec/messages.md, docs/spec/console.md "Locker pages"; F-C6).

The reads are those ``govchain msg inbox`` and ``msg read`` make, signed in the owner's
browser instead of by the SDK: the inbox pages of every storage node the chain lists
(``GET /v1/messages?after=SEQ``; the next page's read is handed out once a page names it),
one sealed message (its inbox page ``?after=SEQ-1&limit=1`` on a node that holds it), the
wrapped locker key (the asset fetch's ``?locker=`` read) and the read receipt
(``POST /v1/messages/{id}/read`` to every storage node). Only storage nodes the chain lists
are asked, and only for these routes. The console hands the browser the sealed bytes and the
wrapped key; the browser opens them (web/locker/message_crypto.js): no password, key or
plaintext passes through here. The inbox gives in clear only who sent a message, when it
arrived and when it was read, and that is all the console shows of it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from govchain.client.message_crypto import parse_sealed
from govchain.console.browser_signatures import ReadSigner, ReadToSign
from govchain.console.locker_reader import LockerViewer, ReadRefusedError
from govchain.crypto import CryptoSuite
from govchain.types.errors import ValidationError

__all__ = ["InboxEntry", "InboxRound", "MessageViewer", "OpenPlan", "SealedMessage"]

log = logging.getLogger("govchain.console")

INBOX_PATH = "/v1/messages"
SEQ_MAX = 2**63 - 1
_PAGE_QUERY = re.compile(r"after=(0|[1-9][0-9]{0,18})")
_ONE_QUERY = re.compile(r"after=(0|[1-9][0-9]{0,18})&limit=1")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX40 = re.compile(r"[0-9a-f]{40}")
_BLOB_PATH = re.compile(r"/v1/blobs/[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A message of the inbox as the storage nodes give it in clear (never its content):
    its id, sender, arrival and first read (ms, storage node clock), and its seq on each
    node that holds it (origin -> seq)."""

    id: str
    sender: str
    received: int
    read: int | None
    at: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The form the page's script receives."""
        return {
            "id": self.id,
            "sender": self.sender,
            "received": self.received,
            "read": self.read,
            "at": dict(sorted(self.at.items())),
        }


@dataclass(frozen=True, slots=True)
class InboxRound:
    """One round of inbox reads: the messages read, the reads of the following pages for
    the browser to sign (none: the inbox is read whole) and the nodes that did not answer."""

    messages: list[InboxEntry]
    reads: list[ReadToSign]
    unanswered: list[str]

    def to_json(self) -> dict[str, Any]:
        """The form the page's script receives."""
        return {
            "messages": [m.to_json() for m in self.messages],
            "reads": [r.to_json() for r in self.reads],
            "unanswered": self.unanswered,
        }


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """What the browser signs to open one message: the reads of the sealed message and of
    the wrapped locker key, and the read receipts (posted once it opened)."""

    suite: str
    locker_public: str
    reads: list[ReadToSign]
    receipts: list[ReadToSign]

    def to_json(self) -> dict[str, Any]:
        """The form the page's script receives."""
        return {
            "suite": self.suite,
            "locker_public": self.locker_public,
            "reads": [r.to_json() for r in self.reads],
            "receipts": [r.to_json() for r in self.receipts],
        }


@dataclass(frozen=True, slots=True)
class SealedMessage:
    """A message as the browser opens it: the sealed bytes, the sender the storage node
    recorded, and the owner's wrapped locker key."""

    sealed: bytes
    sender: str
    wrapped: bytes


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


def _entry(origin: str, owner: bytes, value: object) -> InboxEntry:
    """One message of a storage node's inbox page; ValueError if it is malformed or not the
    owner's (a node answers the signer's inbox only)."""
    if not isinstance(value, dict):
        raise ValueError("a message is an object")
    found, sender, recipient = value.get("id"), value.get("sender"), value.get("recipient")
    received, read, seq = value.get("received"), value.get("read"), value.get("seq")
    if not (isinstance(found, str) and _HEX64.fullmatch(found)):
        raise ValueError("a message id is 64 hex digits")
    if not (isinstance(sender, str) and _HEX40.fullmatch(sender)) or recipient != owner.hex():
        raise ValueError("a message names its sender, and the owner as recipient")
    first_read = None if read is None else _whole(read, "read")
    return InboxEntry(
        found, sender, _whole(received, "received"), first_read, {origin: _whole(seq, "seq")}
    )


def _whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEQ_MAX:
        raise ValueError(f"{what} is a whole number")
    return value


def _merged(known: InboxEntry | None, more: InboxEntry) -> InboxEntry:
    """One message seen on several nodes: the earliest arrival and read, every node's seq."""
    if known is None:
        return more
    reads = [t for t in (known.read, more.read) if t is not None]
    return InboxEntry(
        known.id,
        known.sender,
        min(known.received, more.received),
        min(reads) if reads else None,
        {**known.at, **more.at},
    )


class MessageViewer:
    """The message reads of the locker pages, through ``lockers`` (its storage node list,
    its signature bases, its signed requests)."""

    def __init__(self, lockers: LockerViewer) -> None:
        self._lockers = lockers

    def suite(self) -> CryptoSuite:
        """The chain's suite."""
        return self._lockers.suite()

    def _stores(self) -> list[str]:
        """The origins of the storage nodes the chain lists, in name order."""
        listed = self._lockers.storage_urls()
        return [listed[name] for name in sorted(listed)]

    def _listed(self, url: str, stores: Sequence[str]) -> httpx.URL:
        parsed = httpx.URL(url)
        if _origin(parsed) not in stores:
            raise ValidationError("messages are read from the chain's storage nodes only")
        return parsed

    def inbox_reads(self, owner: bytes) -> list[ReadToSign]:
        """The first inbox page of every listed storage node, as the browser signs it."""
        urls = [f"{store}{INBOX_PATH}?after=0" for store in self._stores()]
        if not urls:
            raise ReadRefusedError("no_storage_nodes", "the chain lists no storage node")
        return self._lockers.reads_to_sign(owner, urls)

    def inbox(self, owner: bytes, signer: ReadSigner, urls: Sequence[str]) -> InboxRound:
        """Read the inbox pages ``urls`` with the browser's signatures: their messages
        (merged by id), the reads of the pages that follow, and the nodes that did not
        answer. ReadRefusedError when none answered."""
        stores = self._stores()
        for url in urls:
            parsed = self._listed(url, stores)
            if parsed.path != INBOX_PATH or not _PAGE_QUERY.fullmatch(parsed.query.decode()):
                raise ValidationError("an inbox read is /v1/messages?after=SEQ")
        merged: dict[str, InboxEntry] = {}
        following: list[str] = []
        unanswered: list[str] = []
        refusal: ReadRefusedError | None = None
        for url in urls:
            origin = _origin(httpx.URL(url))
            try:
                page = self._lockers.signed_json("GET", url, signer)
                entries = [_entry(origin, owner, m) for m in page["messages"]]
                after = page.get("next")
                if after is not None and not (isinstance(after, int) and 0 < after <= SEQ_MAX):
                    raise ValueError("next is a seq or null")
            except ReadRefusedError as exc:
                log.warning("console: the inbox on %s: %s", origin, exc.code)
                refusal, unanswered = exc, [*unanswered, origin]
                continue
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("console: the inbox on %s is malformed: %s", origin, exc)
                unanswered.append(origin)
                continue
            for entry in entries:
                merged[entry.id] = _merged(merged.get(entry.id), entry)
            if after is not None:
                following.append(f"{origin}{INBOX_PATH}?after={after}")
        if len(unanswered) == len(urls):
            raise refusal or ReadRefusedError("unavailable", "no storage node answered")
        reads = self._lockers.reads_to_sign(owner, following) if following else []
        return InboxRound(list(merged.values()), reads, unanswered)

    def open_plan(self, owner: bytes, message: str, at: Mapping[str, int]) -> OpenPlan:
        """The reads that open ``message`` (on the nodes ``at`` names: origin -> seq) and
        its read receipts to every listed storage node, as the browser signs them."""
        if not _HEX64.fullmatch(message):
            raise ValidationError("a message id is 64 lowercase hex digits")
        stores = self._stores()
        urls = []
        for given, seq in sorted(at.items()):
            origin = _origin(self._listed(given, stores))
            if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq <= SEQ_MAX:
                raise ValidationError("a message's seq is a positive whole number")
            urls.append(f"{origin}{INBOX_PATH}?after={seq - 1}&limit=1")
        if not urls:
            raise ValidationError("at: the storage nodes that hold the message, with its seq")
        locker_public, key_urls = self._lockers.wrapped_key_reads(owner)
        receipts = [f"{store}{INBOX_PATH}/{message}/read" for store in stores]
        signed = self._lockers.reads_to_sign(owner, [*urls, *key_urls])
        posts = self._lockers.reads_to_sign(owner, receipts, "POST")
        return OpenPlan(self._lockers.suite().name, locker_public, signed, posts)

    def sealed(
        self, owner: bytes, message: str, signer: ReadSigner, urls: Sequence[str]
    ) -> SealedMessage:
        """The sealed message ``message`` from the first listed storage node that serves it
        with that id to the owner, and the owner's wrapped locker key."""
        stores = self._stores()
        pages, keys = [], []
        for url in urls:
            parsed = self._listed(url, stores)
            query = parsed.query.decode()
            if parsed.path == INBOX_PATH and _ONE_QUERY.fullmatch(query):
                pages.append(url)
            elif _BLOB_PATH.fullmatch(parsed.path) and query == f"locker={owner.hex()}":
                keys.append(url)
            else:
                raise ValidationError("opening a message reads it and the locker key only")
        if not pages or not keys:
            raise ValidationError("opening a message reads it and the wrapped locker key")
        last = ReadRefusedError("not_found", f"no storage node serves message {message}")
        for url in pages:
            try:
                page = self._lockers.signed_json("GET", url, signer)
                found = page["messages"][0] if page["messages"] else None
                if not isinstance(found, dict) or found.get("id") != message:
                    continue
                entry = _entry(_origin(httpx.URL(url)), owner, found)
                sealed = bytes.fromhex(str(found["sealed"]))
                parse_sealed(sealed)
            except ReadRefusedError as exc:
                last = exc
                continue
            except (KeyError, TypeError, ValueError, ValidationError) as exc:
                log.warning("console: message %s on %s is malformed: %s", message, url, exc)
                continue
            return SealedMessage(sealed, entry.sender, self._lockers.first_blob(keys, signer))
        raise last

    def mark_read(self, message: str, signer: ReadSigner, urls: Sequence[str]) -> int:
        """Post the read receipts ``urls`` (every listed storage node's, as ``govchain msg
        read`` does); the earliest read time a node recorded. ReadRefusedError ``not_found``
        when no node holds the message."""
        stores = self._stores()
        for url in urls:
            if self._listed(url, stores).path != f"{INBOX_PATH}/{message}/read":
                raise ValidationError("a read receipt is POST /v1/messages/{id}/read")
        times = []
        for url in urls:
            try:
                answer = self._lockers.signed_json("POST", url, signer)
                times.append(int(answer["read"]))
            except ReadRefusedError as exc:
                log.info("console: a read receipt on %s: %s", url, exc.code)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("console: a read receipt on %s is malformed: %s", url, exc)
        if not times:
            raise ReadRefusedError("not_found", f"no storage node holds message {message}")
        return min(times)
