"""A member organization's certificate authority, kept in one directory (F-B5).

Layout of the directory:

``ca.pem``   the self-signed CA certificate
``ca.key``   its private key (PKCS#8 PEM, owner-only, optionally encrypted)
``crl.pem``  the current certificate revocation list
``ca.json``  bookkeeping: suite, organization, CRL number, issued and revoked serials

Every change rewrites files through a synced temporary file and a rename, so a crash
leaves either the old or the new version, never half of one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import x509

from govchain.crypto.certs import (
    LEAF_ROLES,
    CertificateInfo,
    build_certificate,
    build_crl,
    certificate_from_pem,
    certificate_info,
    certificate_to_pem,
    crl_from_pem,
    crl_to_pem,
)
from govchain.crypto.certverify import verify_ca, verify_certificate
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.crypto.suite import CryptoSuite, SigningKey
from govchain.crypto.suites import suite_for
from govchain.types.errors import CertificateChainError, CertificateError

__all__ = ["CA_DAYS", "CRL_DAYS", "LEAF_DAYS", "CertificateAuthority"]

CA_DAYS = 3650
LEAF_DAYS = 730
CRL_DAYS = 365
_STATE_FORMAT = "govchain-ca/v1"


@dataclass
class CertificateAuthority:
    """An open CA directory."""

    directory: Path
    suite: CryptoSuite
    certificate: x509.Certificate
    key: SigningKey
    state: dict[str, Any]

    @property
    def organization(self) -> str:
        """The member organization this CA belongs to."""
        return str(self.state["organization"])

    @classmethod
    def init(
        cls,
        directory: Path,
        organization: str,
        suite_name: str,
        now: dt.datetime,
        password: bytes | None = None,
    ) -> CertificateAuthority:
        """Create a new CA in ``directory``; refuses to overwrite an existing one."""
        if (directory / "ca.key").exists() or (directory / "ca.pem").exists():
            raise CertificateError(f"{directory} already holds a CA; refusing to overwrite it")
        suite = suite_for(suite_name)
        key = suite.generate_key()
        cert = build_certificate(
            suite=suite, issuer_key=key, issuer=None, organization=organization, role="ca",
            common_name=f"{organization} CA", public_key=key.public_key, not_before=now,
            days=CA_DAYS,
        )  # fmt: skip
        directory.mkdir(parents=True, exist_ok=True)
        state = {
            "format": _STATE_FORMAT, "suite": suite.name, "organization": organization,
            "crl_number": 0, "issued": {}, "revoked": {},
        }  # fmt: skip
        ca = cls(directory, suite, cert, key, state)
        write_file_atomic(directory / "ca.key", key.to_pem(password))
        write_file_atomic(directory / "ca.pem", certificate_to_pem(cert), 0o644)
        ca.publish_crl(now)
        return ca

    @classmethod
    def open(cls, directory: Path, password: bytes | None = None) -> CertificateAuthority:
        """Open an existing CA directory."""
        try:
            state = json.loads((directory / "ca.json").read_text(encoding="utf-8"))
            cert = certificate_from_pem((directory / "ca.pem").read_bytes())
        except FileNotFoundError as exc:
            raise CertificateError(
                f"{directory} is not a CA directory (missing {exc.filename})"
            ) from exc
        except (OSError, ValueError) as exc:
            raise CertificateError(f"cannot read the CA in {directory}: {exc}") from exc
        if not isinstance(state, dict) or state.get("format") != _STATE_FORMAT:
            raise CertificateError(f"{directory}/ca.json is not a {_STATE_FORMAT} file")
        key = read_signing_key(directory / "ca.key", password)
        suite = suite_for(str(state["suite"]))
        if key.public_key != certificate_info(cert).public_key:
            raise CertificateError(f"{directory}: ca.key does not belong to ca.pem")
        return cls(directory, suite, cert, key, state)

    def issue(
        self, common_name: str, role: str, now: dt.datetime, days: int = LEAF_DAYS
    ) -> tuple[x509.Certificate, SigningKey]:
        """Make a key pair and a certificate for it; records the serial."""
        if role not in LEAF_ROLES:
            raise CertificateError(f"role must be one of {', '.join(LEAF_ROLES)}, not {role!r}")
        verify_ca(self.certificate, now)
        key = self.suite.generate_key()
        cert = build_certificate(
            suite=self.suite, issuer_key=self.key, issuer=self.certificate,
            organization=self.organization, role=role, common_name=common_name,
            public_key=key.public_key, not_before=now, days=days,
        )  # fmt: skip
        self.state["issued"][f"{cert.serial_number:x}"] = {
            "common_name": common_name,
            "role": role,
            "not_after": f"{now + dt.timedelta(days=days):%Y-%m-%dT%H:%M:%SZ}",
        }
        self._save_state()
        return cert, key

    def revoke(self, cert: x509.Certificate, now: dt.datetime) -> bool:
        """Revoke a certificate this CA issued; False if it already was."""
        try:
            info = verify_certificate(cert, self.certificate, now)
        except CertificateChainError as exc:
            raise CertificateChainError(f"cannot revoke: {exc}") from exc
        except CertificateError:
            info = certificate_info(cert)  # expired certificates may still be revoked
        if info.is_ca:
            raise CertificateError("the CA cannot revoke its own certificate")
        serial = f"{info.serial:x}"
        if serial in self.state["revoked"]:
            return False
        self.state["revoked"][serial] = f"{now:%Y-%m-%dT%H:%M:%SZ}"
        self.publish_crl(now)
        return True

    def publish_crl(self, now: dt.datetime) -> asn1_crl.CertificateList:
        """Sign and write a new CRL with every revoked serial."""
        self.state["crl_number"] = int(self.state["crl_number"]) + 1
        revoked = [
            (
                int(serial, 16),
                dt.datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC),
            )
            for serial, when in self.state["revoked"].items()
        ]
        crl = build_crl(
            suite=self.suite, ca_key=self.key, ca=self.certificate, revoked=revoked,
            number=self.state["crl_number"], this_update=now, days=CRL_DAYS,
        )  # fmt: skip
        write_file_atomic(self.directory / "crl.pem", crl_to_pem(crl), 0o644)
        self._save_state()
        return crl

    def crl(self) -> asn1_crl.CertificateList:
        """The CRL currently published in the directory."""
        return crl_from_pem((self.directory / "crl.pem").read_bytes())

    def verify(self, cert: x509.Certificate, now: dt.datetime) -> CertificateInfo:
        """Verify a certificate against this CA and its published CRL."""
        return verify_certificate(cert, self.certificate, now, self.crl())

    def _save_state(self) -> None:
        text = json.dumps(self.state, indent=2, sort_keys=True) + "\n"
        write_file_atomic(self.directory / "ca.json", text.encode("utf-8"), 0o644)
