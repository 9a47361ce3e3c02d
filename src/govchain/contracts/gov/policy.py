"""Policies and parameters: the defaults a genesis ships, and how a vote count meets a rule.

docs/spec/gov.md, "Policies" and "Parameters". Integer arithmetic only.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.types.errors import ValidationError
from govchain.types.governance import PolicyEntry, parse_fraction

__all__ = [
    "ACTION_PREFIX",
    "DEFAULT_PARAMS",
    "PARAM_LIMITS",
    "Tally",
    "check_param",
    "default_policies",
    "passes",
]

ACTION_PREFIX = "gov:"
DEFAULT_PARAMS: dict[str, int | str] = {
    "participate_rate": "2/3",
    "proposal_period_max": 100_000,
    "win_rate": "1/2",
}
PARAM_LIMITS = {"proposal_period_max": (1, 10_000_000)}
"""Integer parameters and their inclusive ranges; the others are rates ``"a/b"``."""

_ADMIN_TX_TYPES = (
    "gov.propose",
    "gov.vote",
    "gov.withdraw",
    "registry.account_add",
    "registry.account_set_roles",
    "registry.cert_register",
    "registry.role_set",
    "registry.subject_decide",
    "registry.access_decide",
)

_EVERY_ACCOUNT_TX_TYPES = (
    "assets.locker_init",
    "assets.consent",
    "assets.submit",
    "assets.transfer",
    "grants.answer",
    "grants.code",
    "grants.delegate",
    "grants.grant",
    "grants.remind",
    "grants.request",
    "grants.revoke",
    "grants.undelegate",
    "grants.use",
    "messages.notice",
    "workflow.flag_overdue",
    "workflow.resubmit",
)
"""Sent by any active account; the handler checks whom it may act for (a transfer: its rule;
a grant, code or answer: the holder or its agent; a usage record: the grantee or code user;
a notice: its sender)."""
_DEFINER_TX_TYPES = (
    "workflow.adapter_set",
    "workflow.extend",
    "workflow.matter_define",
    "workflow.process_publish",
)
"""Sent by a member's admins (or staff whose member role lists the type)."""
_ISSUER_TX_TYPES = (
    "workflow.apply",
    "workflow.step_result",
    "assets.issue",
    "assets.review",
    "assets.revoke",
    "assets.abolish",
)
"""Sent by a department's accounts (a member role may list them for staff or systems)."""
_CONTRACT_OWNER_TX_TYPES = (
    "contracts.deploy",
    "contracts.submit",
    "contracts.test_record",
    "contracts.upgrade",
)
"""Sent by a member's accounts that publish contracts (the handler checks the member)."""


def default_policies(actions: tuple[str, ...]) -> tuple[PolicyEntry, ...]:
    """The policy table ``net init`` writes into a genesis, sorted by resource."""
    entries = [
        PolicyEntry("notary.anchor", "ANY", ("admin", "client", "transact")),
        PolicyEntry("consensus.evidence", "ANY"),
        PolicyEntry("registry.subject_apply", "SELF"),
        *(PolicyEntry(tx_type, "ANY") for tx_type in _EVERY_ACCOUNT_TX_TYPES),
        *(PolicyEntry(tx_type, "ANY", ("admin", "client")) for tx_type in _ISSUER_TX_TYPES),
        PolicyEntry("assets.type_define", "ANY", ("admin",)),
        *(PolicyEntry(t, "ANY", ("admin", "publish_contract")) for t in _CONTRACT_OWNER_TX_TYPES),
        PolicyEntry("contracts.review", "ANY", ("admin",)),
        PolicyEntry("contracts.call", "ANY", ("admin", "client", "transact")),
        *(PolicyEntry(tx_type, "ANY", ("admin",)) for tx_type in _DEFINER_TX_TYPES),
        PolicyEntry("registry.access_apply", "SELF"),
        *(PolicyEntry(tx_type, "ANY", ("admin",)) for tx_type in _ADMIN_TX_TYPES),
        *(PolicyEntry(ACTION_PREFIX + action, "MAJORITY") for action in actions),
    ]
    return tuple(sorted(entries, key=lambda entry: entry.resource))


def check_param(name: str, value: object) -> int | str:
    """A parameter value in its range; ValidationError naming the rule it breaks."""
    if name not in DEFAULT_PARAMS:
        raise ValidationError(
            f"unknown parameter {name!r} (known: {', '.join(sorted(DEFAULT_PARAMS))})"
        )
    if name in PARAM_LIMITS:
        low, high = PARAM_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"parameter {name}: expected an integer in {low}..{high}")
        return value
    if not isinstance(value, str):
        raise ValidationError(f"parameter {name}: expected a fraction a/b as text")
    parse_fraction(value)
    return value


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes on a proposal: weights and member counts, and the electorate's."""

    yes: int
    no: int
    yes_members: int
    voters: int
    total: int
    members: int


def _rule_holds(rule: str, tally: Tally) -> bool:
    if rule == "ANY":
        return tally.yes_members >= 1
    if rule == "MAJORITY":
        return 2 * tally.yes > tally.total
    if rule == "ALL":
        return tally.yes_members == tally.members
    if "/" in rule:
        a, b = parse_fraction(rule)
        return tally.yes * b >= a * tally.total
    return tally.yes_members >= int(rule)


def passes(rule: str, participate_rate: str, win_rate: str, tally: Tally) -> bool:
    """Whether a tally meets the action's rule and both rates (docs/spec/gov.md, "Votes")."""
    cast = tally.yes + tally.no
    a, b = parse_fraction(participate_rate)
    c, d = parse_fraction(win_rate)
    return _rule_holds(rule, tally) and cast * b >= a * tally.total and tally.yes * d >= c * cast


def can_still_pass(rule: str, participate_rate: str, win_rate: str, tally: Tally) -> bool:
    """Whether the proposal passes if every member that has not voted votes yes."""
    remaining = tally.total - tally.yes - tally.no
    best = Tally(
        tally.yes + remaining,
        tally.no,
        tally.yes_members + tally.members - tally.voters,
        tally.members,
        tally.total,
        tally.members,
    )
    return passes(rule, participate_rate, win_rate, best)
