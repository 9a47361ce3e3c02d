"""A subject's locker pages (数字保险箱, seed 003): assets by type, an asset, fetch with a purpose.

The locker page is a shell until the subject's browser has signed its
reads; the console then renders the signed part (:func:`locker_fragment`)
and the page's script puts it in. An asset's page shows what the chain
holds in clear (type, status, issuer, public fields, history, usage
records) and a form to fetch the content with a purpose: the content is
decrypted by the browser, so it never reaches this module. Tables carry
``data-label`` on each cell: on a phone each row becomes a card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govchain.console.catalogue import text, value_text
from govchain.console.index_reader import GrantRow
from govchain.console.locker_reader import AssetView, LockerView
from govchain.console.markup import Html, hex_text, layout, link, tag, utc_time
from govchain.console.pages_signin import SIGNING_SCRIPT, key_inputs, key_messages

__all__ = ["asset_page", "locker_fragment", "locker_page", "locker_start_page"]

SCRIPT = SIGNING_SCRIPT
"""The console's bundle (web/): its locker part is web/locker/locker_page.js."""


def cards(
    headers: Sequence[str], rows: Sequence[Sequence[Html | str | int | None]], empty: str
) -> Html:
    """A table that becomes a stack of cards on a narrow screen (each cell names its column)."""
    if not rows:
        return tag("p", empty, class_="empty")
    head = tag("tr", *(tag("th", h) for h in headers))
    body = "".join(
        tag("tr", *(tag("td", cell, data_label=h) for h, cell in zip(headers, row, strict=True)))
        for row in rows
    )
    return tag("div", tag("table", tag("thead", head), tag("tbody", Html(body))), class_="cards")


def _status(lang: str, status: str) -> Html:
    kind = {"valid": "ok", "pending": "wait", "active": "ok", "open": "wait", "approved": "ok"}
    return tag("span", value_text(lang, status), class_=f"badge {kind.get(status, 'bad')}")


def _messages(lang: str) -> dict[str, str]:
    """The script's messages, as data attributes of its form."""
    return {
        **key_messages(lang),
        "data_msg_working": text(lang, "fetch.working"),
        "data_msg_done": text(lang, "fetch.done"),
        "data_msg_failed": text(lang, "fetch.failed"),
        "data_msg_need_purpose": text(lang, "fetch.need_purpose"),
        "data_msg_fields": text(lang, "fetch.fields"),
        "data_msg_file": text(lang, "fetch.file"),
    }


def _headers(lang: str, *keys: str) -> list[str]:
    return [text(lang, k) for k in keys]


def locker_start_page(lang: str) -> str:
    """Where a subject gives its account address to open its locker."""
    form = tag(
        "form",
        tag("label", text(lang, "locker.address"), for_="address"),
        Html(
            '<input id="address" name="address" required pattern="[0-9a-fA-F]{40}" '
            'maxlength="40" autocomplete="username" spellcheck="false">'
        ),
        tag("button", text(lang, "locker.open"), type="submit"),
        action="/locker/open",
        method="get",
        class_="ask",
    )
    body = Html(tag("p", text(lang, "locker.intro"), class_="note") + form)
    return layout(lang, text(lang, "locker.title"), body, "/locker")


def locker_page(lang: str, address: str) -> str:
    """A locker's shell: the script asks the browser to sign the reads, then shows them."""
    form = tag(
        "form",
        tag("p", text(lang, "locker.sign_explain"), class_="note"),
        key_inputs(lang, "locker"),
        tag("button", text(lang, "locker.unlock"), type="submit"),
        tag("p", "", class_="sign-message", role="status"),
        id="locker-open",
        class_="ask",
        **{**_messages(lang), "data_msg_failed": text(lang, "locker.failed"),
           "data_msg_working": text(lang, "locker.signing"), "data_msg_done": ""},
    )  # fmt: skip
    box = tag(
        "div",
        form,
        tag("div", "", id="locker-signed"),
        id="locker",
        data_address=address,
        data_reads=f"/locker/{address}/reads",
        data_view=f"/locker/{address}/view",
    )
    inbox = tag("p", link(f"/locker/{address}/messages", text(lang, "messages.link"),
                          id="messages-link"), class_="note")  # fmt: skip
    body = Html(tag("p", hex_text(address), class_="owner") + inbox + box)
    return layout(lang, text(lang, "locker.title"), body, f"/locker/{address}", [SCRIPT])


