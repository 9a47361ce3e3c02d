"""The enterprise-setup demo run (issue 18 item 7): one machine, the whole 企业开办 flow.

A shell-level package like ``bench``: it lays out and starts a network whose
members are the seven departments, the window (综合窗口) and a regulator,
puts the matter list and the process on chain, starts the demo department
systems (``govchain.demo``) and their adapters as child processes, applies
cases, follows them and verifies every output's receipt offline. ``govchain
demo enterprise-setup`` and ``govchain bench workflow`` run it.

- :mod:`~govchain.enterprise_demo.plan`: members, matters, names and options (pure);
- :mod:`~govchain.enterprise_demo.network`: the nine-member network, started and stopped;
- :mod:`~govchain.enterprise_demo.chain_setup`: types, matters, process, adapters, applicants;
- :mod:`~govchain.enterprise_demo.children`: the department systems and adapters as processes;
- :mod:`~govchain.enterprise_demo.cases`: applications, following cases, verifying outputs;
- :mod:`~govchain.enterprise_demo.report`: the table and the JSON (pure);
- :mod:`~govchain.enterprise_demo.run`: one run, everything stopped at its end.
"""

from __future__ import annotations

from govchain.enterprise_demo.plan import DemoOptions
from govchain.enterprise_demo.report import CaseOutcome, demo_json, run_succeeded, table_rows
from govchain.enterprise_demo.run import DemoRun, Progress, run_enterprise_setup

__all__ = [
    "CaseOutcome",
    "DemoOptions",
    "DemoRun",
    "Progress",
    "demo_json",
    "run_enterprise_setup",
    "run_succeeded",
    "table_rows",
]
