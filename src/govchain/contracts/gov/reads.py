"""Reads of ``gov`` over a proving reader (docs/spec/gov.md, "Reads")."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.contracts.facts import ProvenValue, list_page, prove_key
from govchain.contracts.gov.records import Proposal
from govchain.contracts.gov.state import POLICIES, last_proposal_id, proposal_key, read_policy
from govchain.contracts.proving_reader import ProvingReader
from govchain.types.governance import PolicyEntry

__all__ = [
    "GOV_PAGE_DEFAULT",
    "GOV_PAGE_MAX",
    "GOV_SCAN_MAX",
    "ProposalPage",
    "ProvenProposal",
    "policies_page",
    "proposal_with_fact",
    "proposals_page",
]

GOV_PAGE_DEFAULT = 20
GOV_PAGE_MAX = 100
GOV_SCAN_MAX = 1000
"""The most proposals one page looks at when it filters by state."""


@dataclass(frozen=True, slots=True)
class ProvenProposal:
    """A proposal (None: no such id) with the proof of its key, and its state at that height."""

    proposal: Proposal | None
    state: str
    proven: ProvenValue


@dataclass(frozen=True, slots=True)
class ProposalPage:
    """Proposals newest first, each with its state at the read height, and the next cursor."""

    height: int
    proposals: list[tuple[Proposal, str]]
    next: int | None


def proposal_with_fact(reader: ProvingReader, proposal_id: int) -> ProvenProposal:
    """Proposal ``proposal_id`` at the reader's height, proven."""
    proven = prove_key(reader, proposal_key(proposal_id))
    if proven.value is None:
        return ProvenProposal(None, "", proven)
    proposal = Proposal.from_stored(proven.value)
    return ProvenProposal(proposal, proposal.state_at(reader.height), proven)


def proposals_page(
    reader: ProvingReader, state: str | None, cursor: int | None, limit: int
) -> ProposalPage:
    """Proposals with ids at or below ``cursor`` (default: the newest), newest first.

    With ``state``, only those in it; one page looks at :data:`GOV_SCAN_MAX`
    proposals at most, so a sparse filter may give a short page with a next cursor.
    """
    newest = last_proposal_id(reader.get)
    proposal_id = newest if cursor is None else min(cursor, newest)
    found: list[tuple[Proposal, str]] = []
    scanned = 0
    while proposal_id >= 1 and len(found) < limit and scanned < GOV_SCAN_MAX:
        raw = reader.get(proposal_key(proposal_id))
        assert raw is not None, f"proposal {proposal_id} of {newest} has no record"
        proposal = Proposal.from_stored(raw)
        current = proposal.state_at(reader.height)
        if state is None or current == state:
            found.append((proposal, current))
        proposal_id -= 1
        scanned += 1
    return ProposalPage(reader.height, found, proposal_id if proposal_id >= 1 else None)


def policies_page(
    reader: ProvingReader, start: int, limit: int
) -> tuple[list[PolicyEntry], int | None]:
    """Policies in the order their resources were first set, from index ``start``."""
    names, following = list_page(reader, POLICIES, start, limit)
    policies = [read_policy(reader.get, raw.decode("ascii")) for raw in names]
    assert all(policy is not None for policy in policies), "a listed policy has no record"
    return [policy for policy in policies if policy is not None], following
