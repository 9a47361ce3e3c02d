"""A locker's messages page (消息, seed 003: messages reach the phone and the desktop; F-C6).

The page is a shell: its script (web/locker/messages_page.js) has the inbox reads signed
in the browser, lists the messages newest first from what the inbox gives in clear (sender,
arrival, read or not; a message is sealed, so nothing of its content), and opens one in the
browser with the locker key. The labels the script writes come from the catalogue as data
attributes of the page, so a phone and a desktop, Chinese and English, get the same words.
"""

from __future__ import annotations

from govchain.console.catalogue import text
from govchain.console.markup import Html, hex_text, layout, link, tag
from govchain.console.pages_signin import SIGNING_SCRIPT, key_inputs, key_messages

__all__ = ["messages_page"]

_LABELS = (
    "received", "sender", "state", "open", "read", "unread", "none", "count", "unanswered",
    "sent", "kind", "name", "body", "file", "opening", "opened", "open_failed",
    "need_password", "sender_mismatch", "kind.text", "kind.file", "kind.reminder",
)  # fmt: skip
"""The ``messages.*`` labels the script uses."""


def _labels(lang: str) -> dict[str, str]:
    return {"data_label_" + key.replace(".", "_"): text(lang, f"messages.{key}") for key in _LABELS}


def messages_page(lang: str, address: str) -> str:
    """The messages of the locker of ``address``: the form that signs the inbox reads (key
    file) and opens messages (locker password), the list, the message opened."""
    form = tag(
        "form",
        tag("p", text(lang, "messages.explain"), class_="note"),
        key_inputs(lang, "inbox"),
        tag("label", text(lang, "messages.password"), for_="inbox-password"),
        Html('<input id="inbox-password" type="password" autocomplete="off">'),
        tag("button", text(lang, "messages.unlock"), type="submit"),
        tag("p", "", class_="sign-message", role="status"),
        id="inbox-open",
        class_="ask",
        **{**key_messages(lang), "data_msg_working": text(lang, "messages.working"),
           "data_msg_failed": text(lang, "messages.failed"), "data_msg_done": ""},
    )  # fmt: skip
    box = tag(
        "div",
        form,
        tag("div", "", id="inbox-list"),
        tag("section", "", id="message", class_="content", hidden="hidden"),
        id="inbox",
        data_address=address,
        data_reads=f"/locker/{address}/messages/reads",
        data_inbox=f"/locker/{address}/messages/inbox",
        data_messages=f"/locker/{address}/messages",
        **_labels(lang),
    )
    back = tag("p", link(f"/locker/{address}", text(lang, "messages.back")), class_="note")
    body = Html(tag("p", hex_text(address), class_="owner") + back + box)
    return layout(lang, text(lang, "messages.title"), body, f"/locker/{address}/messages",
                  [SIGNING_SCRIPT])  # fmt: skip
