"""Account certificates on chain (F-B5): records, ``registry.cert_register``, the sender check.

docs/spec/registry.md, "Certificates". An account certificate, issued by a
CA certificate of its member, is registered under its id (the suite hash of
its DER) and lets the account of its public key sign txs as ``sender_kind``
``cert``. Everything here is deterministic: "now" is the block's BFT time
(milliseconds), never the wall clock.
::
    registry/cert/<id 32B>     certificate record     registry/certs/n, /<i 4B> -> id
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from asn1crypto import x509

from govchain.contracts.registry.records import (
    CODE_PATTERN,
    MAX_REASON,
    StoredRecord,
    decode_stored,
)
from govchain.contracts.registry.state import (
    REGISTRY_KEY_PREFIX,
    ListKeys,
    append_to_list,
    read_account,
    read_member,
)
from govchain.contracts.signing import signed_tx
from govchain.crypto import CryptoSuite, SigningKey
from govchain.crypto.certs import CertificateInfo, certificate_info
from govchain.crypto.certverify import verify_certificate
from govchain.execution.registry import ContractError, Handler, ReadState, TxContext
from govchain.ledger import records
from govchain.types import Tx
from govchain.types.errors import CertificateError, CryptoError, ValidationError
from govchain.types.fields import check_bytes, check_text, check_uint
from govchain.types.network_registry import MAX_CA_CERT_BYTES, MAX_PUBLIC_KEY
from govchain.types.validators import ADDRESS_SIZE

__all__ = [
    "CERTIFICATE_FAILURES",
    "CERTS",
    "CERT_ID_SIZE",
    "CERT_REGISTER_TX_TYPE",
    "CERT_STATUSES",
    "CertRecord",
    "cert_id",
    "cert_key",
    "cert_refusal",
    "cert_register_handler",
    "cert_register_tx",
    "cert_sender_tx",
    "datetime_of",
    "load_certificate",
    "millis_of",
    "read_cert",
]

CERT_REGISTER_TX_TYPE = "registry.cert_register"
CERT_STATUSES = ("active", "revoked")
CERT_ID_SIZE = 32
MAX_CERT_BYTES = MAX_CA_CERT_BYTES
MAX_COMMON_NAME = 128
ACCOUNT_CERT_ROLES = ("admin", "user")
"""Certificate roles that may sign txs: not a CA, not a node's transport certificate."""
CERTS = ListKeys(REGISTRY_KEY_PREFIX + b"certs/")
CERTIFICATE_FAILURES = (CryptoError, ValueError, TypeError, KeyError)
"""What reading or checking an untrusted certificate may raise (a key the suite refuses, too)."""
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MILLISECOND = dt.timedelta(milliseconds=1)


def cert_key(cert_id_: bytes) -> bytes:
    """State key of a certificate record."""
    return REGISTRY_KEY_PREFIX + b"cert/" + cert_id_


def cert_id(suite: CryptoSuite, der: bytes) -> bytes:
    """A certificate's id: the suite hash of its DER (the ``sender`` of a ``cert`` tx)."""
    return suite.hash(der)


