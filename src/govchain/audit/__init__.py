"""Compliance reports (docs/spec/audit.md "Compliance reports"; F-E2, N-3).

``govchain audit report`` reads the indexer's SQL tables for a range of
block times, the nodes' access logs and the monitor's alert store, and
writes totals, anomalies, the access trail and charts as one HTML file or
a PDF. Modules: ``period`` (the range), ``figures`` (pure figures over
rows), ``sources`` (reading the rows), ``document`` (the layout both
formats share), ``charts`` and ``render`` (HTML and PDF).
"""

from govchain.audit.figures import Report, ReportInput, build_report
from govchain.audit.period import ReportRange, parse_range
from govchain.audit.render import render_html, render_pdf
from govchain.audit.sources import read_access_log_input, read_alerts, read_index

__all__ = [
    "Report",
    "ReportInput",
    "ReportRange",
    "build_report",
    "parse_range",
    "read_access_log_input",
    "read_alerts",
    "read_index",
    "render_html",
    "render_pdf",
]
