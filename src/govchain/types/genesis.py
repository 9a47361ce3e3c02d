"""The genesis document: what every node of a chain agrees on before block 1."""

from __future__ import annotations

from dataclasses import dataclass, field

from govchain.types.errors import ValidationError
from govchain.types.fields import CHAIN_ID_PATTERN, check_text, check_uint, fields_of
from govchain.types.governance import GenesisGovernance
from govchain.types.network_registry import NetworkRegistry
from govchain.types.validators import ValidatorSet

SUITES = ("gm", "intl")


@dataclass(frozen=True, slots=True)
class Genesis:
    """Chain id, crypto suite (fixed for the chain's life), start time, first validators,
    the network registry (members and their nodes) and the governance section (first
    accounts, policies, parameters; left out of the encoding when empty)."""

    chain_id: str
    suite: str
    time: int
    validators: ValidatorSet
    network: NetworkRegistry = field(default_factory=NetworkRegistry)
    governance: GenesisGovernance = field(default_factory=GenesisGovernance)

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("genesis.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if self.suite not in SUITES:
            raise ValidationError(f"genesis.suite: expected one of {SUITES}, got {self.suite!r}")
        check_uint("genesis.time", self.time)
        self.validators.validate()
        self.network.validate()
        self.governance.validate()
        for node in self.network.nodes:
            if node.role == "validator" and self.validators.get(node.validator) is None:
                raise ValidationError(f"genesis: node {node.name!r} names an unknown validator")

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        encoded: dict[str, object] = {
            "chain_id": self.chain_id,
            "suite": self.suite,
            "time": self.time,
            "validators": self.validators.to_cbor(),
            "network": self.network.to_cbor(),
        }
        if not self.governance.empty:
            encoded["governance"] = self.governance.to_cbor()
        return encoded

    @classmethod
    def from_cbor(cls, obj: object) -> Genesis:
        """Build and validate from a decoded map."""
        names: tuple[str, ...] = ("chain_id", "suite", "time", "validators", "network")
        if isinstance(obj, dict) and "governance" in obj:
            names = (*names, "governance")
        data = fields_of("genesis", obj, names)
        governance = GenesisGovernance()
        if "governance" in data:
            governance = GenesisGovernance.from_cbor(data.pop("governance"))
            if governance.empty:
                raise ValidationError("genesis.governance: an empty section is left out")
        genesis = cls(
            **{
                **data,
                "validators": ValidatorSet.from_cbor(data["validators"]),
                "network": NetworkRegistry.from_cbor(data["network"]),
                "governance": governance,
            }
        )
        genesis.validate()
        return genesis
