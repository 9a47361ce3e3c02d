"""A node's logs exported and signed, and the offline check of an export (docs/spec/audit.md).

F-E2, N-3. An export holds the lines of both logs of a node (the access log
and the security log), a **statement** of their chain heads (chain id, node,
each log's first ``seq``, line count and last hash, the export time) and the
node's signature over the statement with its transport key (the key whose
SPKI SHA-256 the network registry lists for the node), with the node's
transport certificate. :func:`check_export` recomputes both chains from the
lines, compares them with the statement, checks that the certificate is the
one the registry lists and that the signature verifies: a line changed,
dropped or moved, or a statement edited, is found.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govchain.crypto import suite_for
from govchain.crypto.certs import certificate_from_pem, certificate_info
from govchain.crypto.keyfiles import read_signing_key
from govchain.storage.access_log import (
    ACCESS_LOG_FILE,
    LogCheck,
    read_access_log,
    verify_log_files,
    verify_log_lines,
)
from govchain.storage.security_log import verify_security_log
from govchain.types.errors import CertificateError, ValidationError

__all__ = ["EXPORT_FORMAT", "MAX_EXPORT_BYTES", "ExportCheck", "build_export", "check_export"]

EXPORT_FORMAT = "govchain/log-export/v1"
SIGNING_DOMAIN = b"govchain/log-export/v1\x00"
TRANSPORT_CERT = Path("tls") / "transport.pem"
TRANSPORT_KEY = Path("tls") / "transport.key"
MAX_EXPORT_BYTES = 512 * 1024 * 1024
"""An export larger than this is not read (the security log is bounded; the access log is not)."""

Hash = Callable[[bytes], bytes]


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _head(check: LogCheck) -> dict[str, Any]:
    return {"first_seq": check.first_seq, "lines": check.lines, "last_hash": check.last_hash}


def build_export(home: Path, chain_id: str, hash_: Hash) -> dict[str, Any]:
    """The signed export of the logs of the node at ``home``; ValidationError when a log does
    not verify or the node's transport key cannot be read."""
    access_path = home / ACCESS_LOG_FILE
    access_files = [access_path] if access_path.exists() else []
    access = verify_log_files(access_files, hash_)
    security_files, security = verify_security_log(home, hash_)
    try:
        certificate_pem = (home / TRANSPORT_CERT).read_bytes()
        node = certificate_info(certificate_from_pem(certificate_pem)).common_name
        key = read_signing_key(home / TRANSPORT_KEY)
    except (OSError, CertificateError, ValueError) as exc:
        raise ValidationError(f"{home}: cannot read the node's transport key: {exc}") from exc
    statement = {
        "format": EXPORT_FORMAT, "chain_id": chain_id, "node": node,
        "exported": time.time_ns() // 1_000_000,
        "access": _head(access), "security": _head(security),
    }  # fmt: skip
    return {
        "statement": statement,
        "signature": key.sign(SIGNING_DOMAIN + _canonical(statement)).hex(),
        "certificate": certificate_pem.decode("ascii"),
        "access": [line for path in access_files for line in read_access_log(path)],
        "security": [line for path in security_files for line in read_access_log(path)],
    }


@dataclass(frozen=True, slots=True)
class ExportCheck:
    """An export checked: the node that signed it, and each log's chain head."""

    node: str
    chain_id: str
    exported_ms: int
    access: LogCheck
    security: LogCheck


def check_export(
    export: Any, chain_id: str, hash_: Hash, transport_keys: dict[str, bytes]
) -> ExportCheck:
    """Check an export offline: both chains, the statement, the certificate against
    ``transport_keys`` (node name -> SPKI SHA-256, from the registry) and the signature.
    ValidationError saying what does not hold."""
    if not isinstance(export, dict) or not isinstance(export.get("statement"), dict):
        raise ValidationError("not a log export (no statement)")
    statement = export["statement"]
    if statement.get("format") != EXPORT_FORMAT:
        raise ValidationError(f"not a log export of format {EXPORT_FORMAT}")
    if statement.get("chain_id") != chain_id:
        raise ValidationError(
            f"the export is of chain {statement.get('chain_id')!r}, not {chain_id!r}"
        )
    checks = {}
    for name, rotated in (("access", False), ("security", True)):
        lines = export.get(name)
        if not isinstance(lines, list):
            raise ValidationError(f"the export has no {name} lines")
        try:
            check = verify_log_lines(lines, hash_, rotated=rotated)
        except ValidationError as exc:
            raise ValidationError(f"the {name} log does not verify: {exc}") from exc
        if statement.get(name) != _head(check):
            raise ValidationError(
                f"the {name} log's lines do not end at the signed head (a line was dropped, "
                "added or changed)"
            )
        checks[name] = check
    node = _signer(export, statement, transport_keys)
    return ExportCheck(
        node, chain_id, int(statement.get("exported", 0)), checks["access"], checks["security"]
    )


def _signer(export: dict[str, Any], statement: dict[str, Any], keys: dict[str, bytes]) -> str:
    """The node whose registered transport key signed the statement."""
    node = statement.get("node")
    if not isinstance(node, str) or node not in keys:
        raise ValidationError(f"node {node!r} is not in the registry given")
    try:
        certificate = certificate_from_pem(str(export.get("certificate", "")).encode("ascii"))
        info = certificate_info(certificate)
        spki = certificate["tbs_certificate"]["subject_public_key_info"].dump()
        signature = bytes.fromhex(str(export.get("signature", "")))
    except (CertificateError, ValueError, UnicodeEncodeError) as exc:
        raise ValidationError(f"the export's certificate or signature is malformed: {exc}") from exc
    if hashlib.sha256(spki).digest() != keys[node] or info.common_name != node:
        raise ValidationError(f"the export's certificate is not the transport key of {node}")
    suite = suite_for(info.suite)
    if not suite.verify(info.public_key, SIGNING_DOMAIN + _canonical(statement), signature):
        raise ValidationError(f"the signature is not {node}'s over the statement")
    return node
