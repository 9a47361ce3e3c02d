"""Governance and the permission check on a network of real node processes (issue 14 acceptance).

F-B1 (a member admitted by vote, its admin then votes), F-B4 (an unregistered
key is refused with 403 ``permission_denied``; the registered client
notarizes), F-E6 (an account frozen from the next height and unfrozen), a
policy change, an expired proposal and refused votes with their reasons,
all through the ``govchain`` commands a user runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_public_key, write_file_atomic
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import govchain, one_line_error
from tests.integration.network_support import height_of, running_network, wait_for

pytestmark = pytest.mark.timeout(600)


def _nodes(layout: NetworkLayout) -> list[str]:
    return ["--node", ",".join(n.api_url for n in layout.nodes)]


def _notarize(layout: NetworkLayout, key: Path, doc: Path) -> subprocess.CompletedProcess[str]:
    return govchain("notarize", doc, *_nodes(layout), "--key", key, "--json", check=False)


def _propose(
    layout: NetworkLayout, admin: Path, action: str, *sets: str, expires: int = 200
) -> int:
    args = [f"--set={s}" for s in sets]
    result = govchain(
        "gov", "propose", action, *_nodes(layout), "--key", admin, *args,
        "--reason", f"test {action}", "--expires-in", str(expires), "--json",
    )  # fmt: skip
    proposal = json.loads(result.stdout)["proposal"]
    assert isinstance(proposal, int)
    return proposal


def _vote(layout: NetworkLayout, admin: Path, proposal: int, yes: bool = True) -> dict[str, object]:
    result = govchain(
        "gov", "vote", str(proposal), *_nodes(layout), "--key", admin,
        "--yes" if yes else "--no", "--json", check=False,
    )  # fmt: skip
    assert result.stdout, result.stderr
    answer = json.loads(result.stdout)
    assert isinstance(answer, dict)
    return answer


def test_governance_and_permissions_end_to_end(tmp_path: Path) -> None:
    doc = tmp_path / "licence.txt"
    with running_network(tmp_path / "net", validators=4) as layout:
        admins = [admin for _, _, admin in layout.members]
        genesis = layout.directory / "genesis.json"
        suite = suite_for(layout.suite)

        # F-B4: an unregistered key is refused before it costs a block; the client notarizes
        stranger = tmp_path / "stranger.pem"
        write_file_atomic(stranger, suite.generate_key().to_pem())
        doc.write_text("first\n")
        refused = _notarize(layout, stranger, doc)
        assert "permission_denied" in one_line_error(refused)
        assert "HTTP 403" in refused.stderr
        assert _notarize(layout, layout.client_key, doc).returncode == 0

        members = json.loads(govchain("member", "list", *_nodes(layout), "--json").stdout)
        assert [m["code"] for m in members["members"]] == [code for code, _, _ in layout.members]
        shown = govchain(
            "member", "show", layout.members[1][0], *_nodes(layout), "--genesis", genesis, "--json"
        )
        assert json.loads(shown.stdout)["verified"] is True

        # F-B1: a new member is admitted by a majority of the four, and its admin then votes
        new_admin = tmp_path / "new-admin.pem"
        write_file_atomic(new_admin, suite.generate_key().to_pem())
        code = demo_uscc(900)
        admit = _propose(
            layout, admins[0], "member.admit", f"code={code}", "name=Department 9 (demo)",
            f"admins={new_admin}", "permissions=subject",
        )  # fmt: skip
        assert _vote(layout, admins[0], admit)["decided"] is None
        assert _vote(layout, admins[1], admit)["decided"] is None
        again = _vote(layout, admins[1], admit)
        assert f"already voted on proposal {admit}" in str(again["error"])
        assert _vote(layout, admins[2], admit)["decided"] == "executed"
        member = json.loads(govchain("member", "show", code, *_nodes(layout), "--json").stdout)
        assert member["member"]["status"] == "active"
        closed = _vote(layout, admins[3], admit)
        assert f"proposal {admit} is executed" in str(closed["error"])
        by_client = govchain(
            "gov", "vote", str(admit), *_nodes(layout), "--key", layout.client_key, "--yes",
            check=False,
        )  # fmt: skip
        assert "permission_denied" in one_line_error(by_client)  # refused before a block

        # F-E6: the client's account is frozen by a vote the new admin takes part in
        client_address = records.address_of(suite, read_public_key(layout.client_key)[1]).hex()
        freeze = _propose(
            layout, new_admin, "account.freeze", f"address={client_address}", "reason=audit"
        )
        for admin in (new_admin, admins[1], admins[2]):
            outcome = _vote(layout, admin, freeze)
        assert outcome["decided"] is None  # 3 of 5 members: below the participation rate of 2/3
        assert _vote(layout, admins[3], freeze)["decided"] == "executed"
        account = json.loads(
            govchain("account", "show", client_address, *_nodes(layout), "--json").stdout
        )
        assert account["account"]["status"] == "frozen"
        doc.write_text("while frozen\n")
        frozen = _notarize(layout, layout.client_key, doc)
        assert "is frozen" in one_line_error(frozen)
        unfreeze = _propose(
            layout, admins[3], "account.unfreeze", f"address={client_address}", "reason=cleared"
        )
        for admin in (admins[3], admins[0], new_admin, admins[1]):
            outcome = _vote(layout, admin, unfreeze)
        assert outcome["decided"] == "executed"
        assert _notarize(layout, layout.client_key, doc).returncode == 0

        # a policy change takes effect: only admins may notarize now
        policy = _propose(
            layout, admins[0], "policy.set", "resource=notary.anchor", "rule=ANY", "roles=admin"
        )
        for admin in admins:
            outcome = _vote(layout, admin, policy)
        assert outcome["decided"] == "executed"
        doc.write_text("after the policy change\n")
        assert "holds no role" in one_line_error(_notarize(layout, layout.client_key, doc))
        assert _notarize(layout, admins[2], doc).returncode == 0

        # a proposal expires, and a late vote is refused with the reason
        short = _propose(layout, admins[1], "param.set", "name=win_rate", "value=2/3", expires=4)
        shown = json.loads(govchain("gov", "show", str(short), *_nodes(layout), "--json").stdout)
        expiry = shown["proposal"]["expiry_height"]
        wait_for(lambda: (height_of(layout.nodes[0].api_url) or 0) > expiry, 60, "its expiry")
        late = _vote(layout, admins[2], short)
        assert "expired at height" in str(late["error"])
        listed = json.loads(
            govchain("gov", "list", *_nodes(layout), "--state", "expired", "--json").stdout
        )
        assert [p["id"] for p in listed["proposals"]] == [short]
        shown = json.loads(
            govchain(
                "gov", "show", str(admit), *_nodes(layout), "--genesis", genesis, "--json"
            ).stdout
        )
        assert shown["verified"] is True
        assert shown["proposal"]["state"] == "executed"
