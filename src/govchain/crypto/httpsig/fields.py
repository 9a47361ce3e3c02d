"""RFC 9421 mechanics: component values, the signature base, and the two signature fields.

Nothing here knows GovChain's profile (which components, which parameters,
which algorithm): :mod:`govchain.crypto.httpsig.profile` decides that. This
module only turns a request and a list of covered components into the
signature base (RFC 9421 section 2.5), and reads and writes the
``Signature-Input`` and ``Signature`` fields, which are RFC 8941 structured
field dictionaries (parsed and serialized by ``http-sf``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from http_sf import InnerListType, ItemType, StructuredFieldError, parse, ser
from http_sf.types import ParamsType

from govchain.types.errors import CryptoError

__all__ = [
    "FIELD_BYTES_MAX",
    "SIGNATURES_MAX",
    "ParamValue",
    "ReceivedSignature",
    "RequestSignatureError",
    "RequestView",
    "SignatureMalformedError",
    "parse_dictionary",
    "received_signatures",
    "signature_base",
    "signature_input_member",
]

FIELD_BYTES_MAX = 4096
"""The largest ``Signature-Input``, ``Signature`` or ``Content-Digest`` field read."""
SIGNATURES_MAX = 8
"""The most signatures (labels) one request may carry."""

ParamValue = int | str | bytes | bool
"""A signature parameter's value, as far as this profile reads them."""


class RequestSignatureError(CryptoError):
    """A request's HTTP message signature is missing or refused; ``code`` says why."""

    code = "signature_invalid"


class SignatureMalformedError(RequestSignatureError):
    """``Signature-Input``, ``Signature`` or a covered field is not what RFC 9421 asks for."""

    code = "signature_malformed"


@dataclass(frozen=True, slots=True)
class RequestView:
    """What a signature can cover of one request, as the signer and the verifier each see it.

    ``authority`` is the Host header (lowercase host, and the port unless it is the
    scheme's default); ``path`` and ``query`` are as sent, percent-encoded, the
    query without its ``?``. ``fields`` are header fields by lowercase name; a
    name may repeat (several field lines).
    """

    method: str
    authority: str
    path: str
    query: str
    fields: tuple[tuple[str, str], ...] = ()

    def validate(self) -> None:
        """SignatureMalformedError naming the first part that cannot be signed."""
        if not self.method or not self.method.isascii() or not self.method.isalpha():
            raise SignatureMalformedError(f"the method {self.method!r} is not an HTTP method")
        if not self.authority or _has_control(self.authority) or " " in self.authority:
            raise SignatureMalformedError("the request has no usable Host (authority)")
        if not self.path.startswith("/") or _has_control(self.path) or " " in self.path:
            raise SignatureMalformedError("the request path must be absolute and percent-encoded")
        if _has_control(self.query) or " " in self.query:
            raise SignatureMalformedError("the query must be percent-encoded")

    def component(self, identifier: str) -> str:
        """The value of one covered component (RFC 9421 section 2.1 and 2.2)."""
        derived = {
            "@method": self.method,
            "@authority": self.authority.lower(),
            "@path": self.path or "/",
            "@query": "?" + self.query,
        }
        if identifier.startswith("@"):
            if identifier not in derived:
                raise SignatureMalformedError(f"the component {identifier!r} is not supported")
            return derived[identifier]
        values = [value.strip(" \t") for name, value in self.fields if name == identifier]
        if not values:
            raise SignatureMalformedError(f"the covered field {identifier!r} is not in the request")
        joined = ", ".join(values)
        if _has_control(joined):
            raise SignatureMalformedError(f"the field {identifier!r} holds control characters")
        return joined


def _has_control(text: str) -> bool:
    return any(ord(char) < 0x20 or ord(char) == 0x7F for char in text)


def signature_input_member(components: Sequence[str], params: dict[str, ParamValue]) -> str:
    """The serialized inner list of one signature: ``("@method" ...);created=...;...``.

    It is both the member value in ``Signature-Input`` and the value of the
    ``@signature-params`` line that ends the signature base.
    """
    items: list[ItemType] = [*components]
    sf_params: ParamsType = dict(params)
    inner: InnerListType = (items, sf_params)
    return ser([inner])