def locker_fragment(
    lang: str, address: str, view: LockerView, given: Sequence[GrantRow] | None
) -> str:
    """The signed part of a locker page: assets by type, grants given and received, codes,
    access requests. ``given`` None: the index could not be read."""
    parts: list[str] = [tag("h2", text(lang, "locker.assets"))]
    if not view.types:
        parts.append(tag("p", text(lang, "locker.no_assets"), class_="empty"))
    for group in view.types:
        rows = [
            [
                link(
                    f"/locker/{address}/assets/{a['content_id']}",
                    a["identifier"] or hex_text(a["content_id"], 12),
                ),
                _status(lang, str(a["status"])),
                str(a["issuer"]),
                str(a["version"]),
                utc_time(int(a["valid_until"]))
                if a["valid_until"]
                else text(lang, "locker.long_term"),
            ]
            for a in group["assets"]
        ]
        heads = _headers(
            lang,
            "asset.identifier",
            "asset.status",
            "asset.issuer",
            "asset.version",
            "asset.valid_until",
        )
        parts.append(
            tag(
                "section",
                tag("h3", text(lang, "asset.type"), " ", tag("code", group["type"])),
                cards(heads, rows, "-"),
                class_="type",
            )
        )
    if view.more:
        parts.append(tag("p", text(lang, "locker.more"), class_="note"))
    parts.append(tag("h2", text(lang, "locker.shared")))
    shared = [
        [
            link(
                f"/locker/{address}/assets/{g['asset']}?grant={g['id']}",
                hex_text(str(g["asset"]), 12),
            ),
            hex_text(str(g["holder"]), 12),
            value_text(lang, str(g["scope"])),
            str(g["purpose"]),
            _status(lang, str(g["status"])),
            f"{g['used']} / {g['uses']}",
            utc_time(int(g["expires"])),
        ]
        for g in view.shared
    ]
    parts.append(
        tag(
            "div",
            cards(
                _headers(
                    lang,
                    "grant.asset",
                    "grant.holder",
                    "grant.scope",
                    "grant.purpose",
                    "grant.status",
                    "grant.used",
                    "grant.expires",
                ),
                shared,
                text(lang, "locker.none"),
            ),
            id="shared",
        )
    )
    parts.append(tag("h2", text(lang, "locker.given")))
    if given is None:
        parts.append(tag("p", f"{text(lang, 'page.unavailable')}: index", class_="trouble"))
    else:
        for kind, key, empty in (
            ("grant", "locker.given", "locker.none"),
            ("code", "locker.codes", "locker.none"),
        ):
            rows = [
                [
                    link(f"/locker/{address}/assets/{g.asset}", hex_text(g.asset, 12)),
                    hex_text(g.grantee, 12) if g.grantee else "-",
                    g.purpose,
                    _status(lang, g.status),
                    f"{g.used} / {g.uses}",
                    utc_time(g.expires),
                ]
                for g in given
                if g.kind == kind
            ]
            if kind == "code":
                parts.append(tag("h2", text(lang, key)))
            heads = _headers(
                lang,
                "grant.asset",
                "grant.grantee",
                "grant.purpose",
                "grant.status",
                "grant.used",
                "grant.expires",
            )
            parts.append(tag("div", cards(heads, rows, text(lang, empty)), id=f"given-{kind}"))
    parts.append(tag("h2", text(lang, "locker.requests")))
    asked = [
        [
            link(f"/locker/{address}/assets/{r['asset']}", hex_text(str(r["asset"]), 12)),
            hex_text(str(r["requester"]), 12),
            value_text(lang, str(r["scope"])),
            str(r["purpose"]),
            _status(lang, str(r["status"])),
            link(f"/blocks/{r['height']}", str(r["height"])),
        ]
        for r in view.requests
    ]
    parts.append(
        tag(
            "div",
            cards(
                _headers(
                    lang,
                    "grant.asset",
                    "request.requester",
                    "grant.scope",
                    "grant.purpose",
                    "grant.status",
                    "block.height",
                ),
                asked,
                text(lang, "locker.none"),
            ),
            id="requests",
        )
    )
    return "".join(parts)


