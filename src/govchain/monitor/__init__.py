"""The monitor: health rules over node snapshots, alerts, series (F-E3; docs/spec/monitoring.md).

``rules`` is pure: a snapshot and the thresholds in, the firing ``(rule,
subject)`` pairs out. ``alerts`` turns successive sets into alerts that
start and end (one open per pair). ``follow`` follows the chain's events
(series, overdue steps, evidence); ``probes`` gathers a snapshot over the
nodes' public API; ``sinks`` writes alerts to the log, SQLite and a
webhook; ``metrics`` exports it all to Prometheus; ``runner`` is the poll
loop of ``govchain monitor run``.
"""
