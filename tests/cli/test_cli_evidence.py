"""``govchain evidence list`` against a live node API: pages, JSON, offline verification (F-E6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from govchain.ledger import records
from govchain.ledger.genesis_file import genesis_json_text

from ..govchain_cli import govchain, one_line_error
from ..live_api import live_api
from ..unit.api.conftest import app_of
from ..unit.api.fake_node import BLOCKS, LIAR, Chain, FakeNode, build_chain


@pytest.fixture(scope="module")
def chain() -> Chain:
    return build_chain()


@pytest.fixture(scope="module")
def node_url(chain: Chain) -> Iterator[str]:
    with live_api(app_of(FakeNode(chain))) as url:
        yield url


def test_the_list_prints_every_record_as_json_and_verifies_them(
    chain: Chain, node_url: str, tmp_path: Path
) -> None:
    genesis = tmp_path / "genesis.json"
    genesis.write_text(genesis_json_text(chain.maker.genesis))
    out = govchain("evidence", "list", "--node", node_url, "--genesis", genesis, "--json").stdout
    listing = json.loads(out)
    assert (listing["height"], listing["next"]) == (BLOCKS, None)
    [record] = listing["evidence"]
    liar = records.address_of(chain.maker.suite, chain.maker.keys[LIAR].public_key)
    assert (record["validator"], record["committed_height"]) == (liar.hex(), 2)
    assert record["verified"] is True


def test_the_table_names_the_validator_and_the_next_cursor(node_url: str) -> None:
    table = govchain("evidence", "list", "--node", node_url, "--cursor", "1-0", "--limit", "1")
    assert "duplicate-vote evidence committed up to height" in table.stdout
    assert "prevote" in table.stdout
    empty = govchain("evidence", "list", "--node", node_url, "--cursor", f"{BLOCKS}-0").stdout
    assert "no evidence in this page" in empty


def test_a_bad_cursor_and_a_dead_node_are_one_line_errors(node_url: str) -> None:
    bad = one_line_error(
        govchain("evidence", "list", "--node", node_url, "--cursor", "x", check=False)
    )
    assert "invalid_cursor" in bad
    dead = govchain("evidence", "list", "--node", "http://127.0.0.1:9", check=False)
    assert "127.0.0.1:9" in one_line_error(dead)
