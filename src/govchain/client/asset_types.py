"""Asset type files (TOML) and field files (JSON): what ``govchain asset-type define`` and
``govchain asset issue|submit --data`` read (docs/spec/assets.md, "Type files").

A type file has the top-level keys of ``assets.type_define`` and one
``[fields."NAME"]`` table per field::

    code = "11100000MB0143028R001"
    name = "营业执照"
    issuers = ["91370102DEM000019A"]
    modes = ["authority", "window"]
    validity = "long_term"            # or "days:N" or "stated"
    regulator = ""                    # optional: 40 hex digits, or empty (default)
    transfer = "none"                 # optional: none (default), issuer, holders

    [fields."注册资本"]
    kind = "integer"                  # string, integer, date or enum
    minimum = 0
    public = true                     # optional, default false
    required = true                   # optional, default false

:func:`load_type_file` turns it into the args map of ``assets.type_define``
(the schema in its canonical form); every error names the file and the key.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from govchain.codes import CodeError, check_uscc
from govchain.contracts.assets.records import check_type_code
from govchain.contracts.assets.schema import MAX_FIELDS, parse_schema
from govchain.types.errors import ValidationError

__all__ = [
    "FIELD_KEYS",
    "MAX_FIELDS_FILE_BYTES",
    "MAX_ISSUERS",
    "MAX_TYPE_FILE_BYTES",
    "MAX_VALIDITY_DAYS",
    "MODES",
    "TRANSFERS",
    "TYPE_KEYS",
    "load_fields_file",
    "load_type_file",
]

MODES = ("authority", "window", "department", "self")
TRANSFERS = ("none", "issuer", "holders")
TYPE_KEYS = ("code", "name", "issuers", "modes", "validity", "regulator", "transfer", "fields")
_REQUIRED_KEYS = ("code", "name", "issuers", "modes", "validity", "fields")
FIELD_KEYS = {
    "string": ("kind", "max_length", "pattern", "public", "required"),
    "integer": ("kind", "minimum", "maximum", "public", "required"),
    "date": ("kind", "public", "required"),
    "enum": ("kind", "values", "public", "required"),
}
MAX_ISSUERS = 32
MAX_NAME_CHARS = 64
MAX_VALIDITY_DAYS = 36_500
MAX_TYPE_FILE_BYTES = 1024 * 1024
MAX_FIELDS_FILE_BYTES = 2 * 1024 * 1024
ADDRESS_HEX_DIGITS = 40
_SCHEMA_TO_TOML = (
    ("schema.properties.", "fields."),
    ("schema.properties", "fields"),
    ("schema.required", "fields"),
    (".maxLength", ".max_length"),
    (".enum", ".values"),
)
"""How a schema path in a parse_schema error is written in a type file."""


def _read_text(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > limit:
        raise ValidationError(f"{path}: larger than {limit} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{path}: not UTF-8 text") from None


def load_type_file(path: Path) -> dict[str, object]:
    """Read a type file and give the args map of ``assets.type_define``.

    Keys: ``code``, ``name``, ``schema`` (canonical), ``issuers``, ``modes``
    (in the spec's order), ``validity``, ``regulator`` (20 bytes or empty)
    and ``transfer``. Raises ValidationError naming the file and the key.
    """
    text = _read_text(path, MAX_TYPE_FILE_BYTES)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not TOML: {exc}") from None
    try:
        return _type_args(document)
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None


def _type_args(document: dict[str, Any]) -> dict[str, object]:
    unknown = sorted(key for key in document if key not in TYPE_KEYS)
    if unknown:
        raise ValidationError(f"{unknown[0]}: unknown key (allowed: {', '.join(TYPE_KEYS)})")
    for key in _REQUIRED_KEYS:
        if key not in document:
            raise ValidationError(f"{key}: missing (required)")
    code = check_type_code("code", document["code"])
    return {
        "code": code,
        "name": _name(document["name"]),
        "schema": _schema(document["fields"]),
        "issuers": _issuers(document["issuers"]),
        "modes": _modes(document["modes"]),
        "validity": _validity(document["validity"]),
        "regulator": _regulator(document.get("regulator", "")),
        "transfer": _choice("transfer", document.get("transfer", "none"), TRANSFERS),
    }


def _name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME_CHARS:
        raise ValidationError(f"name: expected text of 1..{MAX_NAME_CHARS} characters")
    return value


def _issuers(value: object) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ISSUERS:
        raise ValidationError(f"issuers: expected a list of 1..{MAX_ISSUERS} credit codes")
    for i, code in enumerate(value):
        if not isinstance(code, str):
            raise ValidationError(f"issuers[{i}]: expected a credit code (text)")
        try:
            check_uscc(code)
        except CodeError as exc:
            raise ValidationError(f"issuers[{i}]: {exc}") from None
    if len(set(value)) != len(value):
        raise ValidationError("issuers: a credit code is listed twice")
    return list(value)


def _modes(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValidationError(f"modes: expected a non-empty list of {', '.join(MODES)}")
    for i, mode in enumerate(value):
        _choice(f"modes[{i}]", mode, MODES)
    if len(set(value)) != len(value):
        raise ValidationError("modes: a mode is listed twice")
    return [mode for mode in MODES if mode in value]


def _validity(value: object) -> str:
    if value in ("long_term", "stated"):
        assert isinstance(value, str)
        return value
    digits = value[len("days:") :] if isinstance(value, str) and value[:5] == "days:" else ""
    well_formed = digits and all(c in "0123456789" for c in digits) and digits[0] != "0"
    if well_formed and int(digits) <= MAX_VALIDITY_DAYS:
        assert isinstance(value, str)
        return value
    raise ValidationError(
        f'validity: expected "long_term", "stated" or "days:N" with N in 1..{MAX_VALIDITY_DAYS}'
    )


def _regulator(value: object) -> bytes:
    if value == "":
        return b""
    if isinstance(value, str) and len(value) == ADDRESS_HEX_DIGITS:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    raise ValidationError(
        f"regulator: expected an address ({ADDRESS_HEX_DIGITS} hex digits) or empty"
    )


def _choice(key: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(f"{key}: expected one of {', '.join(allowed)}")
    return value


def _schema(fields: object) -> dict[str, object]:
    """The ``[fields.NAME]`` tables as a field schema, checked and in canonical form."""
    if not isinstance(fields, dict):
        raise ValidationError('fields: expected [fields."NAME"] tables')
    if len(fields) > MAX_FIELDS:
        raise ValidationError(f"fields: at most {MAX_FIELDS} fields")
    properties: dict[str, object] = {}
    required = []
    for name, table in fields.items():
        properties[name] = _property(f"fields.{name}", table)
        if table.get("required", False):
            required.append(name)
    try:
        schema = parse_schema({"type": "object", "properties": properties, "required": required})
    except ValidationError as exc:
        message = str(exc)
        for schema_path, toml_path in _SCHEMA_TO_TOML:
            message = message.replace(schema_path, toml_path)
        raise ValidationError(message) from None
    return schema.to_cbor()


def _property(path: str, table: object) -> dict[str, object]:
    """One ``[fields.NAME]`` table as a schema property (ranges are parse_schema's to check)."""
    if not isinstance(table, dict):
        raise ValidationError(f"{path}: expected a table (kind = ...)")
    if "kind" not in table:
        raise ValidationError(f"{path}.kind: missing (string, integer, date or enum)")
    kind = _choice(f"{path}.kind", table["kind"], tuple(FIELD_KEYS))
    allowed = FIELD_KEYS[kind]
    unknown = sorted(key for key in table if key not in allowed)
    if unknown:
        raise ValidationError(
            f"{path}.{unknown[0]}: not a key of a {kind} field (allowed: {', '.join(allowed)})"
        )
    for flag in ("public", "required"):
        if not isinstance(table.get(flag, False), bool):
            raise ValidationError(f"{path}.{flag}: expected true or false")
    shape: dict[str, object] = {"public": table.get("public", False)}
    if kind == "string":
        if "max_length" not in table:
            raise ValidationError(f"{path}.max_length: missing (a string field needs one)")
        shape.update(type="string", maxLength=table["max_length"])
        if "pattern" in table:
            shape["pattern"] = table["pattern"]
    elif kind == "integer":
        shape["type"] = "integer"
        shape.update({key: table[key] for key in ("minimum", "maximum") if key in table})
    elif kind == "date":
        shape.update(type="string", format="date")
    else:
        if "values" not in table:
            raise ValidationError(f"{path}.values: missing (an enum field needs its values)")
        shape["enum"] = table["values"]
    return shape


def load_fields_file(path: Path) -> dict[str, object]:
    """Read a fields file: one JSON object of field values (checked later by the type's schema).

    A key given twice is refused; errors name the file and the position,
    never a value (a value may be personal data).
    """
    text = _read_text(path, MAX_FIELDS_FILE_BYTES)
    try:
        value = json.loads(text, object_pairs_hook=_without_duplicates)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path}: not JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None
    except _DuplicateKeyError:
        raise ValidationError(f"{path}: a key is given twice") from None
    if not isinstance(value, dict):
        raise ValidationError(f"{path}: expected a JSON object of field values")
    return value


class _DuplicateKeyError(Exception):
    """A JSON object names one key twice (internal: becomes a ValidationError)."""


def _without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKeyError
    return result
