"""The JSON a demo department system takes and gives (workflow.md, "Department systems (demo)").

``POST /v1/cases`` carries ``{case, step, matter, applicant, form, materials}``
and optionally ``attempt`` (the step's attempt, default 1) and ``callback``
(a URL: answer later by POSTing there). Keys the protocol does not name are
ignored, as a department system ignores what it does not use. Everything
else is checked here, with limits, before the department looks at it; a
problem is a :class:`DemoRequestError` whose ``code`` the server puts in its
``{"error": {"code", "message"}}`` answer and whose message names the key,
never a value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar
from urllib.parse import urlsplit

from govchain.types.errors import ValidationError

__all__ = [
    "MAX_BODY_BYTES",
    "CaseRequest",
    "DemoRequestError",
    "decode_json_body",
    "parse_case_request",
]

MAX_BODY_BYTES = 1 << 20
"""The largest request body (1 MiB): the form is public fields and the materials are ids."""

_MAX_FORM_FIELDS = 64
_MAX_FIELD_NAME = 64
_MAX_TEXT = 4096
_MAX_MATERIALS = 64
_MAX_ATTEMPT = 1000
_MAX_URL = 2048
_MAX_INT = 2**63 - 1
_CASE = re.compile(r"[0-9A-Za-z._-]{1,128}")
_STEP = re.compile(r"[a-z0-9_]{1,32}")
_MATTER = re.compile(r"[0-9A-Za-z._-]{1,64}")
_APPLICANT = re.compile(r"[0-9A-Za-z._:-]{1,128}")
_CONTENT_ID = re.compile(r"[0-9A-Za-z._:-]{1,128}")
_T = TypeVar("_T")


class DemoRequestError(ValidationError):
    """A request the department system cannot read; ``code`` is the API error code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class CaseRequest:
    """One step of one case, sent to the department for its decision."""

    case: str
    step: str
    matter: str
    applicant: str
    form: Mapping[str, object]
    materials: tuple[str, ...]
    attempt: int = 1
    callback: str | None = None

    def validate(self) -> None:
        """Raise :class:`DemoRequestError` (``invalid_request``) naming the first bad key."""
        for key, pattern in (
            ("case", _CASE),
            ("step", _STEP),
            ("matter", _MATTER),
            ("applicant", _APPLICANT),
        ):
            if pattern.fullmatch(getattr(self, key)) is None:
                raise _invalid(f"{key}: expected {pattern.pattern}")
        _check_form(self.form)
        if len(self.materials) > _MAX_MATERIALS:
            raise _invalid(f"materials: at most {_MAX_MATERIALS} content ids")
        for index, material in enumerate(self.materials):
            if _CONTENT_ID.fullmatch(material) is None:
                raise _invalid(f"materials[{index}]: expected a content id")
        if not 1 <= self.attempt <= _MAX_ATTEMPT:
            raise _invalid(f"attempt: expected an integer from 1 to {_MAX_ATTEMPT}")
        if self.callback is not None:
            _check_callback(self.callback)

    @property
    def key(self) -> tuple[str, str, int]:
        """What makes two requests the same for idempotence: (case, step, attempt)."""
        return (self.case, self.step, self.attempt)


def decode_json_body(body: bytes) -> object:
    """The JSON value of a request body; ``bad_json`` for bytes that are not strict JSON.

    Strict means UTF-8, no duplicate keys, no NaN or infinities, no fractions
    (a form's numbers are integers) and integers that fit in 64 bits.
    """
    try:
        text = body.decode("utf-8")
        return json.loads(
            text,
            object_pairs_hook=_without_duplicates,
            parse_float=_no_fraction,
            parse_constant=_no_constant,
        )
    except UnicodeDecodeError:
        raise DemoRequestError("bad_json", "the body is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise DemoRequestError(
            "bad_json", f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise DemoRequestError("bad_json", "the body nests too deeply") from None


def parse_case_request(obj: object) -> CaseRequest:
    """A checked :class:`CaseRequest` from the decoded body; :class:`DemoRequestError` if not."""
    if not isinstance(obj, dict):
        raise _invalid("the body must be a JSON object")
    values: dict[str, object] = {}
    for key in ("case", "step", "matter", "applicant"):
        values[key] = _required(obj, key, str)
    form = _required(obj, "form", dict)
    materials = _required(obj, "materials", list)
    if not all(isinstance(m, str) for m in materials):
        raise _invalid("materials: expected a list of content ids")
    attempt = obj.get("attempt", 1)
    if not isinstance(attempt, int) or isinstance(attempt, bool):
        raise _invalid("attempt: expected an integer")
    callback = obj.get("callback")
    if callback is not None and not isinstance(callback, str):
        raise _invalid("callback: expected a URL")
    request = CaseRequest(
        case=str(values["case"]),
        step=str(values["step"]),
        matter=str(values["matter"]),
        applicant=str(values["applicant"]),
        form=MappingProxyType(dict(form)),
        materials=tuple(materials),
        attempt=attempt,
        callback=callback,
    )
    request.validate()
    return request


def _required(obj: dict[str, object], key: str, kind: type[_T]) -> _T:
    if key not in obj:
        raise _invalid(f"{key} is missing")
    value = obj[key]
    if not isinstance(value, kind):
        raise _invalid(f"{key}: expected {_KIND_NAMES[kind]}")
    return value


_KIND_NAMES: dict[type, str] = {str: "a string", dict: "an object", list: "a list"}


def _check_form(form: Mapping[str, object]) -> None:
    if len(form) > _MAX_FORM_FIELDS:
        raise _invalid(f"form: at most {_MAX_FORM_FIELDS} fields")
    for name, value in form.items():
        if not name or len(name) > _MAX_FIELD_NAME:
            raise _invalid(f"form: a field name is 1 to {_MAX_FIELD_NAME} characters")
        if isinstance(value, str):
            if len(value) > _MAX_TEXT:
                raise _invalid(f"form field {name}: at most {_MAX_TEXT} characters")
        elif isinstance(value, bool | int):
            if not -_MAX_INT - 1 <= value <= _MAX_INT:
                raise _invalid(f"form field {name}: an integer fits in 64 bits")
        else:
            raise _invalid(f"form field {name}: expected text, an integer or a boolean")


def _check_callback(url: str) -> None:
    if len(url) > _MAX_URL:
        raise _invalid(f"callback: at most {_MAX_URL} characters")
    try:
        parts = urlsplit(url)
        _port = parts.port  # reading it checks it
    except ValueError:
        raise _invalid("callback: not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("callback: expected an http:// or https:// URL with a host")


def _invalid(message: str) -> DemoRequestError:
    return DemoRequestError("invalid_request", message)


def _without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise DemoRequestError("bad_json", f"the key {key!r} appears twice")
        result[key] = value
    return result


def _no_fraction(_text: str) -> object:
    raise DemoRequestError("bad_json", "numbers are integers (no fractions or exponents)")


def _no_constant(_text: str) -> object:
    raise DemoRequestError("bad_json", "NaN and infinities are not JSON numbers")
