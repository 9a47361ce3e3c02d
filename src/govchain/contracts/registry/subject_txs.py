"""The subject txs of ``registry``: ``registry.subject_apply`` and ``registry.subject_decide``.

docs/spec/registry.md, "Subjects". Args are parsed strictly; a refusal names
the argument and never repeats personal data (a person's application holds
none in clear).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.types import Tx

__all__ = [
    "SUBJECT_APPLY_TX_TYPE",
    "SUBJECT_DECIDE_TX_TYPE",
    "SUBJECT_PERMISSIONS",
    "SubjectApplyArgs",
    "SubjectDecideArgs",
    "subject_apply_tx",
    "subject_decide_tx",
]

SUBJECT_APPLY_TX_TYPE = "registry.subject_apply"
SUBJECT_DECIDE_TX_TYPE = "registry.subject_decide"
SUBJECT_PERMISSIONS = ("issue_assets", "publish_contract", "transact")
"""What an approved subject may do (F-B3), held as the roles of its account."""
MAX_SEALED = 4096


@dataclass(frozen=True, slots=True)
class SubjectApplyArgs:
    """A locker-opening application: an enterprise in clear, a person blinded and sealed."""

    kind: str
    member: str
    code: str = ""
    name: str = ""
    blind_index: bytes = b""
    sealed: bytes = b""

    def to_args(self) -> dict[str, object]:
        """The tx's args map (an enterprise's code and name, or a person's index and record)."""
        if self.kind == "person":
            return {
                "kind": "person",
                "member": self.member,
                "blind_index": self.blind_index,
                "sealed": self.sealed,
            }
        return {"kind": self.kind, "member": self.member, "code": self.code, "name": self.name}

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> SubjectApplyArgs:
        """Parse strictly; ContractError names what is wrong."""
        kind = raw.get("kind")
        if kind == "person":
            args = ActionArgs(
                SUBJECT_APPLY_TX_TYPE, raw, ("blind_index", "kind", "member", "sealed")
            )
            index, sealed = args.raw("blind_index"), args.raw("sealed")
            if not isinstance(index, bytes) or len(index) != 32:
                args.fail("argument 'blind_index': expected 32 bytes (a keyed hash)")
            if not isinstance(sealed, bytes) or not 28 <= len(sealed) <= MAX_SEALED:
                args.fail(
                    f"argument 'sealed': expected the sealed record, 28 to {MAX_SEALED} bytes"
                )
            assert isinstance(index, bytes)
            assert isinstance(sealed, bytes)
            return cls("person", args.code("member"), blind_index=index, sealed=sealed)
        args = ActionArgs(SUBJECT_APPLY_TX_TYPE, raw, ("code", "kind", "member", "name"))
        if kind != "enterprise":
            args.fail("argument 'kind': expected person or enterprise")
        name = args.text("name", max_size=128)
        if not name.strip():
            args.fail("argument 'name': must not be blank")
        return cls("enterprise", args.code("member"), args.code("code"), name)


@dataclass(frozen=True, slots=True)
class SubjectDecideArgs:
    """An admin's decision on an application: approve with permissions, or refuse with a reason."""

    address: bytes
    approve: bool
    reason: str
    permissions: tuple[str, ...] = ()

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {
            "address": self.address,
            "approve": self.approve,
            "reason": self.reason,
            "permissions": list(self.permissions),
        }

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> SubjectDecideArgs:
        """Parse strictly; ContractError names what is wrong."""
        args = ActionArgs(
            SUBJECT_DECIDE_TX_TYPE, raw, ("address", "approve", "permissions", "reason")
        )
        approve = args.raw("approve")
        if not isinstance(approve, bool):
            args.fail("argument 'approve': expected true or false")
        assert isinstance(approve, bool)
        reason = args.text("reason", max_size=256, default="")
        if not approve and not reason.strip():
            args.fail("a refusal needs a reason")
        permissions = args.names("permissions", allowed=SUBJECT_PERMISSIONS, default=[])
        if not approve and permissions:
            args.fail("a refusal gives no permissions")
        return cls(args.address(), approve, reason, permissions)


def subject_apply_tx(
    key: SigningKey, chain_id: str, args: SubjectApplyArgs, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``registry.subject_apply`` tx by the applicant's own key."""
    parsed = SubjectApplyArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, SUBJECT_APPLY_TX_TYPE, parsed.to_args(), nonce, expiry)


def subject_decide_tx(
    key: SigningKey, chain_id: str, args: SubjectDecideArgs, nonce: bytes, expiry: int
) -> Tx:
    """A signed ``registry.subject_decide`` tx by an account of the reviewing member."""
    parsed = SubjectDecideArgs.from_args(args.to_args())
    return signed_tx(key, chain_id, SUBJECT_DECIDE_TX_TYPE, parsed.to_args(), nonce, expiry)
