"""State keys of ``gov``: policies, parameters, proposals and votes (docs/spec/gov.md).
::
    gov/policy/<resource>          {rule, roles, orgs}     gov/policies/n, /<i 4B> -> resource
    gov/param/<name>               canonical CBOR of the value
    gov/proposals/n                the last proposal id (8 bytes)
    gov/proposal/<id 8B>           proposal record
    gov/vote/<id 8B>/<code>        {admin, yes, height}
"""

from __future__ import annotations

from collections.abc import Callable

from govchain.codec import decode, encode
from govchain.codec.errors import CodecError
from govchain.contracts.state_lists import ListKeys, append_to_list
from govchain.execution.registry import ReadState
from govchain.types.errors import ValidationError
from govchain.types.governance import PolicyEntry

__all__ = [
    "GOV_KEY_PREFIX",
    "POLICIES",
    "last_proposal_id",
    "param_key",
    "policy_key",
    "proposal_count_key",
    "proposal_key",
    "read_param",
    "read_policy",
    "vote_key",
    "write_policy",
]

GOV_KEY_PREFIX = b"gov/"
POLICIES = ListKeys(GOV_KEY_PREFIX + b"policies/")

Write = Callable[[bytes, bytes], None]


def policy_key(resource: str) -> bytes:
    """State key of the policy of ``resource``."""
    return GOV_KEY_PREFIX + b"policy/" + resource.encode("ascii")


def param_key(name: str) -> bytes:
    """State key of parameter ``name``."""
    return GOV_KEY_PREFIX + b"param/" + name.encode("ascii")


def proposal_count_key() -> bytes:
    """State key of the last proposal id."""
    return GOV_KEY_PREFIX + b"proposals/n"


def proposal_key(proposal_id: int) -> bytes:
    """State key of proposal ``proposal_id``."""
    return GOV_KEY_PREFIX + b"proposal/" + proposal_id.to_bytes(8, "big")


def vote_key(proposal_id: int, code: str) -> bytes:
    """State key of member ``code``'s vote on a proposal."""
    return GOV_KEY_PREFIX + b"vote/" + proposal_id.to_bytes(8, "big") + b"/" + code.encode("ascii")


def read_policy(read: ReadState, resource: str) -> PolicyEntry | None:
    """The policy of ``resource``, or None; ValidationError if the stored bytes are malformed."""
    raw = read(policy_key(resource))
    if raw is None:
        return None
    try:
        return PolicyEntry.from_value(resource, decode(raw))
    except CodecError as exc:
        raise ValidationError(f"policy {resource}: {exc}") from exc


def write_policy(read: ReadState, write: Write, policy: PolicyEntry) -> None:
    """Set a policy; a resource set for the first time joins the list of policies."""
    policy.validate()
    key = policy_key(policy.resource)
    if read(key) is None:
        append_to_list(read, write, POLICIES, policy.resource.encode("ascii"))
    write(key, encode(policy.value_cbor()))


def read_param(read: ReadState, name: str) -> int | str | None:
    """The value of parameter ``name``, or None."""
    raw = read(param_key(name))
    if raw is None:
        return None
    try:
        value = decode(raw)
    except CodecError as exc:
        raise ValidationError(f"param {name}: {exc}") from exc
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(f"param {name}: expected an integer or text")
    return value


def last_proposal_id(read: ReadState) -> int:
    """The id of the newest proposal (0 when there is none)."""
    raw = read(proposal_count_key())
    if raw is None:
        return 0
    if len(raw) != 8:
        raise ValidationError(f"proposal count: expected 8 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")
