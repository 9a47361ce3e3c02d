"""The field schema of an asset type: a small JSON Schema subset (docs/spec/assets.md).

```
{"type": "object", "properties": {NAME: PROPERTY, ...}, "required": [NAME, ...]}
PROPERTY = {"type": "string", "maxLength": 1..4096, "pattern": REGEX?, "public": BOOL?}
         | {"type": "integer", "minimum": INT?, "maximum": INT?, "public": BOOL?}
         | {"type": "string", "format": "date", "public": BOOL?}
         | {"enum": [TEXT, ...], "public": BOOL?}
```

:func:`parse_schema` checks a definition (``assets.type_define``) and is the
only place on the chain that compiles a pattern (so a pattern that does not
compile is refused); :meth:`FieldSchema.to_cbor` gives the canonical form the
type record stores. The chain checks public fields with
:meth:`FieldSchema.check_public`, which never runs a pattern; the client
checks every field with :meth:`FieldSchema.check_fields`, patterns included.
Pure and deterministic: no floats, no clock, names in sorted order. Errors
name the path and the rule, never a field's value (it may be personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from govchain.contracts.assets.field_rules import (
    MAX_ENUM_VALUES,
    FieldRule,
    check_field_name,
    compile_pattern,
)
from govchain.types.errors import ValidationError

__all__ = ["MAX_FIELDS", "FieldSchema", "parse_schema"]

MAX_FIELDS = 64
_LISTED_CHARS = 200
"""An unknown-field error lists the type's field names when they fit in this many characters."""
_TOP_KEYWORDS = ("type", "properties", "required")
_KEYWORDS = {
    "string": ("type", "maxLength", "pattern", "public"),
    "integer": ("type", "minimum", "maximum", "public"),
    "date": ("type", "format", "public"),
    "enum": ("enum", "public"),
}


@dataclass(frozen=True, slots=True)
class FieldSchema:
    """A parsed field schema: its fields in name order and the names that are required."""

    fields: tuple[FieldRule, ...]
    required: tuple[str, ...] = ()

    def validate(self) -> None:
        """Raise ValidationError naming the first field or name that breaks a rule."""
        if len(self.fields) > MAX_FIELDS:
            raise ValidationError(f"schema.properties: at most {MAX_FIELDS} fields")
        for rule in self.fields:
            rule.validate(f"schema.properties.{rule.name}")
        names = [rule.name for rule in self.fields]
        if names != sorted(set(names)):
            raise ValidationError("schema.properties: names must be distinct and in order")
        for name in self.required:
            if name not in names:
                raise ValidationError(f"schema.required: {name!r} is not a declared property")
        if list(self.required) != sorted(set(self.required)):
            raise ValidationError("schema.required: names must be distinct and in order")

    def to_cbor(self) -> dict[str, object]:
        """The canonical form the type record stores (``public`` always, ``required`` sorted)."""
        return {
            "type": "object",
            "properties": {rule.name: rule.to_cbor() for rule in self.fields},
            "required": list(self.required),
        }

    @classmethod
    def from_cbor(cls, obj: object) -> FieldSchema:
        """A stored schema (checked at definition): parsed again, without compiling patterns."""
        return _parse(obj, compile_patterns=False)

    def rule(self, name: str) -> FieldRule | None:
        """The field called ``name``, or None."""
        for rule in self.fields:
            if rule.name == name:
                return rule
        return None

    def check_public(self, metadata: object) -> None:
        """The chain's check of an asset's public fields (``metadata``); never runs a pattern.

        Every key must be a public field of the schema, every value must pass
        its field's kind and bounds, and every required public field must be
        there. Raises ValidationError (and nothing else) for anything else.
        """
        values = _field_map("metadata", metadata)
        for name in sorted(values):
            rule = self._declared("metadata", name)
            if not rule.public:
                raise ValidationError(f"metadata.{name}: not a public field of the type")
            rule.check_value(f"metadata.{name}", values[name], with_pattern=False)
        public = {rule.name for rule in self.fields if rule.public}
        for name in self.required:
            if name in public and name not in values:
                raise ValidationError(f"metadata.{name}: missing (required)")

    def check_fields(self, fields: object) -> None:
        """The client's check of every field before it encrypts, patterns included.

        Unknown fields are refused, required ones must be there. Raises
        ValidationError naming the field and the rule, never the value.
        """
        values = _field_map("fields", fields)
        for name in sorted(values):
            rule = self._declared("fields", name)
            rule.check_value(f"fields.{name}", values[name], with_pattern=True)
        for name in self.required:
            if name not in values:
                raise ValidationError(f"fields.{name}: missing (required)")

    def public_part(self, fields: Mapping[str, object]) -> dict[str, object]:
        """The public fields of ``fields`` (the asset's ``metadata``), in name order.

        Call it on fields that passed :meth:`check_fields`; other keys are left out.
        """
        public = [rule.name for rule in self.fields if rule.public]  # fields are in name order
        return {name: fields[name] for name in public if name in fields}

    def _declared(self, what: str, name: str) -> FieldRule:
        """The field ``name``; an unknown key is never shown (it may be personal data)."""
        rule = self.rule(name)
        if rule is None:
            names = ", ".join(rule.name for rule in self.fields)
            known = f"its fields: {names}" if len(names) <= _LISTED_CHARS else "see its schema"
            raise ValidationError(f"{what}: a key is not a field of the type ({known})")
        return rule


