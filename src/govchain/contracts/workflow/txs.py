"""The txs of ``workflow``: argument records parsed field by field (docs/spec/workflow.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from govchain.contracts.args_records import Check, ParsedArgs
from govchain.contracts.assets.records import CONTENT_ID_SIZE, check_type_code
from govchain.contracts.signing import signed_tx
from govchain.contracts.workflow.records import MATTER_PATTERN, check_credit_code
from govchain.crypto import SigningKey
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_list, check_map, check_text, check_uint
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "OUTCOMES",
    "AdapterSetArgs",
    "ApplyArgs",
    "ExtendArgs",
    "FlagOverdueArgs",
    "MatterDefineArgs",
    "ProcessPublishArgs",
    "ResubmitArgs",
    "StepResultArgs",
    "workflow_tx",
]

OUTCOMES = ("approved", "rejected", "returned")


def _code(what: str, value: object) -> str:
    return check_text(what, value, max_size=64, pattern=MATTER_PATTERN)


def _name(what: str, value: object) -> str:
    text = check_text(what, value, max_size=128)
    if not text.strip():
        raise ValidationError(f"{what}: must not be blank")
    return text


def _types(what: str, value: object) -> tuple[str, ...]:
    return tuple(check_type_code(what, c) for c in check_list(what, value, max_items=16))


def _names(what: str, value: object) -> tuple[str, ...]:
    return tuple(check_text(what, n, max_size=64) for n in check_list(what, value, max_items=64))


def _case(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=16)


def _address(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=ADDRESS_SIZE)


def _content_ids(what: str, value: object) -> tuple[bytes, ...]:
    items = check_list(what, value, max_items=16)
    return tuple(check_bytes(what, item, size=CONTENT_ID_SIZE) for item in items)


def _grant_ids(what: str, value: object) -> tuple[bytes, ...]:
    listed = check_list(what, value, max_items=64)
    items = tuple(check_bytes(what, item, size=16) for item in listed)
    if len(set(items)) != len(items):
        raise ValidationError(f"{what}: each grant once")
    return items


def _step(what: str, value: object) -> str:
    return check_text(what, value, max_size=32)


def _reason(what: str, value: object) -> str:
    return check_text(what, value, max_size=256)


def _form(what: str, value: object) -> dict[str, Any]:
    found = check_map(what, value, max_items=64)
    for key, item in found.items():
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ValidationError(f"{what}.{key}: expected text or an integer")
        if isinstance(item, str):
            check_text(f"{what}.{key}", item, max_size=1024)
    return found


def _outcome(what: str, value: object) -> str:
    if value not in OUTCOMES:
        raise ValidationError(f"{what}: expected one of {OUTCOMES}")
    return str(value)


@dataclass(frozen=True, slots=True)
class MatterDefineArgs(ParsedArgs):
    """``workflow.matter_define``."""

    TX_TYPE: ClassVar[str] = "workflow.matter_define"
    CHECKS: ClassVar[dict[str, Check]] = {
        "code": _code, "name": _name, "kind": lambda w, v: check_text(w, v, max_size=16),
        "department": check_credit_code,
        "time_limit_days": lambda w, v: check_uint(w, v, maximum=365),
        "materials": _types, "outputs": _types, "fields": _names,
    }  # fmt: skip
    code: str
    name: str
    kind: str
    department: str
    time_limit_days: int
    outputs: tuple[str, ...]
    materials: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProcessPublishArgs(ParsedArgs):
    """``workflow.process_publish``: the steps as maps (``graph.steps_from_args`` checks them)."""

    TX_TYPE: ClassVar[str] = "workflow.process_publish"
    CHECKS: ClassVar[dict[str, Check]] = {
        "code": _code, "name": _name,
        "steps": lambda w, v: tuple(check_list(w, v, max_items=32)),
    }  # fmt: skip
    code: str
    name: str
    steps: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ApplyArgs(ParsedArgs):
    """``workflow.apply`` (综合受理)."""

    TX_TYPE: ClassVar[str] = "workflow.apply"
    CHECKS: ClassVar[dict[str, Check]] = {
        "process": _code, "applicant": _address, "form": _form, "materials": _content_ids,
        "grants": _grant_ids,
    }  # fmt: skip
    process: str
    applicant: bytes
    form: dict[str, Any]
    materials: tuple[bytes, ...] = ()
    grants: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class StepResultArgs(ParsedArgs):
    """``workflow.step_result``."""

    TX_TYPE: ClassVar[str] = "workflow.step_result"
    CHECKS: ClassVar[dict[str, Check]] = {
        "case": _case, "step": _step, "outcome": _outcome, "reason": _reason,
        "outputs": _content_ids, "grants": _grant_ids,
    }  # fmt: skip
    case: bytes
    step: str
    outcome: str
    reason: str = ""
    outputs: tuple[bytes, ...] = ()
    grants: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class ResubmitArgs(ParsedArgs):
    """``workflow.resubmit``: a returned step is ready again."""

    TX_TYPE: ClassVar[str] = "workflow.resubmit"
    CHECKS: ClassVar[dict[str, Check]] = {"case": _case, "step": _step, "reason": _reason}
    case: bytes
    step: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ExtendArgs(ParsedArgs):
    """``workflow.extend``: a department admin moves a deadline (an intervention)."""

    TX_TYPE: ClassVar[str] = "workflow.extend"
    CHECKS: ClassVar[dict[str, Check]] = {
        "case": _case, "step": _step, "reason": _reason,
        "minutes": lambda w, v: check_uint(w, v, maximum=525_600),
    }  # fmt: skip
    case: bytes
    step: str
    minutes: int
    reason: str


@dataclass(frozen=True, slots=True)
class FlagOverdueArgs(ParsedArgs):
    """``workflow.flag_overdue``."""

    TX_TYPE: ClassVar[str] = "workflow.flag_overdue"
    CHECKS: ClassVar[dict[str, Check]] = {"case": _case, "step": _step}
    case: bytes
    step: str


@dataclass(frozen=True, slots=True)
class AdapterSetArgs(ParsedArgs):
    """``workflow.adapter_set``: the account whose step results are not interventions."""

    TX_TYPE: ClassVar[str] = "workflow.adapter_set"
    CHECKS: ClassVar[dict[str, Check]] = {"department": check_credit_code, "adapter": _address}
    department: str
    adapter: bytes


def workflow_tx(key: SigningKey, chain_id: str, args: Any, nonce: bytes, expiry: int) -> Tx:
    """A signed tx of ``args``'s type."""
    return signed_tx(key, chain_id, args.TX_TYPE, args.to_args(), nonce, expiry)
