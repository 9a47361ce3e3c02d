"""X.509 v3 certificates and CRLs for member CAs (GM/T 0015 profile under ``gm``).

Certificates are built with asn1crypto and signed by our own suites, so one
code path serves both: SM2-with-SM3 (OID 1.2.156.10197.1.501, signer ID
``1234567812345678``) under ``gm`` and Ed25519 (OID 1.3.101.112) under
``intl``. ``openssl verify -vfyopt distid:1234567812345678`` accepts the
chains.

Profile: the subject is ``O=<organization>, OU=<role>, CN=<name>``, where the
role is ``ca``, ``node``, ``user`` or ``admin``. A CA has basicConstraints
``CA:TRUE, pathlen:0`` and may sign certificates and CRLs; node certificates
are good for TLS server and client authentication, user and admin
certificates for client authentication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509

from govchain.crypto.suite import CryptoSuite, SigningKey
from govchain.crypto.suites import suite_for
from govchain.types.errors import CertificateError

__all__ = [
    "LEAF_ROLES",
    "ROLES",
    "SIGNATURE_OIDS",
    "CertificateInfo",
    "build_certificate",
    "build_crl",
    "certificate_from_pem",
    "certificate_info",
    "certificate_to_pem",
    "crl_from_pem",
    "crl_to_pem",
    "signature_suite",
    "verify_signed",
]

ROLES = ("ca", "node", "user", "admin")
LEAF_ROLES = ("node", "user", "admin")
SIGNATURE_OIDS = {"gm": "1.2.156.10197.1.501", "intl": "1.3.101.112"}
_SUITE_BY_OID = {oid: name for name, oid in SIGNATURE_OIDS.items()}
_ASN1_ALIASES = {"ed25519": "1.3.101.112"}
_PEM_SIZE_MAX = 64 * 1024


@dataclass(frozen=True)
class CertificateInfo:
    """What GovChain reads from a certificate."""

    suite: str
    serial: int
    organization: str
    role: str
    common_name: str
    public_key: bytes
    not_before: dt.datetime
    not_after: dt.datetime
    is_ca: bool


def _name(organization: str, role: str, common_name: str) -> x509.Name:
    return x509.Name.build(
        {
            "organization_name": organization,
            "organizational_unit_name": role,
            "common_name": common_name,
        }
    )


def _key_id(suite: CryptoSuite, spki_der: bytes) -> bytes:
    return suite.hash(spki_der)[:20]


def _algorithm(suite: CryptoSuite) -> dict[str, str]:
    return {"algorithm": SIGNATURE_OIDS[suite.name]}


def _extensions(suite: CryptoSuite, role: str, spki: bytes, issuer_spki: bytes) -> list[Any]:
    is_ca = role == "ca"
    usage = {"key_cert_sign", "crl_sign", "digital_signature"} if is_ca else {"digital_signature"}
    if role in ("node", "user"):
        usage.add("key_encipherment")
    constraints = {"ca": True, "path_len_constraint": 0} if is_ca else {"ca": False}
    extensions = [
        {"extn_id": "basic_constraints", "critical": True, "extn_value": constraints},
        {"extn_id": "key_usage", "critical": True, "extn_value": usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": _key_id(suite, spki)},
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": _key_id(suite, issuer_spki)},
        },
    ]
    if not is_ca:
        purposes = ["server_auth", "client_auth"] if role == "node" else ["client_auth"]
        extensions.append(
            {"extn_id": "extended_key_usage", "critical": False, "extn_value": purposes}
        )
    return extensions


def build_certificate(
    *,
    suite: CryptoSuite,
    issuer_key: SigningKey,
    issuer: x509.Certificate | None,
    organization: str,
    role: str,
    common_name: str,
    public_key: bytes,
    not_before: dt.datetime,
    days: int,
) -> x509.Certificate:
    """Issue a certificate; ``issuer=None`` makes a self-signed CA certificate."""
    if role not in ROLES:
        raise CertificateError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if (issuer is None) != (role == "ca"):
        raise CertificateError("a CA certificate is self-signed; other roles need an issuer")
    if not common_name or not organization:
        raise CertificateError("organization and common name must not be empty")
    spki = suite.public_key_to_spki(public_key)
    subject = _name(organization, role, common_name)
    issuer_spki = spki if issuer is None else issuer.public_key.dump()
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": int.from_bytes(os.urandom(16), "big") >> 1 or 1,
            "signature": _algorithm(suite),
            "issuer": subject if issuer is None else issuer.subject,
            "validity": {
                "not_before": x509.Time(name="general_time", value=not_before),
                "not_after": x509.Time(
                    name="general_time", value=not_before + dt.timedelta(days=days)
                ),
            },
            "subject": subject,
            "subject_public_key_info": x509.PublicKeyInfo.load(spki),
            "extensions": _extensions(suite, role, spki, issuer_spki),
        }
    )
    signature = issuer_key.sign(tbs.dump())
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": _algorithm(suite),
            "signature_value": signature,
        }
    )


def build_crl(
    *,
    suite: CryptoSuite,
    ca_key: SigningKey,
    ca: x509.Certificate,
    revoked: list[tuple[int, dt.datetime]],
    number: int,
    this_update: dt.datetime,
    days: int,
) -> asn1_crl.CertificateList:
    """A signed v2 CRL listing ``(serial, revocation time)`` pairs."""
    entries = [
        {"user_certificate": serial, "revocation_date": x509.Time(name="general_time", value=when)}
        for serial, when in sorted(revoked)
    ]
    tbs = asn1_crl.TbsCertList(
        {
            "version": "v2",
            "signature": _algorithm(suite),
            "issuer": ca.subject,
            "this_update": x509.Time(name="general_time", value=this_update),
            "next_update": x509.Time(
                name="general_time", value=this_update + dt.timedelta(days=days)
            ),
            "revoked_certificates": entries or None,
            "crl_extensions": [
                {"extn_id": "crl_number", "critical": False, "extn_value": number},
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {"key_identifier": _key_id(suite, ca.public_key.dump())},
                },
            ],
        }
    )
    signature = ca_key.sign(tbs.dump())
    return asn1_crl.CertificateList(
        {"tbs_cert_list": tbs, "signature_algorithm": _algorithm(suite), "signature": signature}
    )


def _unarmor(data: bytes, label: str) -> bytes:
    if len(data) > _PEM_SIZE_MAX:
        raise CertificateError(f"{label} PEM is over {_PEM_SIZE_MAX} bytes")
    try:
        kind, _, der = asn1_pem.unarmor(data)
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"not a PEM {label}: {exc}") from exc
    if kind != label:
        raise CertificateError(f"expected a PEM {label}, found {kind}")
    return bytes(der)


def certificate_from_pem(data: bytes) -> x509.Certificate:
    """Parse a PEM certificate strictly (trailing bytes are an error)."""
    der = _unarmor(data, "CERTIFICATE")
    try:
        cert = x509.Certificate.load(der, strict=True)
        cert.native  # noqa: B018 - parse every field now, not lazily later
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateError(f"malformed certificate: {exc}") from exc
    return cert


def crl_from_pem(data: bytes) -> asn1_crl.CertificateList:
    """Parse a PEM CRL strictly."""
    der = _unarmor(data, "X509 CRL")
    try:
        crl = asn1_crl.CertificateList.load(der, strict=True)
        crl.native  # noqa: B018 - parse every field now, not lazily later
    except (ValueError, TypeError, KeyError) as exc:
        raise CertificateError(f"malformed CRL: {exc}") from exc
    return crl


def certificate_to_pem(cert: x509.Certificate) -> bytes:
    """PEM armour of a certificate."""
    return bytes(asn1_pem.armor("CERTIFICATE", cert.dump()))


def crl_to_pem(crl: asn1_crl.CertificateList) -> bytes:
    """PEM armour of a CRL."""
    return bytes(asn1_pem.armor("X509 CRL", crl.dump()))


def signature_suite(algorithm: Any) -> CryptoSuite:
    """The suite whose signature algorithm an AlgorithmIdentifier names."""
    oid = algorithm["algorithm"].dotted
    oid = _ASN1_ALIASES.get(oid, oid)
    if oid not in _SUITE_BY_OID:
        raise CertificateError(f"unsupported signature algorithm {oid}")
    if algorithm["parameters"].native is not None:
        raise CertificateError(f"signature algorithm {oid} must have no parameters")
    return suite_for(_SUITE_BY_OID[oid])


def verify_signed(tbs: Any, algorithm: Any, signature: bytes, issuer_public_key: bytes) -> None:
    """Check an issuer's signature over a to-be-signed structure, as it was encoded."""
    suite = signature_suite(algorithm)
    if not suite.verify(issuer_public_key, tbs.dump(), signature):
        raise CertificateError("signature does not verify with the issuer's key")


