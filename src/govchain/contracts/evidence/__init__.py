"""Service ``evidence`` (F-E6): duplicate-vote evidence as a committed record.

When a node sees one validator sign two different votes for one step, a
validator submits the pair as a tx (docs/spec/consensus.md, "Evidence").
The handler checks the pair and records it once per step, so the
equivocation is on the chain and provable to anyone. The spec is
docs/spec/evidence.md; the modules follow the one shape every service has:

- ``txs``: ``consensus.evidence``, its argument record and its builder;
- ``handlers``: the deterministic handler and its age limit;
- ``state``: state keys and the stored record;
- ``reads``: one step's record, and pages of committed records with proofs.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext, ValidatorsAt
from govchain.contracts.evidence.handlers import EVIDENCE_EVENT, MAX_EVIDENCE_AGE, evidence_handler
from govchain.contracts.evidence.reads import (
    EVIDENCE_CURSOR_PATTERN,
    EVIDENCE_PAGE_DEFAULT,
    EVIDENCE_PAGE_MAX,
    EVIDENCE_SCAN_BLOCKS,
    EvidenceCursor,
    EvidencePage,
    ProvenEvidence,
    evidence_page,
    format_evidence_cursor,
    parse_evidence_cursor,
    read_evidence,
)
from govchain.contracts.evidence.state import EVIDENCE_KEY_PREFIX, EvidenceRecord, evidence_key
from govchain.contracts.evidence.txs import EVIDENCE_TX_TYPE, EvidenceArgs, evidence_tx
from govchain.crypto import CryptoSuite
from govchain.execution.registry import Registry

__all__ = [
    "EVIDENCE_CURSOR_PATTERN",
    "EVIDENCE_EVENT",
    "EVIDENCE_KEY_PREFIX",
    "EVIDENCE_PAGE_DEFAULT",
    "EVIDENCE_PAGE_MAX",
    "EVIDENCE_SCAN_BLOCKS",
    "EVIDENCE_TX_TYPE",
    "MAX_EVIDENCE_AGE",
    "EvidenceArgs",
    "EvidenceCursor",
    "EvidencePage",
    "EvidenceRecord",
    "ProvenEvidence",
    "ValidatorsAt",
    "evidence_handler",
    "evidence_key",
    "evidence_page",
    "evidence_tx",
    "format_evidence_cursor",
    "parse_evidence_cursor",
    "read_evidence",
    "register",
    "register_evidence",
]


def register_evidence(registry: Registry, suite: CryptoSuite, validators_at: ValidatorsAt) -> None:
    """Add the ``consensus.evidence`` handler to ``registry``."""
    registry.register(EVIDENCE_TX_TYPE, evidence_handler(suite, validators_at))


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: add its handlers to ``registry``."""
    register_evidence(registry, context.suite, context.validators_at)
