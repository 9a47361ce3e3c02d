"""``api.tls``: the start-up checks of the certificate and key, and the TLS the API speaks.

Issue 13 item 9. Every problem with the two files is one line naming the
setting; the server context speaks TLS 1.3 (1.2 with ECDHE and AEAD only)
to a client that trusts the member's API CA, and nothing older.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from govchain.client.endpoints import client_tls_context
from govchain.crypto.api_ca import ApiCertificateAuthority, ApiIdentity
from govchain.node.api_tls import ApiTlsError, server_context, tls_file_problems

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    ca = ApiCertificateAuthority.init(tmp_path / "ca", "Department 0", NOW)
    ca.issue_server_certificate("node0", "127.0.0.1", tmp_path / "home" / "tls", NOW)
    (tmp_path / "bundle.pem").write_bytes(ca.certificate_pem())
    return tmp_path / "home"


def test_good_files_have_no_problem(home: Path) -> None:
    assert tls_file_problems(home, "tls/api.pem", "tls/api.key") == []
    absolute = str(home / "tls" / "api.pem")
    assert tls_file_problems(home, absolute, "tls/api.key") == []


def test_missing_files_are_named_one_line_each(home: Path) -> None:
    problems = tls_file_problems(home, "tls/nope.pem", "tls/nope.key")
    assert problems == [
        f"api.tls_cert: {home / 'tls/nope.pem'}: no such file",
        f"api.tls_key: {home / 'tls/nope.key'}: no such file",
    ]


def test_a_key_others_may_read_is_refused(home: Path) -> None:
    os.chmod(home / "tls/api.key", 0o644)
    assert tls_file_problems(home, "tls/api.pem", "tls/api.key") == [
        f"api.tls_key: {home / 'tls/api.key'} may be read by others (mode 0644); chmod 600 it"
    ]


def test_a_key_of_another_certificate_is_refused(home: Path, tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (home / "tls/other.key").write_bytes(pem)
    os.chmod(home / "tls/other.key", 0o600)
    (problem,) = tls_file_problems(home, "tls/api.pem", "tls/other.key")
    assert (
        problem == f"api.tls_key: {home / 'tls/other.key'} is not the key of {home / 'tls/api.pem'}"
    )
    with pytest.raises(ApiTlsError, match=r"cannot be served"):
        server_context(home / "tls/api.pem", home / "tls/other.key")


def test_swapped_expired_encrypted_and_ca_files_are_named(home: Path, tmp_path: Path) -> None:
    (problem,) = tls_file_problems(home, "tls/api.key", "tls/api.key")
    assert problem.startswith("api.tls_cert: ")
    assert "is not a PEM certificate" in problem
    later = NOW + dt.timedelta(days=3000)
    (problem,) = tls_file_problems(home, "tls/api.pem", "tls/api.key", later)
    assert "expired at" in problem
    assert problem.startswith("api.tls_cert: ")
    earlier = NOW - dt.timedelta(days=1)
    (problem,) = tls_file_problems(home, "tls/api.pem", "tls/api.key", earlier)
    assert "is valid only from" in problem
    (problem,) = tls_file_problems(home, str(tmp_path / "ca/ca.pem"), str(tmp_path / "ca/ca.key"))
    assert "is a CA certificate" in problem
    key = serialization.load_pem_private_key((home / "tls/api.key").read_bytes(), None)
    locked = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    (home / "tls/locked.key").write_bytes(locked)
    os.chmod(home / "tls/locked.key", 0o600)
    (problem,) = tls_file_problems(home, "tls/api.pem", "tls/locked.key")
    assert (
        problem
        == f"api.tls_key: {home / 'tls/locked.key'} is encrypted; the node needs it unencrypted"
    )
    (problem,) = tls_file_problems(home, "tls", "tls/api.key")
    assert problem == f"api.tls_cert: {home / 'tls'} is not a file"


def _handshake(
    server: ssl.SSLContext, client: ssl.SSLContext, host: str = "127.0.0.1"
) -> tuple[str | None, str | None]:
    """A TLS handshake over a socket pair; (protocol, cipher) the client sees."""
    ours, theirs = socket.socketpair()
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            with server.wrap_socket(theirs, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError) as exc:
            failure.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with client.wrap_socket(ours, server_hostname=host) as tls:
            cipher = tls.cipher()
            version = tls.version()
            tls.sendall(b"x")
    finally:
        ours.close()
        thread.join(10)
        theirs.close()
    return version, None if cipher is None else cipher[0]


def test_the_api_speaks_tls13_and_tls12_with_ecdhe_only(home: Path, tmp_path: Path) -> None:
    server = server_context(home / "tls/api.pem", home / "tls/api.key")
    client = client_tls_context(tmp_path / "bundle.pem")
    assert _handshake(server, client)[0] == "TLSv1.3"
    assert _handshake(server, client, "localhost")[0] == "TLSv1.3"
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    version, cipher = _handshake(server, client)
    assert version == "TLSv1.2"
    assert cipher is not None
    assert cipher.startswith("ECDHE-ECDSA-")
    assert "GCM" in cipher


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_an_older_client_or_another_host_is_refused(home: Path, tmp_path: Path) -> None:
    server = server_context(home / "tls/api.pem", home / "tls/api.key")
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(tmp_path / "bundle.pem")
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises(ssl.SSLError):
        _handshake(server, old)
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        _handshake(server, client_tls_context(tmp_path / "bundle.pem"), "10.0.0.1")


def test_issue_writes_what_the_checks_accept(tmp_path: Path) -> None:
    ca = ApiCertificateAuthority.init(tmp_path / "ca", "Department 1", NOW)
    identity: ApiIdentity = ca.issue_server_certificate("node1", "[::1]", tmp_path / "tls", NOW)
    assert tls_file_problems(tmp_path, str(identity.cert_file), str(identity.key_file)) == []
