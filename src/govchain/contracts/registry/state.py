"""State keys of the registry and the reads and writes of its records (docs/spec/registry.md).
::
    registry/member/<code>          member record          registry/members/n, /<i 4B> -> code
    registry/node/<name>            node record            registry/nodes/n,   /<i 4B> -> name
    registry/account/<address 20B>  account record         registry/accounts/n, /<i 4B> -> address
    registry/role/<code>/<name>     member role record     registry/roles/<code>/n, /<i 4B> -> name
"""

from __future__ import annotations

from collections.abc import Callable

from govchain.contracts.registry.records import Account, MemberRecord, NodeRecord, RoleRecord
from govchain.contracts.state_lists import ListKeys, append_to_list, list_count
from govchain.execution.registry import ReadState

__all__ = [
    "REGISTRY_KEY_PREFIX",
    "ListKeys",
    "account_key",
    "append_to_list",
    "list_count",
    "member_key",
    "node_key",
    "read_account",
    "read_member",
    "read_node",
    "read_role",
    "register_account",
    "role_key",
]

REGISTRY_KEY_PREFIX = b"registry/"

Write = Callable[[bytes, bytes], None]


def member_key(code: str) -> bytes:
    """State key of a member record."""
    return REGISTRY_KEY_PREFIX + b"member/" + code.encode("ascii")


def node_key(name: str) -> bytes:
    """State key of a node record."""
    return REGISTRY_KEY_PREFIX + b"node/" + name.encode("ascii")


def account_key(address: bytes) -> bytes:
    """State key of an account record."""
    return REGISTRY_KEY_PREFIX + b"account/" + address


def role_key(code: str, name: str) -> bytes:
    """State key of a role of member ``code``."""
    return REGISTRY_KEY_PREFIX + b"role/" + code.encode("ascii") + b"/" + name.encode("ascii")


MEMBERS = ListKeys(REGISTRY_KEY_PREFIX + b"members/")
NODES = ListKeys(REGISTRY_KEY_PREFIX + b"nodes/")
ACCOUNTS = ListKeys(REGISTRY_KEY_PREFIX + b"accounts/")
MAX_MEMBER_ROLES = 64


def member_roles(code: str) -> ListKeys:
    """The list of the role names member ``code`` defined."""
    return ListKeys(REGISTRY_KEY_PREFIX + b"roles/" + code.encode("ascii") + b"/")


def register_account(read: ReadState, write: Write, account: Account) -> None:
    """Store a new account's record and add it to the list of accounts."""
    account.validate()
    write(account_key(account.address), account.encode())
    append_to_list(read, write, ACCOUNTS, account.address)


def read_member(read: ReadState, code: str) -> MemberRecord | None:
    """The member record of ``code``, or None."""
    raw = read(member_key(code))
    return None if raw is None else MemberRecord.from_stored(raw)


def read_node(read: ReadState, name: str) -> NodeRecord | None:
    """The node record of ``name``, or None."""
    raw = read(node_key(name))
    return None if raw is None else NodeRecord.from_stored(raw)


def read_account(read: ReadState, address: bytes) -> Account | None:
    """The account record of ``address``, or None."""
    raw = read(account_key(address))
    return None if raw is None else Account.from_stored(raw)


def read_role(read: ReadState, code: str, name: str) -> RoleRecord | None:
    """The role ``name`` of member ``code``, or None."""
    raw = read(role_key(code, name))
    return None if raw is None else RoleRecord.from_stored(raw)
