"""Every storage test runs against both backends: one conformance suite."""

from __future__ import annotations

from tests.store_support import store_fixture

TABLES = ("a", "b")

store = store_fixture(TABLES)