def millis_of(moment: dt.datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime (integer arithmetic)."""
    return (moment - _EPOCH) // _MILLISECOND


def datetime_of(millis: int) -> dt.datetime:
    """The UTC datetime of a time in milliseconds since the Unix epoch."""
    return _EPOCH + dt.timedelta(milliseconds=millis)


def _time_text(millis: int) -> str:
    return f"{datetime_of(millis):%Y-%m-%d %H:%M:%S}Z"


def load_certificate(der: bytes) -> x509.Certificate:
    """Parse a DER certificate strictly; CertificateError if malformed."""
    try:
        cert = x509.Certificate.load(der, strict=True)
        cert.native  # noqa: B018 - parse every field now, not lazily later
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateError(f"malformed certificate: {exc}") from exc
    return cert


@dataclass(frozen=True, slots=True)
class CertRecord(StoredRecord):
    """A registered account certificate (docs/spec/registry.md, "Certificates")."""

    id: bytes
    der: bytes
    org: str
    ca: bytes
    address: bytes
    public_key: bytes
    common_name: str
    not_before: int
    not_after: int
    status: str
    height: int
    revoked_height: int = 0
    reason: str = ""

    _FIELDS = (
        "id",
        "der",
        "org",
        "ca",
        "address",
        "public_key",
        "common_name",
        "not_before",
        "not_after",
        "status",
        "height",
        "revoked_height",
        "reason",
    )

    def validate(self) -> None:
        """Raise ValidationError naming the first field that breaks its rule."""
        check_bytes("cert.id", self.id, size=CERT_ID_SIZE)
        if not check_bytes("cert.der", self.der, max_size=MAX_CERT_BYTES):
            raise ValidationError("cert.der: empty")
        check_text("cert.org", self.org, max_size=18, pattern=CODE_PATTERN)
        check_bytes("cert.ca", self.ca, size=CERT_ID_SIZE)
        check_bytes("cert.address", self.address, size=ADDRESS_SIZE)
        if not check_bytes("cert.public_key", self.public_key, max_size=MAX_PUBLIC_KEY):
            raise ValidationError("cert.public_key: empty")
        check_text("cert.common_name", self.common_name, max_size=MAX_COMMON_NAME)
        check_uint("cert.not_before", self.not_before)
        if check_uint("cert.not_after", self.not_after) < self.not_before:
            raise ValidationError("cert.not_after: before not_before")
        if self.status not in CERT_STATUSES:
            raise ValidationError(f"cert.status: expected one of {CERT_STATUSES}")
        check_uint("cert.height", self.height)
        check_uint("cert.revoked_height", self.revoked_height)
        if (self.status == "revoked") != (self.revoked_height > 0):
            raise ValidationError("cert.revoked_height: set exactly when the status is revoked")
        check_text("cert.reason", self.reason, max_size=MAX_REASON)

    def to_cbor(self) -> dict[str, object]:
        """The stored map."""
        return {name: getattr(self, name) for name in self._FIELDS}

    @classmethod
    def from_stored(cls, raw: bytes) -> CertRecord:
        """Decode and check a stored certificate; ValidationError if malformed."""
        return decode_stored(raw, "certificate record", lambda data: cls(**data), cls._FIELDS)


def read_cert(read: ReadState, cert_id_: bytes) -> CertRecord | None:
    """The certificate record of ``cert_id_``, or None."""
    raw = read(cert_key(cert_id_))
    return None if raw is None else CertRecord.from_stored(raw)


def cert_refusal(suite: CryptoSuite, read: ReadState, cert: CertRecord, time: int) -> str | None:
    """Why ``cert`` may not sign a tx at BFT time ``time`` (ms), or None.

    Reads the member: it must be active and still list the issuing CA.
    """
    who = f"certificate {cert.id.hex()}"
    if cert.status != "active":
        return f"{who} was revoked at height {cert.revoked_height}: {cert.reason}"
    if time < cert.not_before:
        return f"{who} is not valid before {_time_text(cert.not_before)}"
    if time > cert.not_after:
        return f"{who} expired at {_time_text(cert.not_after)}"
    member = read_member(read, cert.org)
    if member is None or member.status != "active":
        status = "not registered" if member is None else member.status
        return f"member {cert.org} of {who} is {status}"
    if all(suite.hash(ca) != cert.ca for ca in member.ca_certs):
        return f"the CA that issued {who} is no longer a CA of member {cert.org}"
    return None


@dataclass(frozen=True, slots=True)
class CertRegisterArgs:
    """Register an account certificate of the sender's member."""

    der: bytes

    def to_args(self) -> dict[str, object]:
        """The tx's args map."""
        return {"der": self.der}

    @classmethod
    def from_args(cls, raw: Mapping[str, object]) -> CertRegisterArgs:
        """Parse strictly; ContractError names what is wrong."""
        fail = f"{CERT_REGISTER_TX_TYPE}: "
        unknown = sorted(set(raw) - {"der"})
        if unknown:
            raise ContractError(fail + f"unknown argument(s) {', '.join(unknown)} (takes der)")
        der = raw.get("der")
        if not isinstance(der, bytes) or not 0 < len(der) <= MAX_CERT_BYTES:
            raise ContractError(
                fail + f"argument 'der': expected a DER certificate of at most {MAX_CERT_BYTES} B"
            )
        return cls(der)


def _issuer(
    suite: CryptoSuite, cert: x509.Certificate, ca_certs: tuple[bytes, ...], now: dt.datetime
) -> tuple[bytes, CertificateInfo, CertificateInfo]:
    """The id of the member CA that issued ``cert``, the CA's info, and the certificate's.

    ContractError naming why no CA of the member verifies it at ``now``.
    """
    reasons = []
    for ca_der in ca_certs:
        try:
            ca = load_certificate(ca_der)
        except CERTIFICATE_FAILURES:
            continue  # a CA certificate that does not parse issued nothing
        if ca.subject.dump() != cert.issuer.dump():
            continue
        try:
            info = verify_certificate(cert, ca, now)
            ca_info = certificate_info(ca)
        except CERTIFICATE_FAILURES as exc:
            reasons.append(str(exc) or type(exc).__name__)
            continue
        return suite.hash(ca_der), ca_info, info
    if not reasons:
        raise ContractError(f"{CERT_REGISTER_TX_TYPE}: no CA of the member issued it")
    raise ContractError(f"{CERT_REGISTER_TX_TYPE}: {'; '.join(reasons)}"[:1024])


def cert_register_handler(suite: CryptoSuite) -> Handler:
    """The handler of ``registry.cert_register``."""

    def handle(ctx: TxContext, tx: Tx) -> None:
        args = CertRegisterArgs.from_args(tx.args)
        fail = f"{CERT_REGISTER_TX_TYPE}: "
        sender = records.address_of(suite, tx.sender)
        account = read_account(ctx.get, sender)
        member = None if account is None or not account.org else read_member(ctx.get, account.org)
        if member is None or sender not in member.admins or member.status != "active":
            raise ContractError(fail + "the sender is not an admin of an active member")
        id_ = cert_id(suite, args.der)
        if read_cert(ctx.get, id_) is not None:
            raise ContractError(fail + f"certificate {id_.hex()} is already registered")
        try:
            cert = load_certificate(args.der)
        except CertificateError as exc:
            raise ContractError(fail + str(exc)) from exc
        ca_id, ca_info, info = _issuer(suite, cert, member.ca_certs, datetime_of(ctx.time))
        if info.suite != suite.name:
            raise ContractError(fail + f"a {info.suite} certificate on a {suite.name} chain")
        if info.role not in ACCOUNT_CERT_ROLES:
            raise ContractError(fail + f"role {info.role!r} may not sign txs (user or admin)")
        if info.not_after > ca_info.not_after:
            limit = f"{ca_info.not_after:%Y-%m-%d %H:%M:%S}Z"
            raise ContractError(fail + f"it outlives its CA (the CA is valid until {limit})")
        address = records.address_of(suite, info.public_key)
        holder = read_account(ctx.get, address)
        if holder is None or holder.org != member.code or holder.status == "closed":
            raise ContractError(
                fail + f"account {address.hex()} of its key is not an open account of member "
                f"{member.code} (register it with registry.account_add first)"
            )
        record = CertRecord(
            id_,
            args.der,
            member.code,
            ca_id,
            address,
            info.public_key,
            info.common_name[:MAX_COMMON_NAME],
            millis_of(info.not_before),
            millis_of(info.not_after),
            "active",
            ctx.height,
        )
        record.validate()
        ctx.put(cert_key(id_), record.encode())
        append_to_list(ctx.get, ctx.put, CERTS, id_)
        ctx.emit("registry.cert_registered", id=id_, org=member.code, address=address)

    return handle


def cert_register_tx(key: SigningKey, chain_id: str, der: bytes, nonce: bytes, expiry: int) -> Tx:
    """A signed ``registry.cert_register`` tx by a member admin's ``key``."""
    parsed = CertRegisterArgs.from_args({"der": der})
    return signed_tx(key, chain_id, CERT_REGISTER_TX_TYPE, parsed.to_args(), nonce, expiry)


def cert_sender_tx(
    key: SigningKey,
    certificate_id: bytes,
    chain_id: str,
    tx_type: str,
    args: dict[str, object],
    nonce: bytes,
    expiry: int,
) -> Tx:
    """A tx of sender kind ``cert``: named by ``certificate_id``, signed by its key's ``key``."""
    unsigned = Tx(chain_id, tx_type, args, "cert", certificate_id, nonce, expiry)
    unsigned.validate()
    return records.sign_tx(key, unsigned)
