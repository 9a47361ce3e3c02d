"""The validator set in state, and the limits every change of it keeps (F-A2).

docs/spec/registry.md, "The validator set"; docs/spec/ledger.md, "Validator
sets by height". Governance actions (``node.add`` of a validator,
``node.remove``, ``node.set_power``) change validator node records; each
then writes the set those records make to ``VALIDATOR_SET_KEY``. A block
that changes it changes the set that votes two heights later.

Limits, checked against the set committed before the block (so that every
tx of a block counts toward one change; the first change of a block keeps
that set, with the height, under ``BLOCK_BASE_KEY``, since a proposal's
action runs over the block's earlier writes):

- the set is never empty and holds at most ``MAX_VALIDATORS``;
- the power changed by one block (the sum over validators of the difference
  between old and new power, a validator absent counting 0) is at most a
  third of the old set's total power.
"""

from __future__ import annotations

from govchain.codec import CodecError, decode, encode
from govchain.execution.registry import ContractError, ReadState, TxContext
from govchain.ledger import records
from govchain.ledger.validator_sets import VALIDATOR_SET_KEY, decode_set, encode_set
from govchain.types import Validator, ValidatorSet
from govchain.types.errors import ValidationError
from govchain.types.validators import MAX_TOTAL_POWER, MAX_VALIDATORS

__all__ = [
    "MAX_POWER",
    "changed_power",
    "read_validator_set",
    "set_validator",
    "unset_validator",
]

BLOCK_BASE_KEY = VALIDATOR_SET_KEY + b"/block_base"
"""``[height, set]``: the set before the first change made at ``height``."""

MAX_POWER = 1_000_000
"""The most voting power one validator may hold (far below ``MAX_TOTAL_POWER``)."""
assert MAX_POWER * MAX_VALIDATORS < MAX_TOTAL_POWER


def read_validator_set(read: ReadState) -> ValidatorSet | None:
    """The set the state holds (None: a chain without a registry keeps its genesis set)."""
    raw = read(VALIDATOR_SET_KEY)
    return None if raw is None else decode_set(raw)


def changed_power(old: ValidatorSet, new: ValidatorSet) -> int:
    """The sum over validators of |new power - old power| (absent: 0)."""
    powers = {v.address: v.power for v in old.validators}
    changed = 0
    for v in new.validators:
        changed += abs(v.power - powers.pop(v.address, 0))
    return changed + sum(powers.values())


def set_validator(ctx: TxContext, validator: Validator) -> None:
    """Add ``validator``, or give the one with its address its new power; check and write."""
    current = _current(ctx)
    others = [v for v in current.validators if v.address != validator.address]
    _write(ctx, ValidatorSet(tuple(sorted([*others, validator], key=lambda v: v.address))))


def unset_validator(ctx: TxContext, address: bytes) -> None:
    """Remove the validator with ``address``; check and write."""
    current = _current(ctx)
    remaining = tuple(v for v in current.validators if v.address != address)
    if len(remaining) == len(current.validators):
        raise ContractError(f"{address.hex()} is not in the validator set")
    if not remaining:
        raise ContractError("the validator set would be empty")
    _write(ctx, ValidatorSet(remaining))


def _current(ctx: TxContext) -> ValidatorSet:
    validators = read_validator_set(ctx.get)
    if validators is None:
        raise ContractError("this chain keeps its genesis validators (it has no registry)")
    return validators


def _block_base(ctx: TxContext) -> ValidatorSet:
    """The set as the block found it: kept by its first change, else the current one."""
    raw = ctx.get(BLOCK_BASE_KEY)
    if raw is not None:
        try:
            stored = decode(raw, records.RECORD_LIMITS)
            if not isinstance(stored, list) or len(stored) != 2:
                raise ValidationError("expected [height, set]")
            if stored[0] == ctx.height:
                return ValidatorSet.from_cbor(stored[1])
        except (CodecError, ValidationError) as exc:
            raise ContractError(f"the stored validator-set base is malformed: {exc}") from exc
    return _current(ctx)


def _write(ctx: TxContext, new: ValidatorSet) -> None:
    if len(new.validators) > MAX_VALIDATORS:
        raise ContractError(f"the validator set would hold more than {MAX_VALIDATORS}")
    try:
        new.validate()
    except ValidationError as exc:
        raise ContractError(f"the validator set would be invalid: {exc}") from exc
    committed = _block_base(ctx)
    changed = changed_power(committed, new)
    if 3 * changed > committed.total_power:
        raise ContractError(
            f"this block would change {changed} of {committed.total_power} voting power; "
            f"at most a third ({committed.total_power // 3}) may change per height"
        )
    ctx.put(BLOCK_BASE_KEY, encode([ctx.height, committed.to_cbor()]))
    ctx.put(VALIDATOR_SET_KEY, encode_set(new))
    ctx.emit(
        "registry.validators_changed",
        height=ctx.height + 2,
        validators=len(new.validators),
        power=new.total_power,
    )
