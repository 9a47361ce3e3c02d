"""Validators and validator sets (F-A2): who may vote, and with what power."""

from __future__ import annotations

from dataclasses import dataclass

from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_text, check_uint, fields_of

ADDRESS_SIZE = 20
MAX_VALIDATORS = 256
MAX_TOTAL_POWER = 2**60
"""Keeps every power sum far below 2**64, so vote tallies never overflow."""


@dataclass(frozen=True, slots=True)
class Validator:
    """One voting member: its address (derived from the key by the ledger), key and power."""

    address: bytes
    public_key: bytes
    power: int
    name: str = ""

    def validate(self) -> None:
        """Raise ValidationError if a field breaks its rule."""
        check_bytes("validator.address", self.address, size=ADDRESS_SIZE)
        check_bytes("validator.public_key", self.public_key, max_size=128)
        if check_uint("validator.power", self.power, maximum=MAX_TOTAL_POWER) == 0:
            raise ValidationError("validator.power: must be at least 1")
        check_text("validator.name", self.name, max_size=128)

    def to_cbor(self) -> dict[str, object]:
        """CBOR-ready map."""
        return {
            "address": self.address,
            "public_key": self.public_key,
            "power": self.power,
            "name": self.name,
        }

    @classmethod
    def from_cbor(cls, obj: object) -> Validator:
        """Build and validate from a decoded map."""
        v = cls(**fields_of("validator", obj, ("address", "public_key", "power", "name")))
        v.validate()
        return v


@dataclass(frozen=True, slots=True)
class ValidatorSet:
    """The validators of a height, sorted by address; no address twice."""

    validators: tuple[Validator, ...]

    def validate(self) -> None:
        """Raise ValidationError if the set is empty, unsorted, duplicated or too strong."""
        if not 1 <= len(self.validators) <= MAX_VALIDATORS:
            raise ValidationError(f"validator set: needs 1..{MAX_VALIDATORS} validators")
        for v in self.validators:
            v.validate()
        addresses = [v.address for v in self.validators]
        if addresses != sorted(set(addresses)):
            raise ValidationError("validator set: addresses must be unique and sorted")
        if self.total_power > MAX_TOTAL_POWER:
            raise ValidationError(f"validator set: total power over {MAX_TOTAL_POWER}")

    @property
    def total_power(self) -> int:
        """Sum of the validators' power."""
        return sum(v.power for v in self.validators)

    def quorum(self) -> int:
        """The least power that is more than two thirds of the total."""
        return self.total_power * 2 // 3 + 1

    def get(self, address: bytes) -> Validator | None:
        """The validator with ``address``, or None."""
        for v in self.validators:
            if v.address == address:
                return v
        return None

    def to_cbor(self) -> list[object]:
        """CBOR-ready array of validator maps."""
        return [v.to_cbor() for v in self.validators]

    @classmethod
    def from_cbor(cls, obj: object) -> ValidatorSet:
        """Build and validate from a decoded array."""
        items = check_list("validator set", obj, max_items=MAX_VALIDATORS)
        vset = cls(tuple(Validator.from_cbor(item) for item in items))
        vset.validate()
        return vset
