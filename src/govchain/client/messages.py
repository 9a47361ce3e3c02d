"""SDK of messages (F-C6): send sealed messages, read the inbox, stream, receipts, notices.

docs/spec/messages.md. A message is sealed here to the recipient's locker
key (fetched from a chain node, checked against its state fact when the
client has a genesis) and posted, signed, to every storage node this client
reaches; the inbox is read from every node and merged by id, so each
message shows once. Opening needs the account's locker private key, which
is fetched wrapped from the storage nodes and unwrapped with the password,
as for assets (``AssetClient.data_key``). Proof of delivery, when asked, is
a ``messages.notice`` tx.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from govchain.client.assets import AssetClient, storage_nodes
from govchain.client.locker_keys import unwrap
from govchain.client.message_crypto import (
    MessagePlaintext,
    message_id,
    open_message,
    seal_message,
)
from govchain.client.request_signing import RequestSigner
from govchain.client.sdk import NodeClient
from govchain.client.storage import StorageClient, StorageNode
from govchain.client.submission import committed_receipt, submit_args
from govchain.contracts.messages import NoticeArgs, notice_tx
from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.ledger import records
from govchain.types import Genesis
from govchain.types.errors import DecryptionError, GovChainError

__all__ = [
    "InboxMessage",
    "MessageClient",
    "MessageRefusedError",
    "OpenedMessage",
    "Sent",
]

log = logging.getLogger(__name__)

RECIPIENT_HEADER = "Govchain-Recipient"
MESSAGE_KEY_HEADER = "Govchain-Message-Key"
COMMIT_TIMEOUT_S = 60.0
RECONNECT_S = 1.0
STREAM_READ_TIMEOUT_S = 60.0
"""A stream that says nothing for this long (the node sends a keep-alive every 15 s) is
reconnected."""
_PAGES_MAX = 1000


class MessageRefusedError(GovChainError):
    """A storage node (or the chain) refused a message request; ``code`` says why."""

    code = "message_refused"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True, slots=True)
class InboxMessage:
    """A message of the inbox as the storage nodes keep it (still sealed)."""

    id: bytes
    sender: bytes
    recipient: bytes
    received: int
    read: int | None
    sealed: bytes
    nodes: tuple[str, ...] = ()
    """The storage nodes that hold it."""
    seq: int = 0
    """Its seq on the node it came from (a stream's cursor)."""

    @classmethod
    def from_json(cls, node: str, value: dict[str, Any]) -> InboxMessage:
        """A message a storage node answered; ValueError/KeyError if malformed."""
        read = value.get("read")
        return cls(
            bytes.fromhex(str(value["id"])),
            bytes.fromhex(str(value["sender"])),
            bytes.fromhex(str(value["recipient"])),
            int(value["received"]),
            None if read is None else int(read),
            bytes.fromhex(str(value["sealed"])),
            (node,),
            int(value["seq"]),
        )


@dataclass(frozen=True, slots=True)
class OpenedMessage:
    """A message and what it says."""

    message: InboxMessage
    plaintext: MessagePlaintext


@dataclass(frozen=True, slots=True)
class Sent:
    """A posted message: its id, the nodes that hold it, and its notice tx (if asked)."""

    id: bytes
    nodes: tuple[str, ...]
    notice_tx: bytes | None = None


@dataclass
class MessageClient:
    """One account's messages through a chain node and the storage nodes."""

    node: NodeClient
    key: SigningKey
    genesis: Genesis | None = None
    nodes: Sequence[StorageNode] | None = None
    timeout_s: float = 30.0
    clock: Any = time.time
    _locker: LockerKey | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.suite: CryptoSuite = suite_for(self.key.suite_name)
        self.address = records.address_of(self.suite, self.key.public_key)
        self._signer = RequestSigner(self.key)
        self._http = httpx.Client(timeout=self.timeout_s)
        self._assets = AssetClient(self.node, self.key, genesis=self.genesis)

    def close(self) -> None:
        """Close the connections to the storage nodes."""
        self._http.close()
        self._assets.close()

    def __enter__(self) -> MessageClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def storage_nodes(self) -> Sequence[StorageNode]:
        """The storage nodes (the chain node's list unless given)."""
        if self.nodes is None:
            self.nodes = storage_nodes(self.node)
        return self.nodes

    # --- sending ---------------------------------------------------------------------------

    def send(
        self,
        to: bytes,
        body: bytes,
        *,
        kind: str = "text",
        name: str = "",
        key: str | None = None,
        notice: bool = False,
    ) -> Sent:
        """Seal ``body`` to ``to``'s locker key and post it to every storage node reached.

        ``key``: the sender's name of the message (the same message however often posted).
        ``notice``: also record ``messages.notice`` on chain (proof of delivery).
        """
        locker = self._assets.locker(to)
        if locker is None:
            raise MessageRefusedError("no_locker", f"account {to.hex()} has no locker")
        plaintext = MessagePlaintext(self.address, to, kind, name, body, int(self.clock() * 1000))
        sealed = seal_message(self.suite, locker.public_key, plaintext)
        found, nodes = self.post_sealed(to, sealed, key)
        tx = self.notice(to, found) if notice else None
        return Sent(found, nodes, tx)

    def post_sealed(
        self, to: bytes, sealed: bytes, key: str | None = None
    ) -> tuple[bytes, tuple[str, ...]]:
        """Post sealed bytes to every storage node reached: the id and the nodes that hold it.

        A refusal (4xx) is raised at once; MessageRefusedError ``unavailable`` when no node
        took it.
        """
        headers = {RECIPIENT_HEADER: to.hex()}
        if key is not None:
            headers[MESSAGE_KEY_HEADER] = key
        found = message_id(self.suite, sealed)
        held: list[str] = []
        problems: list[str] = []
        for node in self.storage_nodes:
            answer = self._send(node, "POST", "/v1/messages", content=sealed, headers=headers)
            if answer is None:
                problems.append(f"{node.name}: unreachable")
                continue
            if answer.status_code == 200:
                found = bytes.fromhex(str(answer.json()["id"]))
                held.append(node.name)
            elif 400 <= answer.status_code < 500:
                raise MessageRefusedError(*_error_of(answer))
            else:
                problems.append(f"{node.name}: {_error_of(answer)[0]}")
        if not held:
            raise MessageRefusedError(
                "unavailable", "no storage node took the message: " + "; ".join(problems)
            )
        return found, tuple(held)

    def notice(self, to: bytes, message: bytes) -> bytes:
        """Record ``messages.notice`` for message ``message`` to ``to``; the committed tx hash."""
        _, tx_hash = submit_args(self.node, self.key, notice_tx, NoticeArgs(to, message))
        receipt = committed_receipt(self.node, tx_hash, COMMIT_TIMEOUT_S)
        if receipt.status != 0:
            code, _, reason = receipt.error.partition(": ")
            raise MessageRefusedError(code if reason else "refused", reason or receipt.error)
        return tx_hash

    # --- reading ---------------------------------------------------------------------------

    def inbox(self) -> list[InboxMessage]:
        """Every message to this account on the storage nodes reached, each once, oldest first."""
        merged: dict[bytes, InboxMessage] = {}
        answered = 0
        for node in self.storage_nodes:
            page = self._inbox_of(node)
            if page is None:
                continue
            answered += 1
            for message in page:
                merged[message.id] = _merge(merged.get(message.id), message)
        if not answered and self.storage_nodes:
            raise MessageRefusedError("unavailable", "no storage node answered")
        return sorted(merged.values(), key=lambda m: (m.received, m.id))

    def find(self, message: bytes) -> InboxMessage:
        """The inbox message ``message``; MessageRefusedError ``not_found`` if none."""
        for found in self.inbox():
            if found.id == message:
                return found
        raise MessageRefusedError("not_found", f"no message {message.hex()} in this inbox")

    def open(self, message: InboxMessage, password: bytes) -> OpenedMessage:
        """What ``message`` says; DecryptionError if it does not open or names another sender."""
        plaintext = open_message(
            self.suite, self.locker_key(password), self.address, message.sealed
        )
        if plaintext.sender != message.sender:
            raise DecryptionError(
                f"message {message.id.hex()} says it is from {plaintext.sender.hex()}, "
                f"but was posted by {message.sender.hex()}"
            )
        return OpenedMessage(message, plaintext)

    def locker_key(self, password: bytes) -> LockerKey:
        """This account's locker private key, unwrapped with its password (kept once opened)."""
        if self._locker is None:
            locker = self._assets.locker(self.address)
            if locker is None:
                raise MessageRefusedError("no_locker", "this account has no locker")
            storage = StorageClient(self.suite, self.key, list(self.storage_nodes))
            with storage:
                wrapped = storage.get(
                    locker.key_blob.hash, locker.key_blob.locators, locker=self.address
                )
            self._locker = unwrap(self.suite, wrapped, password, self.address, locker.public_key)
        return self._locker

    def mark_read(self, message: bytes) -> int | None:
        """Send the read receipt to every storage node reached; the read time recorded."""
        times = []
        for node in self.storage_nodes:
            answer = self._send(node, "POST", f"/v1/messages/{message.hex()}/read")
            if answer is not None and answer.status_code == 200:
                times.append(int(answer.json()["read"]))
        if not times:
            raise MessageRefusedError("not_found", f"no storage node holds message {message.hex()}")
        return min(times)

    def status(self, message: bytes) -> dict[str, Any]:
        """The message's delivery status merged over the nodes: the earliest read time wins."""
        found: dict[str, Any] | None = None
        nodes = []
        for node in self.storage_nodes:
            answer = self._send(node, "GET", f"/v1/messages/{message.hex()}/status")
            if answer is None or answer.status_code != 200:
                continue
            value = answer.json()
            nodes.append(node.name)
            if found is None:
                found = dict(value)
            elif value.get("read") is not None:
                read = found.get("read")
                found["read"] = value["read"] if read is None else min(read, value["read"])
        if found is None:
            raise MessageRefusedError("not_found", f"no storage node knows message {message.hex()}")
        return {**found, "nodes": nodes}

    def stream(self, after: int = 0, node: StorageNode | None = None) -> Iterator[InboxMessage]:
        """New messages as they arrive, from one storage node (the first unless given).

        Reconnects after a drop with the last seq seen, so nothing sent meanwhile is
        lost and nothing is given twice. Runs until the caller stops iterating.
        """
        chosen = node or self.storage_nodes[0]
        cursor, seen = after, set[bytes]()
        while True:
            try:
                for message in self._stream_once(chosen, cursor):
                    cursor = max(cursor, message.seq)
                    if message.id not in seen:
                        seen.add(message.id)
                        yield message
            except (httpx.HTTPError, MessageRefusedError) as exc:
                log.info("the message stream of %s dropped: %s", chosen.name, exc)
            time.sleep(RECONNECT_S)

    def _stream_once(self, node: StorageNode, after: int) -> Iterator[InboxMessage]:
        url = f"{node.url.rstrip('/')}/v1/messages/stream?after={after}"
        request = httpx.Request("GET", url)
        request.headers.update(self._signer.headers_for(request))
        timeout = httpx.Timeout(self.timeout_s, read=STREAM_READ_TIMEOUT_S)
        with httpx.Client(timeout=timeout) as client:
            response = client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    response.read()
                    raise MessageRefusedError(*_error_of(response))
                data: list[str] = []
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif not line and data:
                        yield InboxMessage.from_json(node.name, json.loads("".join(data)))
                        data = []
            finally:
                response.close()

    def _inbox_of(self, node: StorageNode) -> list[InboxMessage] | None:
        found: list[InboxMessage] = []
        after: int | None = 0
        for _ in range(_PAGES_MAX):
            if after is None:
                break
            answer = self._send(node, "GET", f"/v1/messages?after={after}")
            if answer is None or answer.status_code != 200:
                if answer is not None:
                    log.warning("storage node %s: %s", node.name, _error_of(answer))
                return None
            page = answer.json()
            found += [InboxMessage.from_json(node.name, m) for m in page["messages"]]
            after = page.get("next")
        return found

    def _send(
        self, node: StorageNode, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        request = httpx.Request(method, node.url.rstrip("/") + path, **kwargs)
        request.headers.update(self._signer.headers_for(request))
        try:
            return self._http.send(request)
        except httpx.HTTPError as exc:
            log.warning("storage node %s: %s", node.name, type(exc).__name__)
            return None


def _merge(known: InboxMessage | None, more: InboxMessage) -> InboxMessage:
    """One message seen on several nodes: the nodes joined, the earliest times kept."""
    if known is None:
        return more
    reads = [t for t in (known.read, more.read) if t is not None]
    return replace(
        known,
        received=min(known.received, more.received),
        read=min(reads) if reads else None,
        nodes=(*known.nodes, *more.nodes),
    )


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return f"http_{response.status_code}", response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("code", f"http_{response.status_code}")), str(error.get("message", ""))
    return f"http_{response.status_code}", str(body)[:200]
