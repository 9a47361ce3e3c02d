"""Demo department systems: the outside systems enterprise setup talks to (issue 18 item 6, F-G1).

A shell-level package like ``bench``: it serves a small HTTP JSON system per
department (``govchain demo department``) so the whole enterprise-setup flow
(docs/spec/workflow.md, "Department systems (demo)") runs on one machine. It
imports only the code checks and the error types, never node internals: from
outside, a department system knows nothing of the chain.

- :mod:`~govchain.demo.outputs`: the fields each kind of department issues, from the form;
- :mod:`~govchain.demo.protocol`: the request and answer JSON, parsed and checked;
- :mod:`~govchain.demo.department`: one department's decisions (seeded, idempotent);
- :mod:`~govchain.demo.server`: the HTTP server, its callbacks and its request log.
"""

from __future__ import annotations

from govchain.demo.department import DepartmentConfig, DepartmentSystem
from govchain.demo.outputs import DEPARTMENT_NAMES, KINDS, FormProblemError
from govchain.demo.protocol import CaseRequest, DemoRequestError, parse_case_request
from govchain.demo.server import DepartmentServer, start_department_server

__all__ = [
    "DEPARTMENT_NAMES",
    "KINDS",
    "CaseRequest",
    "DemoRequestError",
    "DepartmentConfig",
    "DepartmentServer",
    "DepartmentSystem",
    "FormProblemError",
    "parse_case_request",
    "start_department_server",
]