def _facts(pairs: Sequence[tuple[str, Html | str]]) -> Html:
    return tag("dl", *(Html(tag("dt", k) + tag("dd", v)) for k, v in pairs), class_="facts")


def asset_page(lang: str, address: str, view: AssetView, grant: str) -> str:
    """An asset: its public record, history with heights, usage records, and the fetch form."""
    asset: dict[str, Any] = view.asset
    content_id = str(asset["content_id"])
    facts = _facts(
        [
            (text(lang, "asset.type"), tag("code", str(asset["type"]))),
            (text(lang, "asset.identifier"), str(asset["identifier"]) or "-"),
            (text(lang, "asset.content_id"), hex_text(content_id)),
            (text(lang, "asset.status"), _status(lang, view.status)),
            (text(lang, "asset.issuer"), str(asset["issuer"]) or "-"),
            (text(lang, "asset.holder"), hex_text(str(asset["holder"]))),
            (text(lang, "asset.version"), str(asset["version"])),
            (text(lang, "asset.method"), str(asset["content"]["method"])),
            (
                text(lang, "asset.last_tx"),
                link(f"/txs/{asset['last_tx']}", hex_text(str(asset["last_tx"]), 16)),
            ),
        ]
    )
    public = [(str(k), str(v)) for k, v in sorted(asset.get("metadata", {}).items())]
    history = [
        [
            value_text(lang, str(h.get("action", ""))),
            _status(lang, str(h.get("status", ""))),
            link(f"/blocks/{h['height']}", str(h["height"])),
            utc_time(int(h.get("time", 0))),
            hex_text(str(h.get("by", "")), 12),
            str(h.get("reason") or ""),
        ]
        for h in (e.get("entry", e) for e in view.history)
    ]
    usage = [
        [
            utc_time(int(u["time"])),
            link(f"/blocks/{u['height']}", str(u["height"])),
            hex_text(str(u["reader"]), 12),
            value_text(lang, str(u["action"])),
            str(u["purpose"]),
            str(u["via"]),
            link(f"/txs/{u['tx_hash']}", hex_text(str(u["tx_hash"]), 12)),
        ]
        for u in view.usage
    ]
    fetch = tag(
        "form",
        tag("h2", text(lang, "fetch.title")),
        tag("p", text(lang, "fetch.explain"), class_="note"),
        tag("label", text(lang, "fetch.purpose"), for_="purpose"),
        Html('<input id="purpose" name="purpose" maxlength="256" autocomplete="off">'),
        tag("label", text(lang, "fetch.password"), for_="password"),
        Html('<input id="password" name="password" type="password" autocomplete="off">'),
        key_inputs(lang, "fetch"),
        tag("button", text(lang, "fetch.button"), type="submit"),
        tag("p", "", id="fetch-status", role="status"),
        id="fetch",
        class_="ask",
        data_plan=f"/locker/{address}/assets/{content_id}/plan",
        data_fetch=f"/locker/{address}/assets/{content_id}/fetch",
        data_address=address,
        data_grant=grant or None,
        data_holder="1" if asset["holder"] == address else "0",
        **_messages(lang),
    )
    body = Html(
        facts
        + tag("h2", text(lang, "asset.public"))
        + (_facts(public) if public else tag("p", "-", class_="empty"))
        + fetch
        + tag("div", "", id="content", class_="content", hidden="hidden")
        + tag("h2", text(lang, "asset.history"))
        + tag(
            "div",
            cards(
                _headers(
                    lang,
                    "case.action",
                    "asset.status",
                    "block.height",
                    "block.time",
                    "case.by",
                    "case.reason",
                ),
                history,
                "-",
            ),
            id="history",
        )
        + tag("h2", text(lang, "asset.usage"))
        + tag(
            "div",
            cards(
                _headers(
                    lang,
                    "block.time",
                    "block.height",
                    "usage.reader",
                    "case.action",
                    "grant.purpose",
                    "usage.via",
                    "tx.hash",
                ),
                usage,
                text(lang, "asset.no_usage"),
            ),
            id="usage",
        )
    )
    title = text(lang, "asset.title", id=str(asset["identifier"]) or content_id[:12])
    return layout(lang, title, body, f"/locker/{address}/assets/{content_id}", [SCRIPT])
