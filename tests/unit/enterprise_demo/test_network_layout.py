"""The demo network's layout: nine named members in one genesis (issue 18 item 7, F-G1)."""

from __future__ import annotations

import json
from pathlib import Path

from govchain.enterprise_demo.network import lay_out_demo_network
from govchain.enterprise_demo.plan import DEMO_MEMBERS, DEMO_STORAGE_NODES, DEMO_VALIDATORS
from govchain.ledger.genesis_file import load_genesis


def test_the_layout_has_the_nine_members_and_every_home_the_same_genesis(tmp_path: Path) -> None:
    layout = lay_out_demo_network(tmp_path / "net")
    genesis = load_genesis(tmp_path / "net" / "genesis.json")
    members = genesis.network.members
    assert [(m.org, m.name) for m in members] == [(p.code, p.name) for p in DEMO_MEMBERS]
    assert len(genesis.validators.validators) == DEMO_VALIDATORS
    assert len(layout.storage_nodes) == DEMO_STORAGE_NODES
    text = (tmp_path / "net" / "genesis.json").read_text(encoding="utf-8")
    for home in (*(n.home for n in layout.nodes), *(s.home for s in layout.storage_nodes)):
        assert (home / "genesis.json").read_text(encoding="utf-8") == text
    for code, _, admin in layout.members:
        assert admin == tmp_path / "net" / "members" / code / "admin.pem"
        assert admin.is_file()
    shown = json.loads((tmp_path / "net" / "network.json").read_text(encoding="utf-8"))
    assert [m["code"] for m in shown["members"]] == [p.code for p in DEMO_MEMBERS]
