"""Fixtures of the network tests: one transport PKI for the whole session."""

from __future__ import annotations

import pytest

from .net_support import Pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Transport CAs and certificates for n1..n4, ghost and rogue."""
    return Pki.make(tmp_path_factory.mktemp("transport-pki"))
