"""A governed chain with what the asset tests need: holders with lockers, staff, a type.

The contract never opens content, so envelopes and blob hashes here are
random bytes of the right sizes; the client tests encrypt for real.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from govchain.codes.demo import demo_uscc
from govchain.contracts.assets import (
    CONTENT_METHODS,
    BlobRef,
    Content,
    Envelope,
    NewVersion,
    assets_tx,
)
from govchain.contracts.assets.txs import ArgsRecord
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.unit.contracts.governed_chain import GovernedChain, ok

__all__ = ["TYPE_CODE", "AssetChain", "ok", "refused"]

TYPE_CODE = demo_uscc(1) + "001"
SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 64, "public": True},
        "capital": {"type": "integer", "minimum": 1, "public": True},
        "legal_rep": {"type": "string", "maxLength": 32},
    },
    "required": ["name"],
}


def refused(receipt: Receipt, code: str) -> str:
    """The reason of a failure receipt whose error starts with ``code``."""
    assert receipt.status != 0, "expected a refusal"
    assert receipt.error.startswith(code + ": "), receipt.error
    return receipt.error


@dataclass
class AssetChain:
    """A GovernedChain plus asset helpers."""

    gc: GovernedChain
    lockers: dict[bytes, bytes] = field(default_factory=dict)

    @classmethod
    def make(cls, suite_name: str = "intl") -> AssetChain:
        return cls(GovernedChain.make(suite_name))

    @property
    def suite_name(self) -> str:
        return self.gc.maker.suite.name

    def send(self, key: SigningKey, args: ArgsRecord) -> Receipt:
        tx = assets_tx(key, self.gc.maker.genesis.chain_id, args, os.urandom(16), 10_000)
        return self.gc.run_one(tx)

    def raw(self, key: SigningKey, tx_type: str, args: dict[str, object]) -> Receipt:
        return self.gc.run_one(self.gc.tx(key, tx_type, args))

    def enterprise(self, serial: int, member: int = 0) -> tuple[SigningKey, bytes, str]:
        """An approved enterprise subject of member ``member``: key, address, credit code."""
        key = self.gc.maker.suite.generate_key()
        code = demo_uscc(500 + serial)
        ok(
            self.raw(
                key,
                "registry.subject_apply",
                {
                    "kind": "enterprise",
                    "member": self.gc.codes[member],
                    "code": code,
                    "name": f"济南演示{serial}号信息技术有限公司",
                },
            )
        )
        address = self.gc.address(key)
        ok(
            self.raw(
                self.gc.admins[member],
                "registry.subject_decide",
                {
                    "address": address,
                    "approve": True,
                    "reason": "",
                    "permissions": ["transact"],
                },
            )
        )
        return key, address, code

    def staff(self, member: int = 0) -> SigningKey:
        """A staff account of member ``member`` whose role lets it issue and review."""
        key = self.gc.maker.suite.generate_key()
        admin = self.gc.admins[member]
        ok(
            self.raw(
                admin,
                "registry.role_set",
                {
                    "name": "licence_officer",
                    "resources": ["assets.issue", "assets.review"],
                },
            )
        )
        ok(
            self.raw(
                admin,
                "registry.account_add",
                {
                    "public_key": key.public_key,
                    "kind": "staff",
                    "roles": ["licence_officer"],
                    "post": "窗口审核",
                },
            )
        )
        return key

    def open_locker(self, key: SigningKey) -> bytes:
        from govchain.contracts.assets import LockerInitArgs

        size = 65 if self.suite_name == "gm" else 32
        public = b"\x04" + os.urandom(size - 1)
        blob = BlobRef(os.urandom(32), 200, ("storage1",))
        ok(self.send(key, LockerInitArgs(public, blob)))
        address = self.gc.address(key)
        self.lockers[address] = public
        return address

    def define(self, key: SigningKey, **changes: Any) -> Receipt:
        from govchain.contracts.assets import TypeDefineArgs

        fields: dict[str, Any] = {
            "code": TYPE_CODE,
            "name": "营业执照(演示)",
            "schema": SCHEMA,
            "issuers": (self.gc.codes[0], self.gc.codes[1]),
            "modes": ("authority", "window", "department", "self"),
            "validity": "long_term",
            "regulator": b"",
            "transfer": "issuer",
        }
        fields.update(changes)
        return self.send(key, TypeDefineArgs(**fields))

    def new_version(
        self, holder: bytes, *, regulator: bytes = b"", **metadata: object
    ) -> NewVersion:
        envelopes = [Envelope(holder, "holder", os.urandom(113))]
        if regulator:
            envelopes.append(Envelope(regulator, "regulator", os.urandom(113)))
        content = Content(
            BlobRef(os.urandom(32), 4096, ("storage1", "storage2")),
            CONTENT_METHODS[self.suite_name],
            tuple(envelopes),
        )
        fields = {"name": "济南演示链信信息技术有限公司", **metadata}
        return NewVersion(os.urandom(16), fields, content)

    @staticmethod
    def event(receipt: Receipt, event_type: str) -> dict[str, object]:
        [found] = [e.attributes for e in receipt.events if e.type == event_type]
        return dict(found)