def signature_base(request: RequestView, components: Sequence[str], params_value: str) -> bytes:
    """The signature base (RFC 9421 section 2.5) of ``request`` for these covered components.

    One line ``"<component>": <value>`` per component, in the given order,
    then ``"@signature-params": <params_value>``, joined by LF with no final LF.
    SignatureMalformedError if a component repeats, is unknown or is missing.
    """
    if len(set(components)) != len(components):
        raise SignatureMalformedError("a covered component is listed twice")
    lines = [f'"{name}": {request.component(name)}' for name in components]
    lines.append(f'"@signature-params": {params_value}')
    try:
        return "\n".join(lines).encode("ascii")
    except UnicodeEncodeError as exc:
        raise SignatureMalformedError("a covered component is not ASCII") from exc


@dataclass(frozen=True, slots=True)
class ReceivedSignature:
    """One signature of a request, as read from ``Signature-Input`` and ``Signature``.

    ``params_value`` is the re-serialized member of ``Signature-Input``: the
    ``@signature-params`` value the verifier puts in the signature base.
    """

    label: str
    components: tuple[str, ...]
    params: tuple[tuple[str, ParamValue], ...]
    params_value: str
    signature: bytes

    def param(self, name: str) -> ParamValue | None:
        """The value of a signature parameter, None when absent."""
        return next((value for key, value in self.params if key == name), None)


def parse_dictionary(field: str, what: str) -> Mapping[str, object]:
    """A structured field dictionary; SignatureMalformedError if too long, not one, or if a
    key repeats (RFC 8941 would keep the last; a signature is refused instead)."""
    if len(field) > FIELD_BYTES_MAX:
        raise SignatureMalformedError(f"{what} is over {FIELD_BYTES_MAX} bytes")
    try:
        data = field.encode("ascii")
    except UnicodeEncodeError as exc:
        raise SignatureMalformedError(f"{what} is not ASCII") from exc

    def refuse_duplicate(key: str, context: str) -> None:
        raise SignatureMalformedError(f"{what} repeats the key {key!r} ({context})")

    try:
        value = parse(data, tltype="dictionary", on_duplicate_key=refuse_duplicate)
    except StructuredFieldError as exc:
        raise SignatureMalformedError(f"{what} is not a structured field dictionary") from exc
    assert isinstance(value, dict)
    return value


def received_signatures(signature_input: str, signature: str) -> list[ReceivedSignature]:
    """Every signature of a request: the members of ``Signature-Input``, each with its bytes
    from the ``Signature`` member of the same label.

    SignatureMalformedError when a field is not a dictionary, a member is not
    an inner list of plain component names with bare parameters, a label has no
    signature, or there are more than :data:`SIGNATURES_MAX`.
    """
    inputs = parse_dictionary(signature_input, "Signature-Input")
    values = parse_dictionary(signature, "Signature")
    if not inputs:
        raise SignatureMalformedError("Signature-Input has no signature")
    if len(inputs) > SIGNATURES_MAX:
        raise SignatureMalformedError(f"more than {SIGNATURES_MAX} signatures")
    return [_received(label, member, values.get(label)) for label, member in inputs.items()]


def _received(label: str, member: object, value: object) -> ReceivedSignature:
    where = f"Signature-Input {label!r}"
    if not (isinstance(member, tuple) and len(member) == 2 and isinstance(member[0], list)):
        raise SignatureMalformedError(f"{where} is not an inner list of components")
    items, params = member
    components: list[str] = []
    for item in items:
        name, item_params = item if isinstance(item, tuple) else (item, {})
        if type(name) is not str or item_params or not name or name != name.lower():
            raise SignatureMalformedError(
                f"{where}: components must be lowercase strings without parameters"
            )
        components.append(name)
    checked: list[tuple[str, ParamValue]] = []
    for key, param in params.items():
        if type(param) not in (int, str, bytes, bool):
            raise SignatureMalformedError(f"{where}: the parameter {key!r} has an unusable type")
        checked.append((key, param))
    signature, signature_params = value if isinstance(value, tuple) else (value, {})
    if type(signature) is not bytes or signature_params:
        raise SignatureMalformedError(f"Signature has no byte sequence for the label {label!r}")
    return ReceivedSignature(
        label=label,
        components=tuple(components),
        params=tuple(checked),
        params_value=signature_input_member(components, dict(checked)),
        signature=signature,
    )
