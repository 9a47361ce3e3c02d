"""The chain and the storage nodes as the reminder notifier uses them, over HTTP.

:class:`HttpReminderChain` reads blocks and their txs' receipts from chain
nodes (events are hints), proves each request record against the genesis
(``HttpChainSource.record``, no cache: a reminder follows the latest
record), and submits ``grants.remind`` with the platform key.
:func:`reminder_poster` posts a reminder message from the platform account
with the messages SDK, to every storage node, under the reminder's key.
"""

from __future__ import annotations

from typing import Any

from govchain.client.block_events import BlockEvents
from govchain.client.messages import MessageClient
from govchain.client.sdk import NodeClient
from govchain.client.submission import submit_args
from govchain.contracts.grants import RemindArgs, grants_tx
from govchain.contracts.grants.records import GrantRequest
from govchain.contracts.grants.state import request_key
from govchain.crypto import SigningKey
from govchain.storage_node.chain_source import HttpChainSource
from govchain.storage_node.notifier import PostReminder, reminder_key, reminder_text

__all__ = ["HttpReminderChain", "reminder_poster"]


class HttpReminderChain:
    """:class:`~govchain.storage_node.notifier.ReminderChain` over chain nodes' APIs."""

    def __init__(self, node: NodeClient, source: HttpChainSource, key: SigningKey) -> None:
        self.node = node
        self.blocks = BlockEvents(node)
        self.source = source
        self.key = key

    def latest_height(self) -> int:
        """The latest block's height (0 before the first block)."""
        return self.blocks.latest_height()

    def events_at(self, height: int) -> list[tuple[str, dict[str, Any]]]:
        """The events of the committed txs of block ``height``, in block order."""
        return self.blocks.events_at(height)

    def request(self, request_id: bytes) -> GrantRequest | None:
        """The request record, proven against the genesis."""
        record = self.source.record(
            f"/v1/grants/{request_id.hex()}", request_key(request_id), GrantRequest.from_stored
        )
        return record if isinstance(record, GrantRequest) else None

    def remind(self, request_id: bytes) -> None:
        """Submit ``grants.remind`` signed by the platform key."""
        submit_args(self.node, self.key, grants_tx, RemindArgs(request_id))


def reminder_poster(client: MessageClient) -> PostReminder:
    """Post reminder ``count`` of a request to its holder, from the client's (platform) account."""

    def post(request: GrantRequest, count: int) -> None:
        body = reminder_text(request, count).encode("utf-8")
        client.send(
            request.holder,
            body,
            kind="reminder",
            name="reminder",
            key=reminder_key(request.id, count),
        )

    return post
