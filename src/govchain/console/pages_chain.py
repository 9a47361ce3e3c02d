"""Pages of the chain: the overview (nodes, throughput, alerts), blocks, a block, a tx.

Pure rendering: each function takes what the readers returned and gives
HTML; nothing here reads a node or a database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from govchain.console.alert_reader import OpenAlert
from govchain.console.catalogue import text, value_text
from govchain.console.chain_reader import NodeState, OfflineCheck, TxView
from govchain.console.index_reader import BlockRow, TxRow
from govchain.console.markup import Html, esc, hex_text, layout, link, table, tag, utc_time
from govchain.console.pages_signin import SIGNING_SCRIPT

__all__ = [
    "REFRESH_S",
    "THROUGHPUT_BLOCKS",
    "block_page",
    "blocks_page",
    "check_box",
    "overview_live",
    "overview_page",
    "tx_page",
]

REFRESH_S = 2
"""How often the overview's script asks for its live part again."""
THROUGHPUT_BLOCKS = 60
"""The blocks the overview's throughput chart covers."""


def overview_live(
    lang: str,
    nodes: Sequence[NodeState],
    indexed: int | None,
    alerts: Sequence[OpenAlert] | None,
    trouble: Sequence[str] = (),
) -> Html:
    """The part of the overview the page's script replaces every REFRESH_S seconds:
    chain height, nodes, open alerts (None: no alerts source), any source that failed."""
    height = max((n.height for n in nodes if n.up), default=0)
    figures = tag(
        "div",
        tag(
            "div",
            tag("span", text(lang, "overview.height")),
            tag("strong", str(height), id="chain-height"),
            class_="figure",
        ),
        tag(
            "div",
            tag("span", text(lang, "overview.indexed")),
            tag("strong", "-" if indexed is None else str(indexed), id="indexed-height"),
            class_="figure",
        ),
        class_="figures",
    )
    node_rows = [
        [
            tag("code", n.url),
            tag(
                "span",
                text(lang, "node.up" if n.up else "node.down"),
                class_="badge ok" if n.up else "badge bad",
            ),
            tag("span", str(n.height) if n.up else "-", class_="node-height"),
            value_text(lang, n.role) + (f" ({text(lang, 'node.syncing')})" if n.syncing else ""),
            str(n.peers) if n.up else "-",
        ]
        for n in nodes
    ]
    nodes_table = table(
        [
            text(lang, k)
            for k in ("node.url", "node.status", "node.height", "node.role", "node.peers")
        ],
        node_rows,
        "",
    )
    return Html(
        _troubles(trouble)
        + figures
        + tag("h2", text(lang, "overview.nodes"))
        + nodes_table
        + tag("h2", text(lang, "overview.alerts"))
        + _alerts(lang, alerts)
    )


def _troubles(trouble: Sequence[str]) -> Html:
    return Html("".join(tag("p", line, class_="trouble") for line in trouble))


def _alerts(lang: str, alerts: Sequence[OpenAlert] | None) -> Html:
    if alerts is None:
        return tag("p", text(lang, "overview.no_alert_source"), class_="empty")
    rows = [
        [
            tag("span", a.severity, class_=f"badge sev-{a.severity}"),
            a.rule,
            a.subject,
            a.started_at.replace("T", " ").removesuffix("Z"),
            a.detail,
        ]
        for a in alerts
    ]
    headers = [
        text(lang, k)
        for k in ("alert.severity", "alert.rule", "alert.subject", "alert.since", "alert.detail")
    ]
    return tag("div", table(headers, rows, text(lang, "overview.no_alerts")), id="alerts")


def overview_page(lang: str, live: Html) -> str:
    """The overview: the live part, then the throughput chart (refreshed with it)."""
    body = Html(
        tag(
            "section",
            live,
            id="live",
            data_refresh="/overview/live",
            data_every_ms=str(REFRESH_S * 1000),
        )
        + tag("h2", text(lang, "overview.throughput", n=THROUGHPUT_BLOCKS))
        + tag(
            "div",
            Html(
                f'<img id="throughput" src="/charts/throughput.svg?blocks={THROUGHPUT_BLOCKS}" '
                f'alt="{esc(text(lang, "overview.throughput_alt"))}">'
            ),
            class_="chart",
        )
        + tag("p", text(lang, "overview.refresh", s=REFRESH_S), class_="note")
    )
    return layout(lang, text(lang, "overview.title"), body, "/", scripts=("/static/console.js",))


def blocks_page(lang: str, blocks: Sequence[BlockRow]) -> str:
    """Indexed blocks, newest first, with a link to older ones."""
    rows = [
        [
            link(f"/blocks/{b.height}", str(b.height)),
            utc_time(b.time),
            str(b.tx_count),
            hex_text(b.hash, 16),
            hex_text(b.proposer, 12),
        ]
        for b in blocks
    ]
    headers = [
        text(lang, k)
        for k in ("block.height", "block.time", "block.tx_count", "block.hash", "block.proposer")
    ]
    body = table(headers, rows, text(lang, "blocks.none"))
    if blocks and blocks[-1].height > 1:
        body = Html(
            body
            + tag(
                "p",
                link(f"/blocks?below={blocks[-1].height}", text(lang, "blocks.older")),
                class_="more",
            )
        )
    return layout(lang, text(lang, "blocks.title"), body, "/blocks")


