"""Service ``workflow`` (事项, 流程, 办件; F-D3..F-D6): docs/spec/workflow.md.

Matters and processes are defined by member admins; the window opens a
case (综合受理) for an applicant; each step's department submits its
result (its outputs issued into the applicant's locker); deadlines are
supervised and manual interventions flagged. The modules follow the one
shape: ``txs``, ``handlers`` and ``case_handlers``, ``graph`` (the process
checks), ``records``, ``state``, ``reads``.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.workflow.case_handlers import (
    apply_handler,
    extend_handler,
    flag_overdue_handler,
    resubmit_handler,
    step_result_handler,
)
from govchain.contracts.workflow.handlers import (
    adapter_set_handler,
    matter_define_handler,
    process_publish_handler,
)
from govchain.contracts.workflow.txs import (
    AdapterSetArgs,
    ApplyArgs,
    ExtendArgs,
    FlagOverdueArgs,
    MatterDefineArgs,
    ProcessPublishArgs,
    ResubmitArgs,
    StepResultArgs,
    workflow_tx,
)
from govchain.execution.registry import Registry

__all__ = [
    "AdapterSetArgs",
    "ApplyArgs",
    "ExtendArgs",
    "FlagOverdueArgs",
    "MatterDefineArgs",
    "ProcessPublishArgs",
    "ResubmitArgs",
    "StepResultArgs",
    "register",
    "workflow_tx",
]


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: add its handlers to ``registry``."""
    suite = context.suite
    registry.register("workflow.matter_define", matter_define_handler(suite))
    registry.register("workflow.process_publish", process_publish_handler(suite))
    registry.register("workflow.adapter_set", adapter_set_handler(suite))
    registry.register("workflow.apply", apply_handler(suite))
    registry.register("workflow.step_result", step_result_handler(suite))
    registry.register("workflow.resubmit", resubmit_handler(suite))
    registry.register("workflow.extend", extend_handler(suite))
    registry.register("workflow.flag_overdue", flag_overdue_handler(suite))
