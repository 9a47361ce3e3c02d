"""HTML building with escaping by default: every string is text unless it is :class:`Html`.

The pages are built from these few functions rather than a template
engine: a value from the chain or a database can only reach a page through
:func:`esc` (or a function that calls it), so no value can become markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from govchain.console.catalogue import text
from govchain.console.sessions import SIGNED_IN

__all__ = ["Html", "esc", "hex_text", "layout", "link", "table", "tag", "utc_time"]


class Html(str):
    """A string that is already HTML (made by this module only)."""

    __slots__ = ()


Child = Html | str | int | None


def esc(value: Child) -> Html:
    """``value`` as HTML: Html as it is, None as nothing, anything else escaped text."""
    if value is None:
        return Html("")
    if isinstance(value, Html):
        return value
    return Html(html.escape(str(value), quote=True))


def tag(name: str, *children: Child, **attributes: str | None) -> Html:
    """``<name attrs>children</name>``; ``class_`` is ``class``, ``data_x`` is ``data-x``;
    an attribute whose value is None is left out."""
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{html.escape(value, quote=True)}"'
        for key, value in attributes.items()
        if value is not None
    )
    inner = "".join(esc(child) for child in children)
    return Html(f"<{name}{attrs}>{inner}</{name}>")


def link(href: str, label: Child, **attributes: str | None) -> Html:
    """An ``<a>`` to ``href``."""
    return tag("a", label, href=href, **attributes)


def table(headers: Sequence[str], rows: Sequence[Sequence[Child]], empty: str) -> Html:
    """A table in a horizontally scrolling box (narrow screens), or the ``empty`` line."""
    if not rows:
        return tag("p", empty, class_="empty")
    head = tag("tr", *(tag("th", h) for h in headers))
    body = "".join(tag("tr", *(tag("td", cell) for cell in row)) for row in rows)
    return tag("div", tag("table", tag("thead", head), tag("tbody", Html(body))), class_="scroll")


def utc_time(ms: int) -> str:
    """BFT milliseconds as ``YYYY-MM-DD HH:MM:SS`` UTC; 0 (not yet) as a dash."""
    if ms <= 0:
        return "-"
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def hex_text(value: str, shown: int = 0) -> Html:
    """A hex id in a ``<code>`` that may break anywhere; ``shown`` > 0 cuts it to that many
    digits and an ellipsis, the whole id in the title."""
    if shown and len(value) > shown:
        return tag("code", value[:shown] + "…", title=value, class_="hex")
    return tag("code", value or "-", class_="hex")


_NAV = (
    ("/", "nav.overview"),
    ("/blocks", "nav.blocks"),
    ("/cases", "nav.cases"),
    ("/members", "nav.members"),
    ("/assets", "nav.assets"),
    ("/audit", "nav.audit"),
    ("/governance", "nav.governance"),
    ("/evidence", "nav.evidence"),
    ("/locker", "nav.locker"),
)


def _who(language: str) -> Html:
    """Who is signed in (address, role, member) linking to the sign-in page, or a sign-in link."""
    identity = SIGNED_IN.get()
    if identity is None:
        return link("/signin", text(language, "signin.link"), id="who")
    role = text(language, f"role.{identity.role}")
    label = f"{identity.address[:8]}… · {role}" + (f" · {identity.org}" if identity.org else "")
    return link("/signin", label, id="who", class_="signed-in", title=identity.address)


def layout(language: str, title: str, body: Html, path: str, scripts: Sequence[str] = ()) -> str:
    """A whole page: header with the navigation and the language switch, then ``body``.

    ``path`` is the page's own path (the language switch links back to it).
    """
    other = "en" if language == "zh" else "zh"
    nav = tag(
        "nav",
        *(
            link(href, text(language, key), class_="current" if href == path else None)
            for href, key in _NAV
        ),
        _who(language),
        link(f"{path}?{urlencode({'lang': other})}", text(language, "lang.other"), id="lang"),
    )
    head = tag(
        "head",
        Html('<meta charset="utf-8">'),
        Html('<meta name="viewport" content="width=device-width, initial-scale=1">'),
        tag("title", f"{title} · {text(language, 'app.title')}"),
        Html('<link rel="stylesheet" href="/static/console.css">'),
        *(Html(f'<script src="{esc(src)}" defer></script>') for src in scripts),
    )
    header = tag("header", tag("strong", text(language, "app.title"), class_="brand"), nav)
    page = tag("body", header, tag("main", tag("h1", title), body))
    return f'<!DOCTYPE html>\n<html lang="{text(language, "lang.html")}">{head}{page}</html>\n'
