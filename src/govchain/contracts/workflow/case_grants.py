"""Case grants: what a step reads reaches its department's adapter, and no one else (F-D5, F-C2).

docs/spec/workflow.md, "Case grants". A step's ``inputs`` are asset types
read from the application's materials or from an earlier step's outputs.
Where the step's department has an adapter, every input must come with a
grant (``grants.grant``) of the applicant's asset to that adapter, for the
step's matter: the applicant makes the material grants before acceptance
(``workflow.apply {grants}``); the department whose step produced an output
makes the grants of it, as the applicant's agent, and names them in its
``workflow.step_result {grants}``. A grant that serves no step of the case
which reads its asset's type is refused, so a department sees the materials
only of its own steps. Each grant is recorded on its step; when the case
closes, every active grant of the case is revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from govchain.contracts.assets.state import read_asset
from govchain.contracts.grants.records import Grant
from govchain.contracts.grants.state import grant_key, read_grant
from govchain.contracts.workflow.graph import StepDef
from govchain.contracts.workflow.handlers import refuse
from govchain.contracts.workflow.records import Case
from govchain.contracts.workflow.state import read_adapter, read_matter, read_step, step_key
from govchain.execution.registry import TxContext

__all__ = ["Need", "attach_grants", "material_needs", "output_needs", "revoke_case_grants"]

CLOSED_REASON = "the case closed"


@dataclass(frozen=True, slots=True)
class Need:
    """A step that reads an asset type, and the adapter its grant must go to."""

    step: StepDef
    type: str
    adapter: bytes


def _needs(ctx: TxContext, steps: Iterable[StepDef], types: frozenset[str]) -> list[Need]:
    found: list[Need] = []
    for step in steps:
        matter = read_matter(ctx.get, step.matter)
        assert matter is not None, "a published process's matters exist"
        adapter = read_adapter(ctx.get, matter.department)
        if adapter:
            found += [Need(step, t, adapter) for t in step.inputs if t in types]
    return found


def material_needs(ctx: TxContext, steps: tuple[StepDef, ...]) -> list[Need]:
    """The inputs no step produces (the application's materials), of steps with adapters."""
    produced = frozenset(t for step in steps for t in step.outputs)
    materials = frozenset(t for step in steps for t in step.inputs) - produced
    return _needs(ctx, steps, materials)


def output_needs(ctx: TxContext, steps: tuple[StepDef, ...], producer: StepDef) -> list[Need]:
    """The inputs ``producer``'s outputs feed, of steps with adapters."""
    return _needs(ctx, steps, frozenset(producer.outputs))


def attach_grants(
    ctx: TxContext,
    case: Case,
    grant_ids: tuple[bytes, ...],
    assets: frozenset[bytes],
    needs: list[Need],
) -> None:
    """Check that ``grant_ids`` cover ``needs`` exactly and record each on its step.

    Each grant: active, of the applicant, of one of ``assets``, not expired, to
    the adapter of a step that reads its asset's type, for that step's matter.
    """
    served: dict[str, list[bytes]] = {}
    covered: set[tuple[str, str]] = set()
    for grant_id in grant_ids:
        grant = read_grant(ctx.get, grant_id)
        if grant is None or grant.status != "active" or grant.holder != case.applicant:
            what = f"grant {grant_id.hex()}"
            raise refuse("invalid_args", f"{what}: no active grant by the applicant")
        if grant.asset not in assets or grant.expires <= ctx.time:
            raise refuse("invalid_args", f"grant {grant_id.hex()}: not of this case's assets")
        need = _served_need(ctx, grant, needs)
        if need is None:
            raise refuse(
                "invalid_args", f"grant {grant_id.hex()} serves no step of the case that reads it"
            )
        served.setdefault(need.step.id, []).append(grant_id)
        covered.add((need.step.id, need.type))
    for need in needs:
        if (need.step.id, need.type) not in covered:
            raise refuse(
                "invalid_args",
                f"step {need.step.id} reads {need.type}: no grant to its department's adapter",
            )
    for step_id, ids in sorted(served.items()):
        state = read_step(ctx.get, case.id, step_id)
        assert state is not None, "every step of a case has a state"
        updated = replace(state, grants=state.grants + tuple(ids))
        ctx.put(step_key(case.id, step_id), updated.encode())


def _served_need(ctx: TxContext, grant: Grant, needs: list[Need]) -> Need | None:
    asset = read_asset(ctx.get, grant.asset)
    if asset is None:
        return None
    for need in needs:
        if (need.adapter, need.step.matter, need.type) == (grant.grantee, grant.matter, asset.type):
            return need
    return None


def revoke_case_grants(ctx: TxContext, case: Case, steps: tuple[StepDef, ...]) -> None:
    """Revoke every active grant recorded on the case's steps (the case is closing)."""
    for step in steps:
        state = read_step(ctx.get, case.id, step.id)
        for grant_id in state.grants if state is not None else ():
            grant = read_grant(ctx.get, grant_id)
            if grant is not None and grant.status == "active":
                revoked = replace(grant, status="revoked", reason=CLOSED_REASON)
                ctx.put(grant_key(grant_id), revoked.encode())
                ctx.emit("grants.revoked", grant=grant_id)