def _field_map(what: str, obj: object) -> dict[str, object]:
    """``obj`` as a map of at most MAX_FIELDS text keys (keys never shown unless names)."""
    if not isinstance(obj, Mapping):
        raise ValidationError(f"{what}: expected a map")
    if len(obj) > MAX_FIELDS:
        raise ValidationError(f"{what}: more than {MAX_FIELDS} fields")
    if not all(isinstance(key, str) for key in obj):
        raise ValidationError(f"{what}: every key is a field name (text)")
    return dict(obj)


def parse_schema(obj: object) -> FieldSchema:
    """Check a schema definition and parse it; every pattern must compile with Python ``re``.

    Raises ValidationError naming the exact path, e.g.
    ``schema.properties.注册资本.maximum: expected an integer``.
    """
    return _parse(obj, compile_patterns=True)


def _parse(obj: object, *, compile_patterns: bool) -> FieldSchema:
    top = _keyword_map("schema", obj, _TOP_KEYWORDS)
    if top.get("type") != "object":
        raise ValidationError('schema.type: expected "object"')
    properties = top.get("properties")
    if not isinstance(properties, Mapping):
        raise ValidationError("schema.properties: expected a map")
    if len(properties) > MAX_FIELDS:
        raise ValidationError(f"schema.properties: at most {MAX_FIELDS} fields")
    names = [check_field_name("schema.properties", name) for name in properties]
    rules = []
    for name in sorted(names):
        path = f"schema.properties.{name}"
        rule = _parse_property(path, name, properties[name])
        rule.validate(path)
        if compile_patterns and rule.pattern:
            compile_pattern(f"{path}.pattern", rule.pattern)
        rules.append(rule)
    required = top.get("required", [])
    if not isinstance(required, (list, tuple)) or len(required) > MAX_FIELDS:
        raise ValidationError(f"schema.required: expected a list of at most {MAX_FIELDS} names")
    for name in required:
        if not isinstance(name, str) or name not in properties:
            shown = repr(name)[:80] if isinstance(name, str) else type(name).__name__
            raise ValidationError(f"schema.required: {shown} is not a declared property")
    if len(set(required)) != len(required):
        raise ValidationError("schema.required: a name is listed twice")
    schema = FieldSchema(tuple(rules), tuple(sorted(required)))
    schema.validate()
    return schema


def _keyword_map(path: str, obj: object, allowed: tuple[str, ...]) -> Mapping[object, object]:
    """``obj`` as a map whose keys are all among ``allowed``; an unknown keyword is named."""
    if not isinstance(obj, Mapping):
        raise ValidationError(f"{path}: expected a map")
    if not all(isinstance(key, str) for key in obj):
        raise ValidationError(f"{path}: every keyword is text")
    unknown = sorted(str(key) for key in obj if key not in allowed)
    if unknown:
        shown = ", ".join(repr(key[:64]) for key in unknown[:8])
        raise ValidationError(f"{path}: unknown keyword {shown} (allowed: {', '.join(allowed)})")
    return obj


def _kind_of(path: str, obj: Mapping[object, object]) -> str:
    if "enum" in obj:
        if "type" in obj:
            raise ValidationError(f"{path}.type: an enum property has no type")
        return "enum"
    kind = obj.get("type")
    if kind == "integer":
        return "integer"
    if kind != "string":
        raise ValidationError(f'{path}.type: expected "string" or "integer" (or an "enum")')
    if "format" in obj:
        if obj["format"] != "date":
            raise ValidationError(f'{path}.format: expected "date"')
        return "date"
    return "string"


def _parse_property(path: str, name: str, obj: object) -> FieldRule:
    if not isinstance(obj, Mapping):
        raise ValidationError(f"{path}: expected a map")
    kind = _kind_of(path, obj)
    _keyword_map(path, obj, _KEYWORDS[kind])
    public = obj.get("public", False)
    if not isinstance(public, bool):
        raise ValidationError(f"{path}.public: expected true or false")
    if kind == "string":
        if "maxLength" not in obj:
            raise ValidationError(f"{path}.maxLength: missing (a string field needs one)")
        max_length = _integer(f"{path}.maxLength", obj["maxLength"])
        pattern = obj.get("pattern", "")
        if not isinstance(pattern, str) or (pattern == "" and "pattern" in obj):
            raise ValidationError(f"{path}.pattern: expected a non-empty regular expression")
        return FieldRule(name, kind, public, max_length=max_length, pattern=pattern)
    if kind == "integer":
        minimum, maximum = (
            _integer(f"{path}.{keyword}", obj[keyword]) if keyword in obj else None
            for keyword in ("minimum", "maximum")
        )
        return FieldRule(name, kind, public, minimum=minimum, maximum=maximum)
    if kind == "enum":
        values = obj["enum"]
        if not isinstance(values, (list, tuple)) or len(values) > MAX_ENUM_VALUES:
            raise ValidationError(f"{path}.enum: expected a list of 1..{MAX_ENUM_VALUES} values")
        if not all(isinstance(value, str) for value in values):
            raise ValidationError(f"{path}.enum: every value is text")
        return FieldRule(name, kind, public, values=tuple(values))
    return FieldRule(name, kind, public)


def _integer(path: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{path}: expected an integer")
    return value
