"""The assets page (资产): assets by type with counts by status, and their growth as a chart.

Pure rendering. Counts come from the index's ``assets`` table (the stored
status of each asset; ``expired``: valid ones whose validity ended by the
last indexed block's time); the chart (``/charts/assets.svg``) is drawn on
the server from the ``assets.issued`` events. No asset's content, metadata
or holder is shown here.
"""

from __future__ import annotations

from collections.abc import Sequence

from govchain.console.catalogue import text, value_text
from govchain.console.index_figures import AssetTypeCounts
from govchain.console.markup import Html, esc, layout, table, tag

__all__ = ["assets_page"]


def _by_type(lang: str, types: Sequence[AssetTypeCounts]) -> Html:
    statuses: list[str] = []
    for kind in types:
        statuses += [s for s in kind.by_status if s not in statuses]
    rows = [
        [
            tag("code", kind.type),
            *(str(kind.by_status.get(s, 0)) for s in statuses),
            tag("span", str(kind.expired), class_="badge warn") if kind.expired else "0",
            tag("strong", str(kind.total)),
        ]
        for kind in types
    ]
    headers = [text(lang, "assets.type"), *(value_text(lang, s) for s in statuses),
               text(lang, "assets.expired"), text(lang, "assets.total")]  # fmt: skip
    return tag("div", table(headers, rows, text(lang, "assets.none")), id="asset-types")


def assets_page(lang: str, types: Sequence[AssetTypeCounts], days: int, unit: str) -> str:
    """Assets by type and status, then the growth chart of the last ``days`` days (bars per
    ``unit``, hour or day)."""
    src = f"/charts/assets.svg?days={days}"
    alt = text(lang, "assets.growth_alt")
    body = Html(
        tag("h2", text(lang, "assets.by_type"))
        + _by_type(lang, types)
        + tag("h2", text(lang, "assets.growth", n=days, unit=text(lang, f"unit.{unit}")))
        + tag(
            "div",
            Html(f'<img id="growth" src="{esc(src)}" alt="{esc(alt)}">'),
            class_="chart",
        )
        + tag("p", text(lang, "assets.growth_note"), class_="note")
    )
    return layout(lang, text(lang, "assets.title"), body, "/assets")
