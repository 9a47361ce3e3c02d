"""Router of service ``gov`` (docs/spec/gov.md, "Reads"): proposals and policies.

Thin: parse, run a ``contracts.gov.reads`` function with the node's proving
read, map to the models below. One proposal carries its state fact; pages
list records without proofs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from govchain.api.errors import ApiError, error_responses
from govchain.api.routes.params import (
    INDEX_CURSOR_PATTERN,
    cursor_query,
    limit_query,
    parse_cursor,
    parse_index_cursor,
)
from govchain.api.schemas import AddressHex, ApiModel, StateFact, Uint
from govchain.api.service import NodeService
from govchain.contracts.gov.reads import (
    GOV_PAGE_DEFAULT,
    GOV_PAGE_MAX,
    policies_page,
    proposal_with_fact,
    proposals_page,
)
from govchain.contracts.gov.records import Proposal
from govchain.contracts.registry.reads import REGISTRY_PAGE_DEFAULT, REGISTRY_PAGE_MAX

__all__ = ["gov_routes", "proposal_json"]

ProposalState = Literal["open", "executed", "rejected", "withdrawn", "expired"]


class ProposalModel(ApiModel):
    """A governance proposal and its tally, with its state at the height read."""

    id: Uint
    action: str
    args: dict[str, Any] = Field(description="the action's args; bytes as hex")
    reason: str
    proposer: AddressHex
    proposer_org: str
    height: Uint
    expiry_height: Uint
    rule: str
    electorate: list[tuple[str, Uint]]
    participate_rate: str
    win_rate: str
    yes: Uint
    no: Uint
    voters: Uint
    yes_members: Uint
    state: ProposalState
    decided_height: Uint
    result: str


class ProposalResponse(ApiModel):
    """A proposal and the state fact of its record."""

    proposal: ProposalModel
    fact: StateFact


class ProposalsPage(ApiModel):
    """Proposals newest first (not proven complete)."""

    height: Uint = Field(description="the height read; states are as of this height")
    proposals: list[ProposalModel] = Field(max_length=GOV_PAGE_MAX)
    next: str | None


class PolicyModel(ApiModel):
    """``resource -> {rule, roles, orgs}``."""

    resource: str
    rule: str
    roles: list[str]
    orgs: list[str]


class PoliciesPage(ApiModel):
    """The policy table, in the order resources were first set."""

    policies: list[PolicyModel] = Field(max_length=REGISTRY_PAGE_MAX)
    next: str | None


def proposal_json(proposal: Proposal, state: str) -> dict[str, Any]:
    """A proposal as JSON, with its state at the height read."""
    return {**proposal.to_json(), "state": state}


def gov_routes(service: NodeService) -> APIRouter:
    """``/v1/gov/proposals[/{id}]`` and ``/v1/policies``."""
    router = APIRouter(tags=["gov"])

    @router.get(
        "/v1/gov/proposals",
        response_model=ProposalsPage,
        summary="Governance proposals, newest first, optionally in one state",
        responses=error_responses("invalid_cursor", "invalid_request", "busy"),
    )
    async def list_proposals(
        state: Annotated[
            ProposalState | None, Query(description="only proposals in this state")
        ] = None,
        limit: Annotated[
            int, limit_query(GOV_PAGE_DEFAULT, GOV_PAGE_MAX, "proposals")
        ] = GOV_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "20")] = None,
    ) -> ProposalsPage:
        start = None if cursor is None else parse_cursor(parse_index_cursor, cursor)
        page = await service.read(proposals_page, state, start, limit)
        return ProposalsPage.model_validate(
            {
                "height": page.height,
                "proposals": [proposal_json(p, s) for p, s in page.proposals],
                "next": None if page.next is None else str(page.next),
            }
        )

    @router.get(
        "/v1/gov/proposals/{proposal_id}",
        response_model=ProposalResponse,
        summary="One proposal, with the state fact that proves it",
        responses=error_responses("unknown_proposal", "invalid_request", "no_blocks", "busy"),
    )
    async def show_proposal(
        proposal_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the proposal number")],
    ) -> ProposalResponse:
        proven = await service.read(proposal_with_fact, proposal_id)
        if proven.proposal is None:
            raise ApiError("unknown_proposal", f"no proposal {proposal_id}")
        return ProposalResponse.model_validate(
            {
                "proposal": proposal_json(proven.proposal, proven.state),
                "fact": proven.proven.fact.to_json(),
            }
        )

    @router.get(
        "/v1/policies",
        response_model=PoliciesPage,
        summary="The policy table: who may send each tx type, and what each action needs",
        responses=error_responses("invalid_cursor", "invalid_request", "busy"),
    )
    async def list_policies(
        limit: Annotated[
            int, limit_query(REGISTRY_PAGE_DEFAULT, REGISTRY_PAGE_MAX, "policies")
        ] = REGISTRY_PAGE_DEFAULT,
        cursor: Annotated[str | None, cursor_query(INDEX_CURSOR_PATTERN, "50")] = None,
    ) -> PoliciesPage:
        start = 0 if cursor is None else parse_cursor(parse_index_cursor, cursor)
        policies, following = await service.read(policies_page, start, limit)
        return PoliciesPage.model_validate(
            {
                "policies": [p.to_cbor() for p in policies],
                "next": None if following is None else str(following),
            }
        )

    return router
