"""The governance part of the genesis: first accounts, the policy table and the parameters.

The records here are structural: a policy's rule is checked against its
grammar (docs/spec/gov.md, "Policies"), an account's roles against the role
name pattern. What they mean is the registry's and gov services' business
(``govchain.contracts.registry``, ``govchain.contracts.gov``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govchain.types.errors import ValidationError
from govchain.types.fields import (
    NAME_PATTERN,
    check_bytes,
    check_list,
    check_text,
    check_uint,
    fields_of,
)

__all__ = [
    "ACCOUNT_KINDS",
    "MAX_ROLES",
    "ROLE_PATTERN",
    "RULES",
    "GenesisAccount",
    "GenesisGovernance",
    "PolicyEntry",
    "check_names",
    "check_rule",
    "parse_fraction",
]

ACCOUNT_KINDS = ("admin", "client", "staff", "system", "subject")
ROLE_PATTERN = re.compile(r"^[a-z0-9_-]{1,32}$")
MAX_ROLES = 16
RULES = ("ANY", "MAJORITY", "ALL", "SELF", "FORBIDDEN")
"""The named rules; a rule may also be an integer ``"n"`` or a fraction ``"a/b"``."""
RESOURCE_PATTERN = re.compile(r"^(gov:)?[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$")
MAX_POLICY_NAMES = 64
MAX_POLICIES = 1024
MAX_PARAMS = 64
MAX_GENESIS_ACCOUNTS = 1024
MAX_FRACTION_DENOMINATOR = 1000
_INTEGER = re.compile(r"^[1-9][0-9]{0,3}$")
_FRACTION = re.compile(r"^([0-9]{1,4})/([1-9][0-9]{0,3})$")


def parse_fraction(text: str, *, allow_zero: bool = True) -> tuple[int, int]:
    """``"a/b"`` as ``(a, b)`` with ``0 <= a <= b <= 1000``; ValidationError otherwise."""
    match = _FRACTION.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError(f"expected a fraction a/b, got {text!r}")
    a, b = int(match.group(1)), int(match.group(2))
    if not (0 if allow_zero else 1) <= a <= b <= MAX_FRACTION_DENOMINATOR:
        raise ValidationError(f"fraction {text!r}: need 0 <= a <= b <= {MAX_FRACTION_DENOMINATOR}")
    return a, b


def check_rule(what: str, rule: object) -> str:
    """A rule of the policy grammar: a named rule, an integer ``"n"`` or a fraction ``"a/b"``."""
    text = check_text(what, rule, max_size=16)
    if text in RULES or _INTEGER.match(text):
        return text
    try:
        parse_fraction(text, allow_zero=False)
    except ValidationError as exc:
        raise ValidationError(
            f"{what}: {text!r} is not a rule ({', '.join(RULES)}, an integer or a fraction a/b)"
        ) from exc
    return text


def check_names(
    what: str, values: object, *, max_items: int, pattern: re.Pattern[str]
) -> tuple[str, ...]:
    """A sorted list of distinct names matching ``pattern``."""
    items = check_list(what, values, max_items=max_items)
    for item in items:
        check_text(f"{what}[]", item, max_size=64, pattern=pattern)
    names = [str(item) for item in items]
    if names != sorted(set(names)):
        raise ValidationError(f"{what}: names must be sorted and distinct")
    return tuple(names)


@dataclass(frozen=True, slots=True)
class PolicyEntry:
    """``resource -> {rule, roles, orgs}`` (docs/spec/gov.md, "Policies")."""

    resource: str
    rule: str
    roles: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("policy.resource", self.resource, max_size=68, pattern=RESOURCE_PATTERN)
        check_rule("policy.rule", self.rule)
        check_names(
            "policy.roles", list(self.roles), max_items=MAX_POLICY_NAMES, pattern=ROLE_PATTERN
        )
        check_names(
            "policy.orgs", list(self.orgs), max_items=MAX_POLICY_NAMES, pattern=re.compile(r"^\S+$")
        )
        if self.resource.startswith("gov:"):
            if self.rule == "SELF":
                raise ValidationError("policy.rule: SELF is not a rule for a governance action")
            if self.roles not in ((), ("admin",)):
                raise ValidationError('policy.roles: a governance action takes [] or ["admin"]')
        elif self.rule not in ("ANY", "SELF", "FORBIDDEN"):
            raise ValidationError(
                f"policy.rule: a tx has one signer, so {self.resource!r} takes ANY, SELF or "
                f"FORBIDDEN, not {self.rule!r}"
            )

    def value_cbor(self) -> dict[str, object]:
        """The stored value: everything but the resource (which is in the key)."""
        return {"rule": self.rule, "roles": list(self.roles), "orgs": list(self.orgs)}

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {"resource": self.resource, **self.value_cbor()}

    @classmethod
    def from_value(cls, resource: str, obj: object) -> PolicyEntry:
        """Build and validate from a stored value."""
        data = fields_of("policy", obj, ("rule", "roles", "orgs"))
        roles = check_list("policy.roles", data["roles"], max_items=MAX_POLICY_NAMES)
        orgs = check_list("policy.orgs", data["orgs"], max_items=MAX_POLICY_NAMES)
        entry = cls(resource, data["rule"], tuple(map(str, roles)), tuple(map(str, orgs)))
        entry.validate()
        return entry

    @classmethod
    def from_cbor(cls, obj: object) -> PolicyEntry:
        """Build and validate from a decoded map."""
        data = fields_of("policy", obj, ("resource", "rule", "roles", "orgs"))
        resource = data.pop("resource")
        return cls.from_value(check_text("policy.resource", resource, max_size=68), data)


@dataclass(frozen=True, slots=True)
class GenesisAccount:
    """An account registered from the start: a member's client or system key."""

    public_key: bytes
    org: str
    kind: str
    roles: tuple[str, ...] = ()

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        if not check_bytes("account.public_key", self.public_key, max_size=128):
            raise ValidationError("account.public_key: empty public key")
        check_text("account.org", self.org, max_size=128)
        if self.kind not in ACCOUNT_KINDS:
            raise ValidationError(f"account.kind: expected one of {ACCOUNT_KINDS}")
        check_names("account.roles", list(self.roles), max_items=MAX_ROLES, pattern=ROLE_PATTERN)

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "public_key": self.public_key,
            "org": self.org,
            "kind": self.kind,
            "roles": list(self.roles),
        }

    @classmethod
    def from_cbor(cls, obj: object) -> GenesisAccount:
        """Build and validate from a decoded map."""
        data = fields_of("account", obj, ("public_key", "org", "kind", "roles"))
        roles = check_list("account.roles", data["roles"], max_items=MAX_ROLES)
        account = cls(data["public_key"], data["org"], data["kind"], tuple(map(str, roles)))
        account.validate()
        return account


