"""The report's charts, drawn with matplotlib (no pyplot, no display) as SVG text or PNG bytes.

SVG goes inline into the HTML (text drawn as paths: no font or network
needed to view it); PNG goes into the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure

__all__ = ["bar_chart"]

_MAX_TICKS = 12
_DPI = 150


def _figure(title: str, points: Sequence[tuple[str, int]], horizontal: bool) -> Figure:
    figure = Figure(figsize=(8, 3.2 if not horizontal else max(2.0, 0.4 * len(points) + 1.2)))
    axes = figure.add_subplot()
    labels = [label for label, _ in points]
    values = [value for _, value in points]
    positions = list(range(len(points)))
    if horizontal:
        axes.barh(positions, values, color="#2f6f9f")
        axes.set_yticks(positions, labels, fontsize=7)
        axes.invert_yaxis()
    else:
        axes.bar(positions, values, color="#2f6f9f", width=0.9)
        step = max(1, len(points) // _MAX_TICKS)
        shown = positions[::step]
        axes.set_xticks(shown, [labels[i] for i in shown], fontsize=7, rotation=30, ha="right")
    axes.set_title(title, fontsize=10)
    axes.tick_params(labelsize=7)
    axes.grid(axis="x" if horizontal else "y", alpha=0.3)
    figure.tight_layout()
    return figure


def bar_chart(
    title: str, points: Sequence[tuple[str, int]], fmt: str, horizontal: bool = False
) -> bytes:
    """A bar chart of ``(label, value)`` points as ``fmt`` (``svg`` or ``png``) bytes."""
    figure = _figure(title, points, horizontal)
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(out, format=fmt, dpi=_DPI, metadata=metadata)
    return out.getvalue()
