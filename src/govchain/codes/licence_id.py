"""GB/T 36904-2018 电子证照标识: the identifier of an e-licence.

``1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>``:

- ``1.2.156.3005.2``: the root every e-licence identifier starts with;
- type code (证照类型代码), 21 characters: the credit code of the department
  that defines the licence type, then 3 digits (营业执照 is
  ``11100000MB0143028R001``);
- issuer code (证照颁发机构代码): the issuing body's 18-character credit code;
- serial (顺序号): the issuer's number for the licence. The standard leaves its
  form to the issuer; GovChain accepts 1 to 32 digits (``SERIAL_LENGTH_MAX``),
  which covers the date-and-counter serials issuers publish and keeps every
  identifier under ``LICENCE_ID_LENGTH_MAX`` characters;
- version, 3 digits (``001`` for the first issue);
- check character, ``0-9A-Z``: ISO/IEC 7064 MOD 37,36 over the type code,
  issuer code, serial and version written together without the dots.

Both credit codes are checked in full (GB 32100 and the embedded GB 11714
code). Licence identifiers are public and may appear in messages, but the
messages here name a check and a position only, like every code check.
"""

from __future__ import annotations

from dataclasses import dataclass

from govchain.codes.errors import CodeError, CodeKind
from govchain.codes.iso7064 import ALPHANUMERIC, DIGITS, mod37_36_check_character
from govchain.codes.uscc import USCC_LENGTH, check_uscc

__all__ = [
    "LICENCE_ID_LENGTH_MAX",
    "LICENCE_ROOT",
    "SERIAL_LENGTH_MAX",
    "LicenceId",
    "build_licence_id",
    "check_licence_id",
    "licence_check_character",
    "parse_licence_id",
]

LICENCE_ROOT = "1.2.156.3005.2"
TYPE_CODE_LENGTH = USCC_LENGTH + 3
SERIAL_LENGTH_MAX = 32
VERSION_LENGTH = 3
LICENCE_ID_LENGTH_MAX = (
    len(LICENCE_ROOT) + TYPE_CODE_LENGTH + USCC_LENGTH + SERIAL_LENGTH_MAX + VERSION_LENGTH + 1 + 5
)
"""The longest identifier: the root, the five fields and their five dots."""


@dataclass(frozen=True)
class LicenceId:
    """An e-licence identifier split into its fields (build with :func:`build_licence_id`)."""

    type_code: str
    issuer_code: str
    serial: str
    version: str
    check_character: str

    @property
    def text(self) -> str:
        """The dotted identifier."""
        fields = (self.type_code, self.issuer_code, self.serial, self.version)
        return ".".join((LICENCE_ROOT, *fields, self.check_character))

    def validate(self) -> None:
        """Raise :class:`CodeError` naming the first check the identifier fails."""
        check_licence_id(self.text)


def _fail(check: str, message: str, position: int | None = None) -> CodeError:
    return CodeError(CodeKind.LICENCE, check, f"licence identifier: {message}", position)


def _field_starts(fields: tuple[str, ...]) -> list[int]:
    """1-based position of each field in the dotted identifier."""
    starts: list[int] = []
    position = len(LICENCE_ROOT) + 2
    for field in fields:
        starts.append(position)
        position += len(field) + 1
    return starts


def _check_credit_code(check: str, what: str, code: str, start: int) -> None:
    try:
        check_uscc(code)
    except CodeError as exc:
        inner = exc.check.replace("_", " ")
        raise _fail(
            check, f"the {what} (from character {start}) fails the credit-code {inner} check", start
        ) from None


def _check_fields(type_code: str, issuer_code: str, serial: str, version: str) -> None:
    starts = _field_starts((type_code, issuer_code, serial, version))
    if len(type_code) != TYPE_CODE_LENGTH or any(c not in DIGITS for c in type_code[USCC_LENGTH:]):
        raise _fail(
            "type_code",
            f"the type code (from character {starts[0]}) is not a credit code and 3 digits",
            starts[0],
        )
    _check_credit_code("type_code", "type code's department", type_code[:USCC_LENGTH], starts[0])
    _check_credit_code("issuer_code", "issuer code", issuer_code, starts[1])
    if not 1 <= len(serial) <= SERIAL_LENGTH_MAX or any(c not in DIGITS for c in serial):
        raise _fail(
            "serial",
            f"the serial (from character {starts[2]}) is not 1 to {SERIAL_LENGTH_MAX} digits",
            starts[2],
        )
    if len(version) != VERSION_LENGTH or any(c not in DIGITS for c in version):
        raise _fail(
            "version", f"the version (from character {starts[3]}) is not 3 digits", starts[3]
        )


def licence_check_character(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    """The MOD 37,36 check character of the four fields, after checking each of them."""
    _check_fields(type_code, issuer_code, serial, version)
    return mod37_36_check_character(type_code + issuer_code + serial + version)


def build_licence_id(type_code: str, issuer_code: str, serial: str, version: str) -> LicenceId:
    """An identifier from its fields, with the check character computed.

    Raises :class:`CodeError` (``type_code``, ``issuer_code``, ``serial`` or
    ``version``) when a field breaks its rule.
    """
    check = licence_check_character(type_code, issuer_code, serial, version)
    return LicenceId(type_code, issuer_code, serial, version, check)


def parse_licence_id(text: str) -> LicenceId:
    """Check a dotted identifier and split it into its fields.

    The checks, in order: ``length`` (at most ``LICENCE_ID_LENGTH_MAX``),
    ``prefix`` (the root ``1.2.156.3005.2.``), ``structure`` (five fields
    after the root), ``type_code``, ``issuer_code``, ``serial``, ``version``,
    ``check_character``.
    """
    if not 0 < len(text) <= LICENCE_ID_LENGTH_MAX:
        raise _fail("length", f"has {len(text)} characters, not 1 to {LICENCE_ID_LENGTH_MAX}")
    if not text.startswith(LICENCE_ROOT + "."):
        raise _fail("prefix", f"does not start with the root {LICENCE_ROOT}.", 1)
    fields = text[len(LICENCE_ROOT) + 1 :].split(".")
    if len(fields) != 5:
        raise _fail("structure", f"has {len(fields)} dot-separated fields after the root, not 5")
    type_code, issuer_code, serial, version, check = fields
    expected = licence_check_character(type_code, issuer_code, serial, version)
    if check != expected:
        position = len(text) - len(check) + 1
        if len(check) != 1 or check not in ALPHANUMERIC:
            reason = "is not one character of 0-9A-Z"
        else:
            reason = "is not the MOD 37,36 check character"
        raise _fail("check_character", f"the check (character {position}) {reason}", position)
    return LicenceId(type_code, issuer_code, serial, version, check)


def check_licence_id(text: str) -> None:
    """Raise :class:`CodeError` naming the first GB/T 36904 check ``text`` fails."""
    parse_licence_id(text)
