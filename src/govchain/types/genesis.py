"""The genesis document: what every node of a chain agrees on before block 1."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.types.errors import ValidationError
from govchain.types.fields import CHAIN_ID_PATTERN, check_text, check_uint, fields_of
from govchain.types.validators import ValidatorSet

SUITES = ("gm", "intl")


@dataclass(frozen=True, slots=True)
class Genesis:
    """Chain id, crypto suite (fixed for the chain's life), start time and first validators."""

    chain_id: str
    suite: str
    time: int
    validators: ValidatorSet

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_text("genesis.chain_id", self.chain_id, max_size=64, pattern=CHAIN_ID_PATTERN)
        if self.suite not in SUITES:
            raise ValidationError(f"genesis.suite: expected one of {SUITES}, got {self.suite!r}")
        check_uint("genesis.time", self.time)
        self.validators.validate()

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "chain_id": self.chain_id,
            "suite": self.suite,
            "time": self.time,
            "validators": self.validators.to_cbor(),
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Genesis:
        """Build and validate from a decoded map."""
        data = fields_of("genesis", obj, ("chain_id", "suite", "time", "validators"))
        genesis = cls(**{**data, "validators": ValidatorSet.from_cbor(data["validators"])})
        genesis.validate()
        return genesis
