"""The monitor's Prometheus metrics (docs/spec/monitoring.md "Prometheus metrics")."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Gauge

from govchain.monitor.follow import FollowState
from govchain.monitor.rules import RULES, NodeReading

__all__ = ["MonitorMetrics"]


class MonitorMetrics:
    """Gauges on ``registry``, set from each poll by :meth:`update`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, text: str, labels: Sequence[str] = ()) -> Gauge:
            return Gauge(f"govchain_monitor_{name}", text, labels, registry=registry)

        self.alerts_open = gauge("alerts_open", "Open alerts per rule.", ["rule"])
        self.node_height = gauge("node_height", "Each node's height.", ["node"])
        self.node_up = gauge("node_up", "1 if the node answered the last poll.", ["node"])
        self.blocks = gauge("blocks", "Blocks followed (the followed height).")
        self.txs = gauge("txs", "Txs in the followed blocks.")
        self.accounts = gauge("accounts", "Accounts added by tx, by kind.", ["kind"])
        self.subjects = gauge("subjects", "Subjects applied for, by kind.", ["kind"])
        self.assets = gauge("assets", "E-licences issued, by type code.", ["type"])
        self.cases = gauge("cases", "Cases opened and closed.", ["state"])
        self.steps = gauge("steps", "Steps made ready and flagged overdue.", ["state"])
        self.overdue_ratio = gauge("overdue_ratio", "Steps flagged overdue / steps made ready.")
        for rule in RULES:
            self.alerts_open.labels(rule=rule.id).set(0)

    def update(
        self, nodes: Sequence[NodeReading], follow: FollowState, open_by_rule: dict[str, int]
    ) -> None:
        """Set every gauge from a poll's readings, the follower's state and the open alerts."""
        for rule in RULES:
            self.alerts_open.labels(rule=rule.id).set(open_by_rule.get(rule.id, 0))
        for node in nodes:
            self.node_up.labels(node=node.name).set(1 if node.answered else 0)
            if node.height is None:
                if self._has(node.name):
                    self.node_height.remove(node.name)
            else:
                self.node_height.labels(node=node.name).set(node.height)
        self.blocks.set(follow.followed)
        self.txs.set(follow.txs)
        for gauge, name in ((self.accounts, "accounts"), (self.subjects, "subjects"),
                            (self.assets, "assets"), (self.cases, "cases"),
                            (self.steps, "steps")):  # fmt: skip
            for label, count in follow.series[name].items():
                gauge.labels(label).set(count)
        steps = follow.series["steps"]
        ready = steps.get("ready", 0)
        self.overdue_ratio.set(steps.get("overdue", 0) / ready if ready else 0)

    def _has(self, node: str) -> bool:
        return any(
            sample.labels.get("node") == node
            for family in self.node_height.collect()
            for sample in family.samples
        )
