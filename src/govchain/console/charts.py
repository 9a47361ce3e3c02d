"""Charts drawn on the server as SVG with matplotlib (a dependency already): nothing to fetch.

The SVG holds ASCII only (the axes' numbers and dates, asset type codes
in a legend); its title and labels are written by the page in the
reader's language, so the chart needs no CJK font on the server.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence

__all__ = ["GROWTH_TYPES", "growth_svg", "throughput_svg"]

_LOCK = threading.Lock()
"""matplotlib's text layout is not safe across threads: one chart at a time."""


def throughput_svg(series: Sequence[tuple[int, int]]) -> str:
    """A bar chart of txs per block: ``(height, tx count)`` pairs, oldest first."""
    # slow to import; only charts need it
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    with _LOCK:
        figure = Figure(figsize=(8, 2.4), dpi=96)
        axes = figure.subplots()
        heights = [height for height, _ in series]
        counts = [count for _, count in series]
        axes.bar(heights, counts, width=0.8, color="#b22222")
        axes.set_ylim(bottom=0, top=max([*counts, 1]) * 1.15)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.tight_layout(pad=0.4)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


GROWTH_TYPES = 8
"""The asset types a growth chart draws on their own; the rest are summed as one."""


def growth_svg(labels: Sequence[str], by_type: Mapping[str, Sequence[int]]) -> str:
    """Stacked bars of assets issued per bucket (``labels``), one colour per type code, the
    GROWTH_TYPES largest on their own and the others summed as ``…``; the legend names the
    type codes (ASCII)."""
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    ranked = sorted(by_type, key=lambda kind: (-sum(by_type[kind]), kind))
    drawn = {kind: list(by_type[kind]) for kind in ranked[:GROWTH_TYPES]}
    if len(ranked) > GROWTH_TYPES:
        rest = [by_type[kind] for kind in ranked[GROWTH_TYPES:]]
        drawn["…"] = [sum(column) for column in zip(*rest, strict=True)]
    with _LOCK:
        figure = Figure(figsize=(8, 2.8), dpi=96)
        axes = figure.subplots()
        positions = list(range(len(labels)))
        bottom = [0] * len(labels)
        for kind, counts in drawn.items():
            axes.bar(positions, counts, width=0.8, bottom=bottom, label=kind)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.set_ylim(bottom=0, top=max([*bottom, 1]) * 1.15)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        step = max(1, len(labels) // 10)
        shown = positions[::step]
        axes.set_xticks(shown, [labels[i] for i in shown], fontsize=7, rotation=30, ha="right")
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        if drawn:
            axes.legend(fontsize=7, frameon=False, loc="upper left")
        figure.tight_layout(pad=0.4)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
