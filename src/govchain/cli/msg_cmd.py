"""CLI of messages (F-C6): ``govchain msg send|inbox|read|status`` (docs/spec/messages.md).

A message is sealed on this machine to the recipient's locker key and
posted to every storage node reached; reading it needs this account's
locker password (``--password-file``). ``msg read`` also sends the read
receipt, which the sender sees with ``msg status``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from govchain.cli.asset_options import (
    address_of_text,
    genesis_option,
    json_option,
    key_option,
    key_password_option,
    signer_of,
)
from govchain.cli.console import console, fail, human_time_ms, print_json, reports_errors
from govchain.cli.node_access import ca_bundle_option, node_client, nodes_option
from govchain.client.locker_keys import read_password_file
from govchain.client.message_crypto import BODY_MAX
from govchain.client.messages import InboxMessage, MessageClient, OpenedMessage
from govchain.client.sdk import NodeClient
from govchain.crypto.suite import SigningKey
from govchain.ledger.genesis_file import load_genesis
from govchain.types.errors import DecryptionError, ValidationError

__all__ = ["msg_app"]

msg_app = typer.Typer(help="Messages (消息): sealed to the recipient, kept by the storage nodes.")

PREVIEW_CHARS = 60


def _client(node: NodeClient, signer: SigningKey, genesis: Path | None) -> MessageClient:
    trusted = None if genesis is None else load_genesis(genesis)
    return MessageClient(node, signer, genesis=trusted)


def _password_option() -> object:
    return typer.Option(..., "--password-file", help="The locker's unlock password.")


@msg_app.command("send")
@reports_errors
def send(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    to: str = typer.Option(..., "--to", help="The recipient's account address (40 hex digits)."),
    file: Path = typer.Option(..., "--file", help="What to send: a text file, or any file."),
    as_file: bool = typer.Option(
        False, "--as-file", help="Send it as a file with its name (default: as text)."
    ),
    notice: bool = typer.Option(
        False, "--notice", help="Also record the message's hash on chain (proof of delivery)."
    ),
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Seal FILE to the recipient's locker key and post it to the storage nodes."""
    recipient = address_of_text(to, "--to")
    if file.stat().st_size > BODY_MAX:
        fail(f"{file}: larger than {BODY_MAX} bytes, the most one message carries")
    body = file.read_bytes()
    kind, name = ("file", file.name) if as_file else ("text", "")
    if kind == "text":
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            fail(f"{file}: not UTF-8 text; send it with --as-file")
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, _client(node, signer, genesis) as client:
        sent = client.send(recipient, body, kind=kind, name=name, notice=notice)
    notice_tx = None if sent.notice_tx is None else sent.notice_tx.hex()
    if json_out:
        print_json({"id": sent.id.hex(), "nodes": list(sent.nodes), "notice": notice_tx})
        return
    console.print(f"message [bold]{sent.id.hex()}[/bold] is on {', '.join(sent.nodes)}")
    if notice_tx is not None:
        console.print(f"its notice is on chain: tx {notice_tx}")


@msg_app.command("inbox")
@reports_errors
def inbox(
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    password_file: Path = _password_option(),  # type: ignore[assignment]
    genesis: Path | None = genesis_option(),
    json_out: bool = json_option(),
) -> None:
    """Every message to this account, each once, opened with the locker password."""
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, _client(node, signer, genesis) as client:
        messages = client.inbox()
        client.locker_key(password)  # a wrong password fails the command, not each message
        opened = [_opened(client, m, password) for m in messages]
    if json_out:
        print_json({"messages": [_json_of(m, o) for m, o in zip(messages, opened, strict=True)]})
        return
    table = Table(title=f"inbox of {client.address.hex()}: {len(messages)} messages")
    for column in ("id", "from", "received", "read", "kind", "says"):
        table.add_column(column, overflow="fold")
    for message, found in zip(messages, opened, strict=True):
        table.add_row(
            message.id.hex()[:16],
            message.sender.hex(),
            human_time_ms(message.received),
            "-" if message.read is None else human_time_ms(message.read),
            "?" if isinstance(found, str) else found.plaintext.kind,
            escape(found if isinstance(found, str) else _preview(found)),
        )
    console.print(table)


