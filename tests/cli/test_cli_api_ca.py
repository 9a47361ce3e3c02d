"""``govchain ca api-init | api-cert``: a member's API CA and a node's HTTPS certificate (issue 13).

For a node on its own machine: its certificate must name the host clients
reach it at, which ``net init --api-tls`` cannot know.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from govchain.node.api_tls import tls_file_problems

from ..govchain_cli import govchain, one_line_error


def test_an_api_ca_issues_a_node_certificate_for_its_host(tmp_path: Path) -> None:
    ca, home = tmp_path / "ca", tmp_path / "node0"
    govchain("ca", "api-init", "--org", "Department 7", "--out", ca)
    out = govchain(
        "ca", "api-cert", "--ca", ca, "--node", "node0", "--host", "api.dept7.example",
        "--out", home / "tls",
    ).stdout  # fmt: skip
    assert "for api.dept7.example" in out
    assert tls_file_problems(home, "tls/api.pem", "tls/api.key") == []
    cert = x509.load_pem_x509_certificate((home / "tls/api.pem").read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate((ca / "ca.pem").read_bytes()))
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["api.dept7.example"]


def test_api_cert_replaces_files_only_when_asked_and_names_bad_input(tmp_path: Path) -> None:
    ca, tls = tmp_path / "ca", tmp_path / "tls"
    govchain("ca", "api-init", "--org", "Department 7", "--out", ca)
    issue = ("ca", "api-cert", "--ca", ca, "--node", "node0", "--out", tls)
    govchain(*issue, "--host", "10.0.0.7")
    key = (tls / "api.key").read_bytes()
    line = one_line_error(govchain(*issue, "--host", "10.0.0.8", check=False))
    assert (
        line
        == f"error: {tls / 'api.pem'} exists; pass --replace to issue a new certificate and key"
    )
    assert (tls / "api.key").read_bytes() == key
    govchain(*issue, "--host", "10.0.0.8", "--replace")
    assert (tls / "api.key").read_bytes() != key
    line = one_line_error(govchain(*issue, "--host", "bad_host", "--replace", check=False))
    assert line == "error: 'bad_host' is neither an IP address nor a DNS name"
    line = one_line_error(
        govchain("ca", "api-init", "--org", "Department 7", "--out", ca, check=False)
    )
    assert "already holds a CA" in line
