"""``net init --api-tls``: API CAs, node certificates, the CA bundle, https URLs (issue 13 item 9).

Without the flag nothing changes: plain HTTP, no API certificates, no bundle.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography import x509

from govchain.crypto.api_ca import ApiCertificateAuthority
from govchain.node.config import read_config
from govchain.node.netinit import CA_BUNDLE_FILE, NETWORK_FILE, init_network, read_layout
from govchain.types.errors import CertificateError


def test_api_tls_lays_out_a_ca_per_member_a_certificate_per_node_and_the_bundle(
    tmp_path: Path,
) -> None:
    layout = init_network(
        tmp_path / "net", validators=2, full_nodes=1, suite_name="intl", api_tls=True
    )
    assert layout.ca_bundle == tmp_path / "net" / CA_BUNDLE_FILE
    assert stat.S_IMODE(layout.ca_bundle.stat().st_mode) == 0o644
    bundle = x509.load_pem_x509_certificates(layout.ca_bundle.read_bytes())
    cas = [
        ApiCertificateAuthority.open(tmp_path / "net" / "cas" / f"department-{i}" / "api")
        for i in range(3)
    ]
    assert bundle == [ca.certificate for ca in cas]
    for i, node in enumerate(layout.nodes):
        assert node.api_url.startswith("https://127.0.0.1:")
        config = read_config(node.home)  # the files pass the start-up checks
        assert (config.api_tls, config.api_url) == (True, node.api_url)
        cert = x509.load_pem_x509_certificate((node.home / "tls/api.pem").read_bytes())
        cert.verify_directly_issued_by(cas[i].certificate)  # its own member's API CA
        assert cas[i].organization == f"Department {i} (demo)"
        assert stat.S_IMODE((node.home / "tls/api.key").stat().st_mode) == 0o600
    again = read_layout(tmp_path / "net")
    assert again == layout
    saved = json.loads((tmp_path / "net" / NETWORK_FILE).read_text())
    assert saved["ca_bundle"] == str(layout.ca_bundle)


def test_without_api_tls_the_apis_stay_plain_http(tmp_path: Path) -> None:
    layout = init_network(tmp_path / "net", validators=1, suite_name="intl")
    assert layout.ca_bundle is None
    assert not (tmp_path / "net" / CA_BUNDLE_FILE).exists()
    node = layout.nodes[0]
    assert node.api_url.startswith("http://127.0.0.1:")
    assert not (node.home / "tls/api.pem").exists()
    assert not (tmp_path / "net" / "cas" / "department-0" / "api").exists()
    assert read_config(node.home).api_tls is False
    assert json.loads((tmp_path / "net" / NETWORK_FILE).read_text())["ca_bundle"] is None


def test_a_network_file_from_before_api_tls_reads_as_plain_http(tmp_path: Path) -> None:
    layout = init_network(tmp_path / "net", validators=1, suite_name="intl")
    path = tmp_path / "net" / NETWORK_FILE
    saved = json.loads(path.read_text())
    del saved["ca_bundle"]
    path.write_text(json.dumps(saved))
    assert read_layout(tmp_path / "net") == layout


def test_a_host_no_certificate_can_name_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with pytest.raises(CertificateError, match="neither an IP address nor a DNS name"):
        init_network(
            tmp_path / "net", validators=1, suite_name="intl", host="bad_host", api_tls=True
        )
    assert not (tmp_path / "net").exists()


def test_an_ipv6_host_gets_a_bracketed_https_url_and_a_certificate_for_it(tmp_path: Path) -> None:
    layout = init_network(
        tmp_path / "net", validators=1, suite_name="intl", host="::1", api_tls=True
    )
    node = layout.nodes[0]
    assert node.api_url.startswith("https://[::1]:")
    cert = x509.load_pem_x509_certificate((node.home / "tls/api.pem").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["::1", "127.0.0.1"]
