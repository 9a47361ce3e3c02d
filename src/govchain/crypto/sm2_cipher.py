"""SM2 ciphertext forms: GM/T 0009 DER and raw C1C3C2.

GM/T 0009 encodes a ciphertext as ``SEQUENCE { x INTEGER, y INTEGER,
hash OCTET STRING (32), ciphertext OCTET STRING }``, where ``(x, y)`` is the
point C1, ``hash`` is C3 = SM3(x2 || M || y2) and ``ciphertext`` is C2. The
raw form that many SDKs use is ``04 || x || y || C3 || C2``.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import core

from govchain.types.errors import DecryptionError

__all__ = ["c1c3c2_to_der", "der_to_c1c3c2"]

_COORDINATE_SIZE = 32
_C1_SIZE = 1 + 2 * _COORDINATE_SIZE
_C3_SIZE = 32
_FIELD_PRIME = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)


class _Sm2Ciphertext(core.Sequence):  # type: ignore[misc]  # asn1crypto has no type hints
    _fields = [  # noqa: RUF012  # asn1crypto mutates this list while it sets the class up
        ("x", core.Integer),
        ("y", core.Integer),
        ("hash", core.OctetString),
        ("ciphertext", core.OctetString),
    ]


def _coordinate(value: int, name: str) -> bytes:
    if not 0 <= value < _FIELD_PRIME:
        raise DecryptionError(f"C1 {name} coordinate is outside the field")
    return value.to_bytes(_COORDINATE_SIZE, "big")


def der_to_c1c3c2(der: bytes) -> bytes:
    """Convert a GM/T 0009 DER ciphertext to raw ``C1 || C3 || C2``."""
    try:
        parsed: Any = _Sm2Ciphertext.load(der, strict=True)
        x: int = parsed["x"].native
        y: int = parsed["y"].native
        c3: bytes = parsed["hash"].native
        c2: bytes = parsed["ciphertext"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise DecryptionError(f"not a GM/T 0009 SM2 ciphertext: {exc}") from exc
    if parsed.dump(force=True) != der:
        raise DecryptionError("SM2 ciphertext DER is not in canonical form")
    if len(c3) != _C3_SIZE or not c2:
        raise DecryptionError("SM2 ciphertext needs a 32-byte C3 and a non-empty C2")
    return b"\x04" + _coordinate(x, "x") + _coordinate(y, "y") + c3 + c2


def c1c3c2_to_der(raw: bytes) -> bytes:
    """Convert raw ``04 || x || y || C3 || C2`` to the GM/T 0009 DER form."""
    if len(raw) <= _C1_SIZE + _C3_SIZE or raw[0] != 0x04:
        raise DecryptionError(
            "raw SM2 ciphertext must start 04 and be longer than "
            f"{_C1_SIZE + _C3_SIZE} bytes, got {len(raw)}"
        )
    x = int.from_bytes(raw[1 : 1 + _COORDINATE_SIZE], "big")
    y = int.from_bytes(raw[1 + _COORDINATE_SIZE : _C1_SIZE], "big")
    _coordinate(x, "x")
    _coordinate(y, "y")
    value = _Sm2Ciphertext(
        {
            "x": x,
            "y": y,
            "hash": raw[_C1_SIZE : _C1_SIZE + _C3_SIZE],
            "ciphertext": raw[_C1_SIZE + _C3_SIZE :],
        }
    )
    return bytes(value.dump())
