"""Certificate chain verification against a member CA and its CRL.

The chain is one link deep: every member organization has one CA, and it
signs node, user and admin certificates directly (``pathlen:0``). The clock is
a parameter so the check is pure and testable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509

from govchain.crypto.certs import CertificateInfo, certificate_info, verify_signed
from govchain.types.errors import (
    CertificateChainError,
    CertificateError,
    CertificateExpiredError,
    CertificateRevokedError,
)

__all__ = ["check_crl", "revoked_serials", "verify_ca", "verify_certificate"]

_UNDERSTOOD_CRITICAL = {"basic_constraints", "key_usage"}


def _check_validity(info: CertificateInfo, now: dt.datetime, what: str) -> None:
    if now < info.not_before:
        raise CertificateExpiredError(
            f"{what} is not valid before {info.not_before:%Y-%m-%d %H:%M}Z"
        )
    if now > info.not_after:
        raise CertificateExpiredError(f"{what} expired on {info.not_after:%Y-%m-%d %H:%M}Z")


def _check_critical(cert: x509.Certificate, what: str) -> None:
    unknown = set(cert.critical_extensions) - _UNDERSTOOD_CRITICAL
    if unknown:
        raise CertificateError(f"{what} has unsupported critical extensions: {sorted(unknown)}")


def verify_ca(ca: x509.Certificate, now: dt.datetime) -> CertificateInfo:
    """Check that ``ca`` is a well-formed, self-signed, current CA certificate."""
    info = certificate_info(ca)
    if not info.is_ca or info.role != "ca":
        raise CertificateChainError("the trust anchor is not a CA certificate")
    key_usage = ca.key_usage_value.native if ca.key_usage_value else set()
    if "key_cert_sign" not in key_usage:
        raise CertificateChainError("the CA certificate may not sign certificates (keyUsage)")
    if ca.issuer.dump() != ca.subject.dump():
        raise CertificateChainError("the CA certificate is not self-issued")
    try:
        verify_signed(ca["tbs_certificate"], ca["signature_algorithm"], _sig(ca), info.public_key)
    except CertificateError as exc:
        raise CertificateChainError(f"CA self-signature is invalid: {exc}") from exc
    _check_critical(ca, "the CA certificate")
    _check_validity(info, now, "the CA certificate")
    return info


def _sig(cert: x509.Certificate) -> bytes:
    return bytes(cert["signature_value"].native)


def revoked_serials(crl: asn1_crl.CertificateList) -> dict[int, dt.datetime]:
    """Serial number -> revocation time, for every entry of a CRL."""
    entries = crl["tbs_cert_list"]["revoked_certificates"]
    return {entry["user_certificate"].native: entry["revocation_date"].native for entry in entries}


def check_crl(
    crl: asn1_crl.CertificateList, ca: x509.Certificate, ca_info: CertificateInfo, now: dt.datetime
) -> None:
    """Check a CRL was signed by ``ca`` and is current."""
    tbs: Any = crl["tbs_cert_list"]
    if tbs["issuer"].dump() != ca.subject.dump():
        raise CertificateError("the CRL was not issued by this CA")
    try:
        verify_signed(
            tbs, crl["signature_algorithm"], bytes(crl["signature"].native), ca_info.public_key
        )
    except CertificateError as exc:
        raise CertificateError(f"the CRL signature is invalid: {exc}") from exc
    next_update = tbs["next_update"].native
    if next_update is not None and now > next_update:
        raise CertificateError(
            f"the CRL expired on {next_update:%Y-%m-%d}; re-issue it with `govchain ca crl`"
        )


def verify_certificate(
    cert: x509.Certificate,
    ca: x509.Certificate,
    now: dt.datetime,
    crl: asn1_crl.CertificateList | None = None,
) -> CertificateInfo:
    """Verify ``cert`` was issued by ``ca``, is current, and is not revoked.

    Returns what the certificate says; raises a :class:`CertificateError`
    subclass that names the first problem found.
    """
    ca_info = verify_ca(ca, now)
    if cert.dump() == ca.dump():
        return ca_info
    info = certificate_info(cert)
    if cert.issuer.dump() != ca.subject.dump():
        raise CertificateChainError(
            f"issued by '{cert.issuer.human_friendly}', not by '{ca.subject.human_friendly}'"
        )
    if info.is_ca:
        raise CertificateChainError("a member CA may not issue another CA certificate")
    try:
        verify_signed(
            cert["tbs_certificate"], cert["signature_algorithm"], _sig(cert), ca_info.public_key
        )
    except CertificateError as exc:
        raise CertificateChainError(f"not signed by this CA: {exc}") from exc
    _check_critical(cert, "the certificate")
    _check_validity(info, now, "the certificate")
    if crl is not None:
        check_crl(crl, ca, ca_info, now)
        revoked_at = revoked_serials(crl).get(info.serial)
        if revoked_at is not None:
            raise CertificateRevokedError(
                f"certificate {info.serial:x} was revoked on {revoked_at:%Y-%m-%d %H:%M}Z"
            )
    return info