def _check_param(name: object, value: object) -> None:
    check_text("param name", name, max_size=64, pattern=NAME_PATTERN)
    if isinstance(value, str):
        check_text(f"param {name}", value, max_size=64)
    else:
        check_uint(f"param {name}", value)


@dataclass(frozen=True, slots=True)
class GenesisGovernance:
    """First accounts, the policy table and the parameters; all empty on a chain without them."""

    accounts: tuple[GenesisAccount, ...] = ()
    policies: tuple[PolicyEntry, ...] = ()
    params: tuple[tuple[str, int | str], ...] = ()
    """``(name, value)`` sorted by name; a value is an unsigned integer or text."""

    @property
    def empty(self) -> bool:
        """Whether there is nothing in it (the genesis then leaves the section out)."""
        return not (self.accounts or self.policies or self.params)

    def validate(self) -> None:
        """Raise ValidationError on a bad entry, a duplicate or an unsorted list."""
        check_list("governance.accounts", self.accounts, max_items=MAX_GENESIS_ACCOUNTS)
        check_list("governance.policies", self.policies, max_items=MAX_POLICIES)
        check_list("governance.params", self.params, max_items=MAX_PARAMS)
        for account in self.accounts:
            account.validate()
        if len({a.public_key for a in self.accounts}) != len(self.accounts):
            raise ValidationError("governance.accounts: a key is listed twice")
        for policy in self.policies:
            policy.validate()
        resources = [p.resource for p in self.policies]
        if len(set(resources)) != len(resources):
            raise ValidationError("governance.policies: a resource is listed twice")
        for name, value in self.params:
            _check_param(name, value)
        names = [name for name, _ in self.params]
        if names != sorted(set(names)):
            raise ValidationError("governance.params: names must be sorted and distinct")

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "accounts": [a.to_cbor() for a in self.accounts],
            "policies": [p.to_cbor() for p in self.policies],
            "params": dict(self.params),
        }

    @classmethod
    def from_cbor(cls, obj: object) -> GenesisGovernance:
        """Build and validate from a decoded map."""
        data = fields_of("governance", obj, ("accounts", "policies", "params"))
        accounts = check_list(
            "governance.accounts", data["accounts"], max_items=MAX_GENESIS_ACCOUNTS
        )
        policies = check_list("governance.policies", data["policies"], max_items=MAX_POLICIES)
        params = data["params"]
        if not isinstance(params, dict) or len(params) > MAX_PARAMS:
            raise ValidationError(f"governance.params: expected a map of at most {MAX_PARAMS}")
        governance = cls(
            tuple(GenesisAccount.from_cbor(a) for a in accounts),
            tuple(PolicyEntry.from_cbor(p) for p in policies),
            tuple(sorted(params.items())),
        )
        governance.validate()
        return governance
