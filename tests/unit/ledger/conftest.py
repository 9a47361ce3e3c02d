"""Fixtures of the ledger's tests: a gm chain maker (one per module) and a chain store of each
kind."""

from __future__ import annotations

import pytest

from govchain.ledger.chainstore import TABLES
from tests.store_support import store_fixture

from ...chain_support import ChainMaker


@pytest.fixture(scope="module")
def maker() -> ChainMaker:
    return ChainMaker.make("gm")


store = store_fixture(TABLES)
