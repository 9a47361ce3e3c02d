"""The one permission check before every handler (docs/spec/registry.md, "The permission check").

``check(read_committed, tx, time)`` answers None when the tx's sender may
send a tx of its type at the block's BFT time, else the reason. It reads the
state committed before the block, the tx's type and its sender only, so
execution caches it per block and the mempool per committed height.
Deterministic: a few state reads. A ``cert`` sender is checked as its
certificate (``certs.cert_refusal``), then as the account of its key.
"""

from __future__ import annotations

from govchain.contracts.gov.state import read_policy
from govchain.contracts.registry.certs import cert_refusal, read_cert
from govchain.contracts.registry.records import Account
from govchain.contracts.registry.state import read_account, read_member, read_role
from govchain.crypto import CryptoSuite
from govchain.execution.registry import PermissionCheck, ReadState
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.governance import PolicyEntry

__all__ = ["RegistryPermissions", "account_refusal", "permission_check"]


class RegistryPermissions:
    """The registry's :class:`PermissionCheck` for a chain of one suite."""

    def __init__(self, suite: CryptoSuite) -> None:
        self.suite = suite

    def __call__(self, read: ReadState, tx: Tx, time: int) -> str | None:
        """None when the tx's sender may send it at BFT time ``time`` (ms), else why not."""
        policy = read_policy(read, tx.type)
        if policy is None:
            return f"no policy for tx type {tx.type!r}"
        if policy.rule == "FORBIDDEN":
            return f"tx type {tx.type!r} is forbidden by policy"
        if tx.sender_kind == "key":
            address = records.address_of(self.suite, tx.sender)
        else:
            cert = read_cert(read, tx.sender)
            if cert is None:
                return f"certificate {tx.sender.hex()} is not registered on this chain"
            refusal = cert_refusal(self.suite, read, cert, time)
            if refusal is not None:
                return refusal
            address = cert.address
        if policy.rule == "SELF":
            return None
        account = read_account(read, address)
        refusal = account_refusal(read, address, account)
        if refusal is not None:
            return refusal
        assert account is not None  # account_refusal refuses a missing account
        return _policy_refusal(read, policy, account, tx.type)

    def certificate_key(self, read: ReadState, certificate_id: bytes) -> bytes | None:
        """The public key of a registered certificate (revoked ones too), or None."""
        cert = read_cert(read, certificate_id)
        return None if cert is None else cert.public_key


def permission_check(suite: CryptoSuite) -> PermissionCheck:
    """The check of a chain of ``suite``."""
    return RegistryPermissions(suite)


def account_refusal(read: ReadState, address: bytes, account: Account | None) -> str | None:
    """Why ``account`` may not act (missing, frozen, closed, or its member not active), or None."""
    if account is None:
        return f"account {address.hex()} is not registered"
    if account.status != "active":
        return f"account {address.hex()} is {account.status}"
    if account.org:
        member = read_member(read, account.org)
        if member is None:
            return f"account {address.hex()} names member {account.org}, which is not registered"
        if member.status != "active":
            return f"member {account.org} of account {address.hex()} is {member.status}"
    return None


def _policy_refusal(
    read: ReadState, policy: PolicyEntry, account: Account, tx_type: str
) -> str | None:
    who = account.address.hex()
    if policy.orgs and account.org not in policy.orgs:
        return f"account {who} is not of a member the policy of {tx_type!r} names"
    if not policy.roles or any(role in policy.roles for role in account.roles):
        return None
    if account.org:
        for name in account.roles:
            role = read_role(read, account.org, name)
            if role is not None and tx_type in role.resources:
                return None
    needs = ", ".join(policy.roles)
    return f"account {who} holds no role that may send {tx_type!r} (needs one of {needs})"
