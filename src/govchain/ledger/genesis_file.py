"""The genesis file (``genesis.json``): what a client trusts to verify receipts offline.

JSON, with bytes as lowercase hex; the layout is in docs/formats.md, section 6.
The chain itself stores the CBOR form; both hold the same ``Genesis``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govchain.types import Genesis, Validator, ValidatorSet
from govchain.types.errors import ValidationError
from govchain.types.governance import GenesisAccount, GenesisGovernance, PolicyEntry
from govchain.types.network_registry import Member, NetworkRegistry, NodeEntry

MAX_GENESIS_FILE = 4 * 1024 * 1024


def genesis_to_json(genesis: Genesis) -> dict[str, Any]:
    """The JSON object of a genesis."""
    obj: dict[str, Any] = {
        "chain_id": genesis.chain_id,
        "suite": genesis.suite,
        "time": genesis.time,
        "validators": [
            {
                "address": v.address.hex(),
                "public_key": v.public_key.hex(),
                "power": v.power,
                "name": v.name,
            }
            for v in genesis.validators.validators
        ],
        "network": {
            "members": [
                {
                    "org": m.org,
                    "name": m.name,
                    "transport_ca": m.transport_ca.hex(),
                    "admins": [key.hex() for key in m.admins],
                    "permissions": list(m.permissions),
                    "weight": m.weight,
                }
                for m in genesis.network.members
            ],
            "nodes": [
                {
                    "name": n.name,
                    "org": n.org,
                    "role": n.role,
                    "transport_key": n.transport_key.hex(),
                    "validator": n.validator.hex(),
                }
                for n in genesis.network.nodes
            ],
        },
    }
    if not genesis.governance.empty:
        obj["governance"] = _governance_to_json(genesis.governance)
    return obj


def _governance_to_json(governance: GenesisGovernance) -> dict[str, Any]:
    return {
        "accounts": [
            {"public_key": a.public_key.hex(), "org": a.org, "kind": a.kind, "roles": list(a.roles)}
            for a in governance.accounts
        ],
        "policies": [
            {"resource": p.resource, "rule": p.rule, "roles": list(p.roles), "orgs": list(p.orgs)}
            for p in governance.policies
        ],
        "params": dict(governance.params),
    }


def _field(obj: dict[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in obj:
        raise ValidationError(f"{where}: missing field {name!r}")
    value = obj[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValidationError(f"{where}.{name}: expected {kind.__name__}")
    return value


def _hex(obj: dict[str, Any], name: str, where: str) -> bytes:
    text = _field(obj, name, str, where)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValidationError(f"{where}.{name}: not hex") from None


def genesis_from_json(obj: object) -> Genesis:
    """Parse and validate a genesis JSON object; raise ValidationError."""
    if not isinstance(obj, dict):
        raise ValidationError("genesis: expected a JSON object")
    members = []
    for i, item in enumerate(_field(obj, "validators", list, "genesis")):
        where = f"genesis.validators[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: expected an object")
        members.append(
            Validator(
                address=_hex(item, "address", where),
                public_key=_hex(item, "public_key", where),
                power=_field(item, "power", int, where),
                name=_field(item, "name", str, where),
            )
        )
    genesis = Genesis(
        chain_id=_field(obj, "chain_id", str, "genesis"),
        suite=_field(obj, "suite", str, "genesis"),
        time=_field(obj, "time", int, "genesis"),
        validators=ValidatorSet(tuple(members)),
        network=_network_from_json(_field(obj, "network", dict, "genesis")),
        governance=(
            _governance_from_json(_field(obj, "governance", dict, "genesis"))
            if "governance" in obj
            else GenesisGovernance()
        ),
    )
    genesis.validate()
    return genesis


def _network_from_json(obj: dict[str, Any]) -> NetworkRegistry:
    members, nodes = [], []
    for i, item in enumerate(_field(obj, "members", list, "genesis.network")):
        where = f"genesis.network.members[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: expected an object")
        members.append(
            Member(
                org=_field(item, "org", str, where),
                transport_ca=_hex(item, "transport_ca", where),
                name=_field(item, "name", str, where),
                admins=tuple(_hex_items(item, "admins", where)),
                permissions=tuple(_texts(item, "permissions", where)),
                weight=_field(item, "weight", int, where),
            )
        )
    for i, item in enumerate(_field(obj, "nodes", list, "genesis.network")):
        where = f"genesis.network.nodes[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: expected an object")
        nodes.append(
            NodeEntry(
                name=_field(item, "name", str, where),
                org=_field(item, "org", str, where),
                role=_field(item, "role", str, where),
                transport_key=_hex(item, "transport_key", where),
                validator=_hex(item, "validator", where),
            )
        )
    return NetworkRegistry(tuple(members), tuple(nodes))


def _texts(obj: dict[str, Any], name: str, where: str) -> list[str]:
    items = _field(obj, name, list, where)
    if not all(isinstance(item, str) for item in items):
        raise ValidationError(f"{where}.{name}: expected a list of text")
    return list(items)


def _hex_items(obj: dict[str, Any], name: str, where: str) -> list[bytes]:
    try:
        return [bytes.fromhex(item) for item in _texts(obj, name, where)]
    except ValueError:
        raise ValidationError(f"{where}.{name}: not hex") from None


def _governance_from_json(obj: dict[str, Any]) -> GenesisGovernance:
    accounts, policies = [], []
    for i, item in enumerate(_field(obj, "accounts", list, "genesis.governance")):
        where = f"genesis.governance.accounts[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: expected an object")
        accounts.append(
            GenesisAccount(
                public_key=_hex(item, "public_key", where),
                org=_field(item, "org", str, where),
                kind=_field(item, "kind", str, where),
                roles=tuple(_texts(item, "roles", where)),
            )
        )
    for i, item in enumerate(_field(obj, "policies", list, "genesis.governance")):
        where = f"genesis.governance.policies[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: expected an object")
        policies.append(
            PolicyEntry(
                resource=_field(item, "resource", str, where),
                rule=_field(item, "rule", str, where),
                roles=tuple(_texts(item, "roles", where)),
                orgs=tuple(_texts(item, "orgs", where)),
            )
        )
    params = _field(obj, "params", dict, "genesis.governance")
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError(f"genesis.governance.params.{name}: expected an integer or text")
    return GenesisGovernance(tuple(accounts), tuple(policies), tuple(sorted(params.items())))


def load_genesis(path: Path) -> Genesis:
    """Read ``genesis.json``; raise ValidationError on a malformed file, OSError if unreadable."""
    data = Path(path).read_bytes()
    if len(data) > MAX_GENESIS_FILE:
        raise ValidationError(f"{path}: genesis file is over {MAX_GENESIS_FILE} bytes")
    try:
        obj = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: not JSON: {exc}") from exc
    return genesis_from_json(obj)


def genesis_json_text(genesis: Genesis) -> str:
    """The file text: indented JSON with a final newline."""
    return json.dumps(genesis_to_json(genesis), indent=2) + "\n"
