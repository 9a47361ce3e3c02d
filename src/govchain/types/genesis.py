"""The genesis document: what every node of a chain agrees on before block 1."""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.types.errors import ValidationError
from govchain.types.fields import CHAIN_ID_PATTERN, check_text, check_uint, fields_of
from govchain.types.network_registry import NetworkRegistry
from govchain.types.validators import ValidatorSet

SUITES = ("gm", "intl")


@dataclass(frozen=True, slots=True)
class Genesis:
    """Chain id, crypto suite (fixed for the chain's life), start time, first validators,
    and the network registry (members and their nodes)."""

    chain_id: str
    suite: str
    time: int
    validators: ValidatorSet
    network: NetworkRegistry = field(default_factory=NetworkRegistry)

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("genesis.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if self.suite not in SUITES:
            raise ValidationError(f"genesis.suite: expected one of {SUITES}, got {self.suite!r}")
        check_uint("genesis.time", self.time)
        self.validators.validate()
        self.network.validate()
        for node in self.network.nodes:
            if node.role == "validator" and self.validators.get(node.validator) is None:
                raise ValidationError(f"genesis: node {node.name!r} names an unknown validator")

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "chain_id": self.chain_id,
            "suite": self.suite,
            "time": self.time,
            "validators": self.validators.to_cbor(),
            "network": self.network.to_cbor(),
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Genesis:
        """Build and validate from a decoded map."""
        names = ("chain_id", "suite", "time", "validators", "network")
        data = fields_of("genesis", obj, names)
        genesis = cls(
            **{
                **data,
                "validators": ValidatorSet.from_cbor(data["validators"]),
                "network": NetworkRegistry.from_cbor(data["network"]),
            }
        )
        genesis.validate()
        return genesis
