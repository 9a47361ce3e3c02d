"""The network registry in the genesis: member organizations and the nodes they run (F-A1, F-A3).

A node may join the peer network only if its transport certificate chains to
the transport CA of a member here and its key is registered here for its
name (docs/decisions/0004-transport-tls-keys.md). Validator nodes name the
validator whose key they vote with; full nodes name none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_text, check_uint, fields_of
from govchain.types.validators import ADDRESS_SIZE

NODE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ROLES = ("validator", "full", "storage")
MAX_MEMBERS = 256
MAX_NODES = 1024
MAX_CA_CERT_BYTES = 8 * 1024
MEMBER_PERMISSIONS = ("contract", "node", "subject")
"""What a member may manage (F-B1): smart contracts, nodes, subjects."""
MAX_ADMINS = 8
MAX_PUBLIC_KEY = 128
MAX_WEIGHT = 1000


def check_sorted_names(what: str, values: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A sorted list of distinct names, each one of ``allowed``."""
    items = check_list(what, values, max_items=len(allowed))
    for item in items:
        if item not in allowed:
            raise ValidationError(f"{what}: {item!r} is not one of {allowed}")
    if items != sorted(set(items)):  # type: ignore[type-var]
        raise ValidationError(f"{what}: names must be sorted and distinct")
    return tuple(items)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Member:
    """A member organization: its credit code, name, CA, admins, permissions and vote weight.

    ``org`` is the member's 统一社会信用代码 (GB 32100; the registry service
    checks it when it builds the genesis state). ``admins`` are the public
    keys of its administrators, who vote in governance (docs/spec/gov.md).
    """

    org: str
    transport_ca: bytes
    name: str = ""
    admins: tuple[bytes, ...] = ()
    permissions: tuple[str, ...] = ()
    weight: int = 1

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        if not check_text("member.org", self.org, max_size=128).strip():
            raise ValidationError("member.org: must not be blank")
        check_bytes("member.transport_ca", self.transport_ca, max_size=MAX_CA_CERT_BYTES)
        check_text("member.name", self.name, max_size=128)
        check_list("member.admins", self.admins, max_items=MAX_ADMINS)
        for key in self.admins:
            if not check_bytes("member.admins[]", key, max_size=MAX_PUBLIC_KEY):
                raise ValidationError("member.admins[]: empty public key")
        if len(set(self.admins)) != len(self.admins):
            raise ValidationError("member.admins: a key is listed twice")
        check_sorted_names("member.permissions", list(self.permissions), MEMBER_PERMISSIONS)
        if not check_uint("member.weight", self.weight, maximum=MAX_WEIGHT) >= 1:
            raise ValidationError(f"member.weight: expected 1..{MAX_WEIGHT}")

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "org": self.org,
            "transport_ca": self.transport_ca,
            "name": self.name,
            "admins": list(self.admins),
            "permissions": list(self.permissions),
            "weight": self.weight,
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Member:
        """Build and validate from a decoded map."""
        names = ("org", "transport_ca", "name", "admins", "permissions", "weight")
        data = fields_of("member", obj, names)
        admins = check_list("member.admins", data["admins"], max_items=MAX_ADMINS)
        permissions = check_list(
            "member.permissions", data["permissions"], max_items=len(MEMBER_PERMISSIONS)
        )
        member = cls(**{**data, "admins": tuple(admins), "permissions": tuple(permissions)})
        member.validate()
        return member


@dataclass(frozen=True, slots=True)
class NodeEntry:
    """One node: its name, organization, role, transport key hash and validator (or none)."""

    name: str
    org: str
    role: str
    transport_key: bytes
    """SHA-256 of the DER SubjectPublicKeyInfo of the node's transport certificate."""
    validator: bytes = b""
    """The address of the validator this node votes as; empty for a full node."""

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("node.name", self.name, max_size=63, pattern=NODE_NAME_PATTERN)
        check_text("node.org", self.org, max_size=128)
        if self.role not in ROLES:
            raise ValidationError(f"node.role: expected one of {ROLES}, got {self.role!r}")
        check_bytes("node.transport_key", self.transport_key, size=32)
        if self.role == "validator":
            check_bytes("node.validator", self.validator, size=ADDRESS_SIZE)
        elif self.validator != b"":
            raise ValidationError(f"node.validator: a {self.role} node names no validator")

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "name": self.name,
            "org": self.org,
            "role": self.role,
            "transport_key": self.transport_key,
            "validator": self.validator,
        }

    @classmethod
    def from_cbor(cls, obj: object) -> NodeEntry:
        """Build and validate from a decoded map."""
        names = ("name", "org", "role", "transport_key", "validator")
        node = cls(**fields_of("node", obj, names))
        node.validate()
        return node


@dataclass(frozen=True, slots=True)
class NetworkRegistry:
    """Members and nodes; empty for a chain that runs no peer network (a single process)."""

    members: tuple[Member, ...] = ()
    nodes: tuple[NodeEntry, ...] = ()

    def validate(self) -> None:
        """Raise ValidationError on duplicates or a node of an unknown member."""
        if len(self.members) > MAX_MEMBERS or len(self.nodes) > MAX_NODES:
            raise ValidationError(f"network: at most {MAX_MEMBERS} members and {MAX_NODES} nodes")
        orgs = [m.org for m in self.members]
        if len(set(orgs)) != len(orgs):
            raise ValidationError("network: an organization is listed twice")
        for member in self.members:
            member.validate()
        names, keys = set(), set()
        for node in self.nodes:
            node.validate()
            if node.org not in orgs:
                raise ValidationError(f"network: node {node.name!r} belongs to no member")
            if node.name in names or node.transport_key in keys:
                raise ValidationError(f"network: node {node.name!r} or its key is listed twice")
            names.add(node.name)
            keys.add(node.transport_key)

    def node(self, name: str) -> NodeEntry | None:
        """The entry of node ``name``."""
        return next((n for n in self.nodes if n.name == name), None)

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "members": [m.to_cbor() for m in self.members],
            "nodes": [n.to_cbor() for n in self.nodes],
        }

    @classmethod
    def from_cbor(cls, obj: object) -> NetworkRegistry:
        """Build and validate from a decoded map."""
        data = fields_of("network", obj, ("members", "nodes"))
        members = check_list("network.members", data["members"], max_items=MAX_MEMBERS)
        nodes = check_list("network.nodes", data["nodes"], max_items=MAX_NODES)
        registry = cls(
            tuple(Member.from_cbor(m) for m in members),
            tuple(NodeEntry.from_cbor(n) for n in nodes),
        )
        registry.validate()
        return registry
