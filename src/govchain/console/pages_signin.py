"""Pages of sign-in and access: the sign-in page, who is signed in, the 403 page.

Pure rendering. The key file is picked here but read by the page's script
only (static/build/console-signing.js): the form posts the public key and a
signature, never the file or its password.
"""

from __future__ import annotations

from urllib.parse import urlencode

from govchain.console.catalogue import text
from govchain.console.markup import Html, layout, link, tag
from govchain.console.sessions import Identity

__all__ = ["SIGNING_SCRIPT", "forbidden_body", "key_inputs", "key_messages", "signin_page"]

SIGNING_SCRIPT = "/static/build/console-signing.js"
_KEY_ERRORS = ("missing", "unreadable", "unsupported", "encrypted", "wrong_password")


def key_messages(lang: str) -> dict[str, str]:
    """The ``data-msg-*`` attributes a signing form gives its script: what to say when the
    key file cannot be used, in the reader's language."""
    messages = {f"data_msg_{code}": text(lang, f"key.{code}") for code in _KEY_ERRORS}
    messages["data_msg_working"] = text(lang, "sign.working")
    return messages


def key_inputs(lang: str, prefix: str) -> Html:
    """The key file and (for an encrypted file) password inputs of a signing form."""
    return Html(
        tag("label", text(lang, "key.file"), for_=f"{prefix}-key-file")
        + Html(
            f'<input type="file" id="{prefix}-key-file" class="key-file" '
            'accept=".pem,.key,application/x-pem-file" required>'
        )
        + tag("label", text(lang, "key.password"), for_=f"{prefix}-key-password")
        + Html(
            f'<input type="password" id="{prefix}-key-password" class="key-password" '
            'autocomplete="off">'
        )
    )


def _identity_facts(lang: str, identity: Identity) -> Html:
    rows = [
        (text(lang, "signin.address"), tag("code", identity.address, class_="hex")),
        (text(lang, "signin.role"), text(lang, f"role.{identity.role}")),
        (text(lang, "signin.kind"), identity.kind),
        (text(lang, "signin.member"), identity.org or "-"),
    ]
    items = "".join(tag("dt", name) + tag("dd", value) for name, value in rows)
    return tag("dl", Html(items), class_="facts", id="identity")


def signin_page(lang: str, identity: Identity | None, next_path: str, expired: bool) -> str:
    """The sign-in page: the form (or, when signed in, who and a sign-out button)."""
    parts: list[Html] = []
    if expired:
        parts.append(tag("p", text(lang, "signin.expired"), class_="refused", id="expired"))
    if identity is not None:
        parts.append(tag("p", text(lang, "signin.as")))
        parts.append(_identity_facts(lang, identity))
        parts.append(
            tag(
                "form",
                tag("button", text(lang, "signin.out"), type="submit", id="signout"),
                method="post",
                action="/signout",
            )
        )
        return layout(lang, text(lang, "signin.title"), Html("".join(parts)), "/signin")
    form = tag(
        "form",
        tag("p", text(lang, "signin.explain"), class_="note"),
        key_inputs(lang, "signin"),
        tag("button", text(lang, "signin.submit"), type="submit"),
        tag("p", "", class_="sign-message", id="signin-message", role="status"),
        id="signin",
        class_="signing",
        method="post",
        action="/signin",
        data_challenge="/signin/challenge",
        data_next=next_path,
        **key_messages(lang),
    )
    parts.append(form)
    return layout(
        lang, text(lang, "signin.title"), Html("".join(parts)), "/signin", [SIGNING_SCRIPT]
    )


def forbidden_body(lang: str, reason_key: str, next_path: str) -> Html:
    """The 403 page's body: why, and a link to sign in and come back."""
    target = "/signin?" + urlencode({"next": next_path})
    return Html(
        tag("p", text(lang, reason_key), class_="refused")
        + tag("p", link(target, text(lang, "signin.link"), id="signin-link"))
    )