def _facts(rows: Sequence[tuple[str, Html | str]]) -> Html:
    """A definition list of ``(label, value)`` pairs."""
    items = (Html(tag("dt", label) + tag("dd", esc(value))) for label, value in rows)
    return tag("dl", *items, class_="facts")


def block_page(lang: str, block: BlockRow, txs: Sequence[TxRow]) -> str:
    """A block and its txs, from the index."""
    facts = _facts(
        [
            (text(lang, "block.height"), str(block.height)),
            (text(lang, "block.time"), utc_time(block.time)),
            (text(lang, "block.hash"), hex_text(block.hash)),
            (text(lang, "block.prev_hash"), hex_text(block.prev_hash)),
            (text(lang, "block.proposer"), hex_text(block.proposer)),
            (text(lang, "block.tx_count"), str(block.tx_count)),
        ]
    )
    rows = [
        [
            str(t.tx_index),
            link(f"/txs/{t.hash}", hex_text(t.hash, 16)),
            t.type,
            hex_text(t.sender, 12),
            _status(lang, t.status),
            t.error_code or "-",
        ]
        for t in txs
    ]
    headers = [
        text(lang, k)
        for k in ("tx.index", "tx.hash", "tx.type", "tx.sender", "tx.status", "tx.error")
    ]
    body = Html(
        facts
        + tag("h2", text(lang, "block.txs"))
        + table(headers, rows, text(lang, "block.no_txs"))
    )
    return layout(
        lang, text(lang, "block.title", height=block.height), body, f"/blocks/{block.height}"
    )


def _status(lang: str, status: str) -> Html:
    kind = "ok" if status == "committed" else "bad" if status == "failed" else "wait"
    return tag("span", value_text(lang, status), class_=f"badge {kind}")


def check_box(lang: str, check: OfflineCheck, passed_note: str = "") -> Html:
    """The outcome of an offline check, passed, failed (naming the check) or not made."""
    title = tag(
        "strong",
        text(lang, "check.title") + "：" if lang == "zh" else text(lang, "check.title") + ": ",
    )
    if check.outcome == "unavailable":
        return tag(
            "div",
            title,
            text(lang, "check.unavailable"),
            id="offline-check",
            class_="check unavailable",
        )
    if check.outcome == "passed":
        detail = passed_note
        if check.total_power:
            detail = text(lang, "check.power", signed=check.signed_power, total=check.total_power)
        return tag(
            "div",
            title,
            tag("span", text(lang, "check.passed"), class_="outcome"),
            tag("p", detail),
            tag("p", text(lang, "check.explain") if check.total_power else "", class_="note"),
            id="offline-check",
            class_="check passed",
        )
    return tag(
        "div",
        title,
        tag("span", text(lang, "check.failed"), class_="outcome"),
        tag("p", text(lang, "check.step", check=check.check)),
        tag("p", check.reason),
        id="offline-check",
        class_="check failed",
    )


def tx_page(lang: str, view: TxView, read_part: Html | None = None) -> str:
    """A tx with its receipt (from the node's receipt file) and the offline check; then
    ``read_part`` (a regulator's read form, pages_scoped) when given."""
    path = f"/txs/{view.tx_hash}"
    title = text(lang, "tx.title")
    if view.bundle is None:
        body = Html(
            _facts(
                [
                    (text(lang, "tx.hash"), hex_text(view.tx_hash)),
                    (text(lang, "tx.status"), _status(lang, view.status)),
                ]
            )
            + check_box(lang, view.check)
        )
        return layout(lang, title, body, path)
    tx, receipt, header = view.bundle.tx, view.bundle.receipt, view.bundle.header
    error_code = receipt.error.partition(":")[0] if receipt.status else "-"
    facts = _facts(
        [
            (text(lang, "tx.hash"), hex_text(view.tx_hash)),
            (text(lang, "tx.type"), tx.type),
            (text(lang, "tx.sender"), hex_text(tx.sender.hex())),
            (text(lang, "tx.block"), link(f"/blocks/{header.height}", str(header.height))),
            (text(lang, "tx.index"), str(view.bundle.tx_proof.index)),
            (text(lang, "block.time"), utc_time(header.time)),
            (
                text(lang, "tx.status"),
                _status(lang, "committed" if receipt.status == 0 else "failed"),
            ),
            (text(lang, "tx.error"), error_code),
        ]
    )
    events = [
        [
            e.type,
            tag(
                "code",
                json.dumps(e.attributes, ensure_ascii=False, sort_keys=True, default=_hex_of),
                class_="attrs",
            ),
        ]
        for e in receipt.events
    ]
    body = Html(
        check_box(lang, view.check)
        + facts
        + tag("h2", text(lang, "tx.events"))
        + table(
            [text(lang, "tx.event_type"), text(lang, "tx.attributes")],
            events,
            text(lang, "tx.no_events"),
        )
        + (read_part or "")
    )
    return layout(lang, title, body, path, [SIGNING_SCRIPT] if read_part else [])


def _hex_of(value: object) -> str:
    """JSON of event attributes: bytes as hex."""
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)