@msg_app.command("read")
@reports_errors
def read(
    ids: list[str] = typer.Argument(..., help="Message ids (64 hex digits, or a unique prefix)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    password_file: Path = _password_option(),  # type: ignore[assignment]
    out: Path | None = typer.Option(
        None, "--out", help="Write each message's body to this directory (by id, or its name)."
    ),
    genesis: Path | None = genesis_option(),
) -> None:
    """Open messages, print them (or write them to --out) and send their read receipts."""
    password = read_password_file(password_file)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, _client(node, signer, genesis) as client:
        messages = client.inbox()
        chosen = [_chosen(messages, text) for text in ids]
        for message in chosen:
            opened = client.open(message, password)
            _show(opened, out)
            client.mark_read(message.id)


@msg_app.command("status")
@reports_errors
def status(
    message: str = typer.Argument(..., help="The message id (64 hex digits)."),
    nodes: list[str] = nodes_option(),
    ca_bundle: Path | None = ca_bundle_option(),
    key: Path = key_option(),
    key_password: Path | None = key_password_option(),
    json_out: bool = json_option(),
) -> None:
    """A message's delivery and read receipt (to its sender or its recipient)."""
    found = _message_id(message)
    signer = signer_of(key, key_password)
    with node_client(nodes, ca_bundle) as node, _client(node, signer, None) as client:
        answer = client.status(found)
    if json_out:
        print_json(answer)
        return
    read_at = answer.get("read")
    console.print(
        f"message {answer['id']} to {answer['recipient']}: received "
        f"{human_time_ms(int(answer['received']))} on {', '.join(answer['nodes'])}; "
        + ("not read yet" if read_at is None else f"read {human_time_ms(int(read_at))}")
    )


def _opened(client: MessageClient, message: InboxMessage, password: bytes) -> OpenedMessage | str:
    """The opened message, or why it does not open (shown in its row, the others still listed)."""
    try:
        return client.open(message, password)
    except (DecryptionError, ValidationError) as exc:  # one bad message must not hide the rest
        return f"(does not open: {exc})"


def _preview(opened: OpenedMessage) -> str:
    plaintext = opened.plaintext
    if plaintext.kind == "file":
        return f"file {plaintext.name} ({len(plaintext.body)} bytes)"
    text = plaintext.body.decode("utf-8", errors="replace").replace("\n", " ")
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def _json_of(message: InboxMessage, opened: OpenedMessage | str) -> dict[str, object]:
    value: dict[str, object] = {
        "id": message.id.hex(),
        "sender": message.sender.hex(),
        "received": message.received,
        "read": message.read,
        "nodes": list(message.nodes),
    }
    if isinstance(opened, str):
        return {**value, "error": opened}
    plaintext = opened.plaintext
    body: dict[str, object] = {
        "kind": plaintext.kind,
        "name": plaintext.name,
        "time": plaintext.time,
    }
    if plaintext.kind == "file":
        body["size"] = len(plaintext.body)
    else:
        body["text"] = plaintext.body.decode("utf-8", errors="replace")
    return {**value, **body}


def _chosen(messages: list[InboxMessage], text: str) -> InboxMessage:
    wanted = text.strip().lower()
    if not wanted or len(wanted) > 64 or any(c not in "0123456789abcdef" for c in wanted):
        fail(f"{text!r}: expected a message id (hex)")
    found = [m for m in messages if m.id.hex().startswith(wanted)]
    if len(found) != 1:
        fail(f"{text}: {'no message' if not found else 'several messages'} in the inbox match")
    return found[0]


def _message_id(text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        fail("expected a message id of 64 hex digits")
    return value


def _show(opened: OpenedMessage, out: Path | None) -> None:
    message, plaintext = opened.message, opened.plaintext
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        target = out / (plaintext.name or f"{message.id.hex()}.txt")
        target.write_bytes(plaintext.body)
        console.print(f"message {message.id.hex()} from {message.sender.hex()}: wrote {target}")
        return
    console.print(
        f"[bold]message {message.id.hex()}[/bold] from {message.sender.hex()}, "
        f"{plaintext.kind}, sent {human_time_ms(plaintext.time)}"
    )
    if plaintext.kind == "file":
        console.print(f"file {escape(plaintext.name)}: {len(plaintext.body)} bytes (use --out DIR)")
    else:
        typer.echo(plaintext.body.decode("utf-8", errors="replace"))
