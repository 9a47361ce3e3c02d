"""The audit page (审计): the access trail from the index, and the nodes' security event counts.

Pure rendering. The trail is the chain's usage records (who read which
asset, on whose behalf, why, when, through which grant or code), filtered by
an account and by UTC days and paged; accounts and assets are shown by
their addresses and content ids only, never a person's name or number.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from govchain.console.catalogue import text
from govchain.console.index_figures import TrailFilter, TrailPage
from govchain.console.index_reader import PAGE_ROWS
from govchain.console.markup import Html, esc, hex_text, layout, link, table, tag, utc_time
from govchain.console.registry_reader import NodeSecurity

__all__ = ["audit_page"]


def _field(name: str, label: str, value: str, kind: str, **extra: str) -> Html:
    attributes = "".join(f' {key}="{esc(val)}"' for key, val in extra.items())
    return tag(
        "label",
        tag("span", label),
        Html(f'<input type="{kind}" name="{name}" value="{esc(value)}"{attributes}>'),
    )


def _filter_form(lang: str, account: str, day_from: str, day_to: str) -> Html:
    return tag(
        "form",
        _field(
            "account",
            text(lang, "audit.account"),
            account,
            "text",
            maxlength="40",
            pattern="[0-9a-fA-F]{40}",
            spellcheck="false",
            autocomplete="off",
        ),
        _field("from", text(lang, "audit.from"), day_from, "date"),
        _field("to", text(lang, "audit.to"), day_to, "date"),
        Html(f'<button type="submit">{esc(text(lang, "audit.filter"))}</button>'),
        link("/audit", text(lang, "audit.clear")),
        method="get",
        action="/audit",
        class_="filter",
        id="trail-filter",
    )


def _read_object(lang: str, asset: str) -> Html:
    """An asset's content id, or a regulator's read of a case or a tx linking to its page."""
    kind, _, ident = asset.partition(":")
    if kind == "case" and ident:
        return link(f"/cases/{ident}", f"{text(lang, 'audit.target.case')} {ident[:12]}")
    if kind == "tx" and ident:
        return link(f"/txs/{ident}", f"{text(lang, 'audit.target.tx')} {ident[:12]}")
    return hex_text(asset, 12)


def _trail(lang: str, trail: TrailPage) -> Html:
    rows = [
        [
            utc_time(u.time),
            link(f"/blocks/{u.height}", str(u.height)),
            hex_text(u.reader, 12),
            hex_text(u.by_account, 12) if u.by_account else "-",
            u.reader_org or "-",
            hex_text(u.holder, 12),
            _read_object(lang, u.asset),
            str(u.version),
            u.action,
            u.purpose,
            f"{u.via} {u.via_id[:12]}" if u.via_id else u.via,
            link(f"/txs/{u.tx_hash}", hex_text(u.tx_hash, 12)),
        ]
        for u in trail.rows
    ]
    keys = ("block.time", "block.height", "audit.reader", "audit.by", "audit.reader_org",
            "audit.holder", "audit.asset", "audit.version", "audit.action", "audit.purpose",
            "audit.via", "audit.tx")  # fmt: skip
    return tag(
        "div",
        table([text(lang, k) for k in keys], rows, text(lang, "audit.none")),
        id="trail",
    )


def _security(lang: str, nodes: Sequence[NodeSecurity]) -> Html:
    rows: list[list[Html | str | int | None]] = []
    for node in nodes:
        if not node.up:
            down = tag("span", text(lang, "node.down"), class_="badge bad")
            rows.append([tag("code", node.url), down, "", ""])
            continue
        if not node.counts:
            rows.append([tag("code", node.url), "-", text(lang, "audit.no_security"), "0"])
        for source, event, count in node.counts:
            badge = tag("span", str(count), class_="badge warn" if count else "count")
            rows.append([tag("code", node.url), source, event, badge])
    keys = ("node.url", "audit.source", "audit.event", "audit.count")
    return tag("div", table([text(lang, k) for k in keys], rows, "-"), id="security")


def audit_page(
    lang: str,
    wanted: TrailFilter,
    shown: tuple[str, str],
    trail: TrailPage,
    security: Sequence[NodeSecurity],
) -> str:
    """The trail page: the filter (``shown``: the ``from`` and ``to`` days as asked), the
    matching usage records, a link to older ones, and each node's security events."""
    day_from, day_to = shown
    body = Html(
        tag("h2", text(lang, "audit.trail"))
        + _filter_form(lang, wanted.account, day_from, day_to)
        + tag("p", text(lang, "audit.matches", n=trail.total), class_="note", id="trail-total")
        + _trail(lang, trail)
    )
    if (wanted.page + 1) * PAGE_ROWS < trail.total:
        asked = {"account": wanted.account, "from": day_from, "to": day_to}
        query = urlencode({**{k: v for k, v in asked.items() if v}, "page": wanted.page + 1})
        body = Html(body + tag("p", link(f"/audit?{query}", text(lang, "audit.older")),
                               class_="more"))  # fmt: skip
    body = Html(
        body
        + tag("h2", text(lang, "audit.security"))
        + _security(lang, security)
        + tag("p", text(lang, "audit.security_note"), class_="note")
    )
    return layout(lang, text(lang, "audit.title"), body, "/audit")
