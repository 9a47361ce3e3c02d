"""Charts drawn on the server as SVG with matplotlib (a dependency already): nothing to fetch.

The SVG holds numbers only (the axes' ticks); its title and labels are
written by the page in the reader's language, so the chart needs no CJK
font on the server.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

__all__ = ["throughput_svg"]

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
