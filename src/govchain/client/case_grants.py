"""The applicant's side of case grants: authorize a process's departments before acceptance.

docs/spec/workflow.md "Case grants". Before the window accepts an
application, the applicant (its own key, or an agent's) grants each
material to the adapter of every step that reads it, for that step's
matter, and delegates ``grant`` of the asset types a step produces for
later steps to the producing department's adapter, so the adapter can
share what it issues with the steps that read it. Both end by
``expires_ms``; the grants named in the case are revoked when it closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govchain.client.grants import GrantClient, GrantTerms
from govchain.client.workflow import WorkflowClient
from govchain.types.errors import ValidationError

__all__ = ["MATERIAL_USES", "CaseAuthority", "authorize_case"]

MATERIAL_USES = 8
"""Reads one material grant allows (a returned step is read again on each attempt)."""


@dataclass(frozen=True, slots=True)
class CaseAuthority:
    """What the applicant signed: the material grants (named in ``workflow.apply``) and the
    delegations to producing departments' adapters."""

    grants: tuple[bytes, ...]
    delegations: tuple[bytes, ...]


def authorize_case(
    workflow: WorkflowClient,
    grants: GrantClient,
    process_code: str,
    materials: tuple[bytes, ...],
    password: bytes,
    expires_ms: int,
) -> CaseAuthority:
    """Grant ``materials`` (content ids of the applicant's assets) and delegate the sharing of
    outputs, as the latest version of ``process_code`` needs; ValidationError when a step
    reads a material type none of ``materials`` is of."""
    shown = workflow.process(process_code)
    steps: list[dict[str, Any]] = list(shown["record"]["steps"])
    adapters: dict[str, str] = dict(shown.get("adapters", {}))
    adapter_of = {
        str(s["id"]): adapters.get(str(workflow.matter(str(s["matter"]))["record"]["department"]))
        for s in steps
    }
    produced = {t for s in steps for t in s["outputs"]}
    material_types = {grants.assets.asset(m.hex()).type: m for m in materials}
    grant_ids: list[bytes] = []
    read_by_adapters: set[str] = set()
    for step in steps:
        adapter = adapter_of[str(step["id"])]
        if not adapter:
            continue
        read_by_adapters |= set(step["inputs"])
        for type_code in sorted(set(step["inputs"]) - produced):
            if type_code not in material_types:
                raise ValidationError(f"step {step['id']} reads {type_code}: no such material")
            terms = GrantTerms(
                "use", f"{process_code} step {step['id']}", expires_ms, MATERIAL_USES,
                str(step["matter"]),
            )  # fmt: skip
            material = material_types[type_code]
            data_key = grants.assets.data_key(material.hex(), password)
            grant_ids.append(grants.grant_key(material, data_key, bytes.fromhex(adapter), terms))
    delegations: list[bytes] = []
    for step in steps:
        adapter = adapter_of[str(step["id"])]
        shared = tuple(sorted(set(step["outputs"]) & read_by_adapters))
        if adapter and shared:
            purpose = f"{process_code}: share the outputs of step {step['id']}"
            agent = bytes.fromhex(adapter)
            delegations.append(
                grants.delegate(agent, ("grant",), expires_ms, purpose, types=shared)
            )
    return CaseAuthority(tuple(grant_ids), tuple(delegations))
