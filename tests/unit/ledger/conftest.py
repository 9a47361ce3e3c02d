"""A gm chain maker shared by the ledger's snapshot tests (one per module)."""

from __future__ import annotations

import pytest

from ...chain_support import ChainMaker


@pytest.fixture(scope="module")
def maker() -> ChainMaker:
    return ChainMaker.make("gm")
