"""The txs of ``contracts``: argument records with ``validate()`` and their builders.

docs/spec/contracts.md, "The lifecycle". A tx carries everything the
handler checks: a submission its module (whole: a tx is at most 64 KiB and
one byte string at most 32 KiB, :data:`MAX_CODE_IN_TX`), a test record the
test network's genesis file and receipt file (each at most 32 KiB).
``contracts.freeze``, ``unfreeze``, ``abolish`` and ``params`` are
governance actions (``actions.py``), not txs of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from govchain.codec import encode
from govchain.contracts.args_records import Check, ParsedArgs
from govchain.contracts.lifecycle.records import (
    CONTRACT_ID_SIZE,
    MAX_VERSIONS,
    METHOD_PATTERN,
    NAME_PATTERN,
    check_abi,
)
from govchain.contracts.signing import signed_tx
from govchain.crypto import SigningKey
from govchain.types import Tx
from govchain.types.errors import ValidationError
from govchain.types.fields import check_bytes, check_hash, check_text, check_uint

__all__ = [
    "CALL_TX_TYPE",
    "DEPLOY_TX_TYPE",
    "LIFECYCLE_TX_TYPES",
    "MAX_CALL_ARGS",
    "MAX_CODE_IN_TX",
    "MAX_TEST_FILE",
    "REVIEW_TX_TYPE",
    "SUBMIT_TX_TYPE",
    "TEST_RECORD_TX_TYPE",
    "UPGRADE_TX_TYPE",
    "CallArgs",
    "DeployArgs",
    "ReviewArgs",
    "SubmitArgs",
    "TestRecordArgs",
    "UpgradeArgs",
    "lifecycle_tx",
]

SUBMIT_TX_TYPE = "contracts.submit"
REVIEW_TX_TYPE = "contracts.review"
TEST_RECORD_TX_TYPE = "contracts.test_record"
DEPLOY_TX_TYPE = "contracts.deploy"
UPGRADE_TX_TYPE = "contracts.upgrade"
CALL_TX_TYPE = "contracts.call"
LIFECYCLE_TX_TYPES = (
    CALL_TX_TYPE,
    DEPLOY_TX_TYPE,
    REVIEW_TX_TYPE,
    SUBMIT_TX_TYPE,
    TEST_RECORD_TX_TYPE,
    UPGRADE_TX_TYPE,
)
MAX_CODE_IN_TX = 32 * 1024
"""The largest module a tx carries (the codec's limit of one byte string in a tx)."""
MAX_TEST_FILE = 32 * 1024
"""The largest genesis file or receipt file a test record carries."""
MAX_CALL_ARGS = 32 * 1024
EMPTY_ARGS = encode({})
"""Canonical CBOR of an empty map: a call without arguments."""


def _contract(what: str, value: object) -> bytes:
    return check_bytes(what, value, size=CONTRACT_ID_SIZE)


def _name(what: str, value: object) -> str:
    return check_text(what, value, max_size=64, pattern=NAME_PATTERN)


def _version(what: str, value: object) -> int:
    if check_uint(what, value, maximum=MAX_VERSIONS) == 0:
        raise ValidationError(f"{what}: versions start at 1")
    assert isinstance(value, int)
    return value


def _code(what: str, value: object) -> bytes:
    code = check_bytes(what, value, max_size=MAX_CODE_IN_TX)
    if not code:
        raise ValidationError(f"{what}: empty")
    return code


def _source_hash(what: str, value: object) -> bytes:
    return check_hash(what, value, allow_empty=True)


def _description(what: str, value: object) -> str:
    return check_text(what, value, max_size=1024)


def _bool(what: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{what}: expected true or false")
    return value


def _comment(what: str, value: object) -> str:
    text = check_text(what, value, max_size=1024)
    if not text.strip():
        raise ValidationError(f"{what}: must not be blank")
    return text


def _test_file(what: str, value: object) -> bytes:
    data = check_bytes(what, value, max_size=MAX_TEST_FILE)
    if not data:
        raise ValidationError(f"{what}: empty")
    return data


def _method(what: str, value: object) -> str:
    method = check_text(what, value, max_size=64, pattern=METHOD_PATTERN)
    if method.startswith("govchain_"):
        raise ValidationError(f"{what}: {method!r} is not a method (govchain_ is reserved)")
    return method


def _call_args(what: str, value: object) -> bytes:
    return check_bytes(what, value, max_size=MAX_CALL_ARGS)


class _LifecycleArgs(ParsedArgs):
    """An argument record whose ``validate()`` runs the checks ``from_args`` runs."""

    __slots__ = ()

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            self.CHECKS[f.name](f"{self.TX_TYPE} {f.name}", value)


_MODULE_CHECKS: dict[str, Check] = {
    "contract": _contract, "name": _name, "version": _version, "code": _code,
    "source_hash": _source_hash, "abi": check_abi, "description": _description,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SubmitArgs(_LifecycleArgs):
    """``contracts.submit``: version 1 of a new contract, into review."""

    TX_TYPE: ClassVar[str] = SUBMIT_TX_TYPE
    CHECKS: ClassVar[dict[str, Check]] = _MODULE_CHECKS
    name: str
    version: int
    code: bytes
    source_hash: bytes = b""
    abi: dict[str, Any] | None = None
    """Descriptions of the module's methods (method -> text); None: none given."""
    description: str = ""


@dataclass(frozen=True, slots=True)
class UpgradeArgs(_LifecycleArgs):
    """``contracts.upgrade``: the next version of a contract, into review."""

    TX_TYPE: ClassVar[str] = UPGRADE_TX_TYPE
    CHECKS: ClassVar[dict[str, Check]] = _MODULE_CHECKS
    contract: bytes
    version: int
    code: bytes
    source_hash: bytes = b""
    abi: dict[str, Any] | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class ReviewArgs(_LifecycleArgs):
    """``contracts.review``: a member's approval or rejection of a version, with a comment."""

    TX_TYPE: ClassVar[str] = REVIEW_TX_TYPE
    CHECKS: ClassVar[dict[str, Check]] = {
        "contract": _contract, "version": _version, "approve": _bool, "comment": _comment,
    }  # fmt: skip
    contract: bytes
    version: int
    approve: bool
    comment: str


@dataclass(frozen=True, slots=True)
class TestRecordArgs(_LifecycleArgs):
    """``contracts.test_record``: the test network's genesis file and receipt file of a call."""

    __test__: ClassVar[bool] = False  # not a pytest test class
    TX_TYPE: ClassVar[str] = TEST_RECORD_TX_TYPE
    CHECKS: ClassVar[dict[str, Check]] = {
        "contract": _contract, "version": _version, "genesis": _test_file, "receipt": _test_file,
    }  # fmt: skip
    contract: bytes
    version: int
    genesis: bytes
    """The test network's genesis file (``genesis.json``), as its bytes."""
    receipt: bytes
    """The receipt file of the test call (``govchain ledger receipt``, ``GET /v1/txs/{hash}``)."""


@dataclass(frozen=True, slots=True)
class DeployArgs(_LifecycleArgs):
    """``contracts.deploy``: the latest approved version becomes the active one."""

    TX_TYPE: ClassVar[str] = DEPLOY_TX_TYPE
    CHECKS: ClassVar[dict[str, Check]] = {"contract": _contract}
    contract: bytes


@dataclass(frozen=True, slots=True)
class CallArgs(_LifecycleArgs):
    """``contracts.call``: run a method of the active version with canonical CBOR arguments."""

    TX_TYPE: ClassVar[str] = CALL_TX_TYPE
    CHECKS: ClassVar[dict[str, Check]] = {
        "contract": _contract, "method": _method, "args": _call_args,
    }  # fmt: skip
    contract: bytes
    method: str
    args: bytes = EMPTY_ARGS


LifecycleArgs = SubmitArgs | UpgradeArgs | ReviewArgs | TestRecordArgs | DeployArgs | CallArgs


def lifecycle_tx(
    key: SigningKey, chain_id: str, args: LifecycleArgs, nonce: bytes, expiry: int
) -> Tx:
    """The signed tx of ``args`` (its type is the record's), sent by ``key``.

    ``nonce`` is fresh random bytes (8-32); ``expiry`` the last height at
    which the tx may be committed. Raises ValidationError for a bad argument
    or a field that breaks the tx rules, before signing.
    """
    args.validate()
    return signed_tx(key, chain_id, args.TX_TYPE, args.to_args(), nonce, expiry)