def _attribute(name: x509.Name, field: str) -> str:
    value = name.native.get(field)
    if not isinstance(value, str):
        raise CertificateError(f"certificate name lacks a single {field}")
    return value


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    """Read the fields GovChain uses; :class:`CertificateError` if the profile is broken."""
    tbs = cert["tbs_certificate"]
    suite = signature_suite(cert["signature_algorithm"])
    if tbs["signature"].dump() != cert["signature_algorithm"].dump():
        raise CertificateError("the inner and outer signature algorithms differ")
    public_key = suite.public_key_from_spki(cert.public_key.dump())
    role = _attribute(cert.subject, "organizational_unit_name")
    if role not in ROLES:
        raise CertificateError(f"certificate role {role!r} is not one of {', '.join(ROLES)}")
    validity = tbs["validity"]
    return CertificateInfo(
        suite=suite.name,
        serial=cert.serial_number,
        organization=_attribute(cert.subject, "organization_name"),
        role=role,
        common_name=_attribute(cert.subject, "common_name"),
        public_key=public_key,
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        is_ca=bool(cert.ca),
    )


def key_id(suite: CryptoSuite, public_key: bytes) -> bytes:
    """The subject key identifier GovChain writes for a public key."""
    return _key_id(suite, suite.public_key_to_spki(public_key))


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate DER, as hex (for logs and tables)."""
    return hashlib.sha256(cert.dump()).hexdigest()
