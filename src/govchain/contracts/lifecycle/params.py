"""The chain parameters of ``contracts`` (docs/spec/contracts.md, "Chain parameters").

Stored at ``contracts/params`` as canonical CBOR of every field; absent, the
defaults hold. Changed only by the governance action ``contracts.params``
(:func:`params_action`), which names the fields it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from govchain.codec import decode, encode
from govchain.codec.errors import CodecError
from govchain.contracts.gov.args import ActionArgs
from govchain.contracts.lifecycle.runner import RunnerParams
from govchain.execution.registry import ReadState, TxContext
from govchain.types.errors import ValidationError
from govchain.types.fields import check_hash, fields_of
from govchain.types.governance import check_rule

__all__ = [
    "PARAMS_ACTION",
    "PARAMS_ARG_KINDS",
    "PARAMS_KEY",
    "ContractParams",
    "params_action",
    "read_params",
]

PARAMS_KEY = b"contracts/params"
PARAMS_ACTION = "contracts.params"
_INT_BOUNDS = {
    "tx_fuel": (1_000, 1_000_000_000),
    "block_fuel": (1_000, 100_000_000_000),
    "memory_pages": (1, 1_024),
    "max_module_bytes": (1_024, 8_388_608),
}
PARAMS_ARG_KINDS = {
    "allow_floats": "bool",
    "block_fuel": "int",
    "max_module_bytes": "int",
    "memory_pages": "int",
    "require_test": "bool",
    "review_rule": "text",
    "test_genesis": "hash",
    "tx_fuel": "int",
}
"""The arguments of ``contracts.params`` and their kinds (gov's ``ARG_KINDS``)."""


@dataclass(frozen=True, slots=True)
class ContractParams:
    """Every parameter of the contracts service, with its default."""

    tx_fuel: int = 10_000_000
    block_fuel: int = 200_000_000
    memory_pages: int = 64
    max_module_bytes: int = 524_288
    allow_floats: bool = False
    review_rule: str = "MAJORITY"
    require_test: bool = False
    test_genesis: bytes = b""
    """The suite hash of the test network's genesis file; empty: none recorded."""

    def validate(self) -> None:
        """Raise ValidationError naming the first parameter that breaks its bound."""
        for name, (low, high) in _INT_BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValidationError(f"parameter {name}: expected an integer in {low}..{high}")
        if self.block_fuel < self.tx_fuel:
            raise ValidationError("parameter block_fuel: must be at least tx_fuel")
        for name in ("allow_floats", "require_test"):
            if not isinstance(getattr(self, name), bool):
                raise ValidationError(f"parameter {name}: expected true or false")
        rule = check_rule("parameter review_rule", self.review_rule)
        if rule in ("SELF", "FORBIDDEN"):
            raise ValidationError(f"parameter review_rule: {rule} is not a review rule")
        check_hash("parameter test_genesis", self.test_genesis, allow_empty=True)
        if self.require_test and not self.test_genesis:
            raise ValidationError("parameter require_test: needs test_genesis recorded first")

    def runner_params(self) -> RunnerParams:
        """What the sandbox needs of these."""
        return RunnerParams(self.memory_pages, self.max_module_bytes, self.allow_floats)

    def to_cbor(self) -> dict[str, object]:
        """The stored map: every field."""
        return asdict(self)

    def to_json(self) -> dict[str, Any]:
        """The API's form: the stored map with the test genesis hash as hex."""
        return {**self.to_cbor(), "test_genesis": self.test_genesis.hex()}

    @classmethod
    def from_stored(cls, raw: bytes) -> ContractParams:
        """The stored record; ValidationError if malformed."""
        try:
            obj = decode(raw)
        except CodecError as exc:
            raise ValidationError(f"contracts params: {exc}") from exc
        names = tuple(f.name for f in fields(cls))
        params = cls(**fields_of("contracts params", obj, names))
        params.validate()
        return params


def read_params(read: ReadState) -> ContractParams:
    """The parameters in force: the stored record, or the defaults."""
    raw = read(PARAMS_KEY)
    return ContractParams() if raw is None else ContractParams.from_stored(raw)


def params_action(ctx: TxContext, raw: Mapping[str, object]) -> None:
    """``contracts.params {name: value, ...}``: change the named parameters, keep the others."""
    args = ActionArgs(PARAMS_ACTION, raw, tuple(sorted(PARAMS_ARG_KINDS)))
    if not raw:
        args.fail(f"name at least one parameter ({', '.join(sorted(PARAMS_ARG_KINDS))})")
    changes: dict[str, object] = {}
    for name in sorted(raw):
        kind = PARAMS_ARG_KINDS[name]
        if kind == "int":
            low, high = _INT_BOUNDS[name]
            changes[name] = args.uint(name, low=low, high=high)
        elif kind == "bool":
            value = args.raw(name)
            if not isinstance(value, bool):
                args.fail(f"argument {name!r}: expected true or false")
            changes[name] = value
        elif kind == "hash":
            value = args.raw(name)
            if not isinstance(value, bytes) or len(value) not in (0, 32):
                args.fail(f"argument {name!r}: expected a 32-byte hash (or empty: none)")
            changes[name] = value
        else:
            changes[name] = args.text(name, max_size=16)
    params = replace(read_params(ctx.get), **changes)  # type: ignore[arg-type]
    try:
        params.validate()
    except ValidationError as exc:
        args.fail(str(exc))
    ctx.put(PARAMS_KEY, encode(params.to_cbor()))
    ctx.emit("contracts.params_set", names=sorted(changes))
