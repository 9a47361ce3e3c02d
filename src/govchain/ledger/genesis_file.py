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
from govchain.types.network_registry import Member, NetworkRegistry, NodeEntry

MAX_GENESIS_FILE = 4 * 1024 * 1024


def genesis_to_json(genesis: Genesis) -> dict[str, Any]:
    """The JSON object of a genesis."""
    return {
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
                {"org": m.org, "transport_ca": m.transport_ca.hex()}
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
    )
    genesis.validate()
    return genesis


def _network_from_json(obj: dict[str, Any]) -> NetworkRegistry:
    members, nodes = [], []
    for i, item in enumerate(_field(obj, "members", list, "genesis.network")):
        where = f"genesis.network.members[{i}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where}: expected an object")
        members.append(Member(_field(item, "org", str, where), _hex(item, "transport_ca", where)))
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
