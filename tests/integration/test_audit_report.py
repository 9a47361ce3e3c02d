"""`govchain audit report` on a network of real processes: its totals match the chain (issue 19
item 4 acceptance; F-E2, N-3).

An asset issued, a grant, a use of it and a failed tx are made, the chain is
indexed to height N with `govchain indexer run --until-height`, and the
report is written as HTML and as PDF with a node's access log. Its totals
(as --json and as the JSON block the HTML embeds) equal the counts read
from every block and receipt through the API; the PDF starts with %PDF; an
access log changed after it was written is reported as not verified.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govchain.client.sdk import NodeClient
from govchain.ledger.proofs import TxReceiptBundle
from govchain.storage.access_log import ACCESS_LOG_FILE, read_access_log
from tests.govchain_cli import govchain, govchain_json
from tests.integration.network_support import running_network
from tests.integration.test_indexer import EXAMPLES, LICENCE, _enterprise

pytestmark = pytest.mark.timeout(900)


def _chain_counts(api_url: str, last: int) -> dict[str, Any]:
    """Counts read from blocks 1..last and their receipts through the API."""
    by_type: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    events: Counter[str] = Counter()
    issued: Counter[str] = Counter()
    with NodeClient(api_url) as client:
        for height in range(1, last + 1):
            for tx_hash in client.block(height)["txs"]:
                result = client.tx(bytes.fromhex(tx_hash))
                assert result.receipt is not None
                bundle = TxReceiptBundle.from_json(result.receipt)
                by_type[bundle.tx.type] += 1
                if not bundle.receipt.ok:
                    failed[bundle.receipt.error.split(":", 1)[0]] += 1
                for event in bundle.receipt.events:
                    events[event.type] += 1
                    if event.type == "assets.issued":
                        issued[str(event.attributes["type"])] += 1
    return {"by_type": by_type, "failed": failed, "events": events, "issued": issued}


def _embedded(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="govchain-report">(.*?)</script>', page)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_report_totals_match_the_chain_f_e2(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", validators=2, storage_nodes=2) as layout:
        node = ["--node", ",".join(n.api_url for n in layout.nodes)]
        _, _, admin0 = layout.members[0]
        govchain("asset-type", "define", *node, "--key", admin0, "--file",
                 EXAMPLES / "business_licence.toml")  # fmt: skip
        (tmp_path / "pw").write_text("演示 password\n", encoding="utf-8")
        company, company_addr = _enterprise(layout, tmp_path, node, 1)
        bank, bank_addr = _enterprise(layout, tmp_path, node, 2)
        issued = govchain_json(
            "asset", "issue", *node, "--key", admin0, "--type", LICENCE, "--holder",
            company_addr, "--mode", "authority", "--data",
            EXAMPLES / "business_licence.fields.json",
        )  # fmt: skip
        later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        govchain("grant", "create", issued["id"], *node, "--key", company, "--to", bank_addr,
                 "--purpose", "贷款审批", "--expires", later, "--uses", "2",
                 "--password-file", tmp_path / "pw")  # fmt: skip
        govchain("asset", "fetch", issued["id"], *node, "--key", bank, "--purpose", "贷款审批",
                 "--password-file", tmp_path / "pw", "--out", tmp_path / "fetched")  # fmt: skip
        # a signed read on node0, whose access log the report reads
        govchain("grant", "list", "--node", layout.nodes[0].api_url, "--key", bank)
        refused = govchain("grant", "revoke", "ab" * 16, *node, "--key", bank, "--reason",
                           "not mine", check=False)  # fmt: skip
        assert refused.returncode == 1  # a failed tx on chain: no such grant
        with NodeClient(layout.nodes[0].api_url) as client:
            last = int(client.status()["height"])
        db = f"sqlite:///{tmp_path / 'index.db'}"
        govchain("indexer", "run", *node, "--db", db, "--until-height", str(last))
        chain = _chain_counts(layout.nodes[0].api_url, last)
        home = layout.nodes[0].home
        log_lines = list(read_access_log(home / ACCESS_LOG_FILE))

    today = datetime.now(UTC).date()
    span = ["--from", str(today - timedelta(days=1)), "--to", str(today + timedelta(days=1))]
    common = ["audit", "report", "--db", db, *span, "--access-log", home]
    html_out, pdf_out = tmp_path / "r.html", tmp_path / "r.pdf"
    answer = govchain_json(*common, "--out", html_out)
    page = html_out.read_text("utf-8")
    assert _embedded(page) == answer
    totals, header = answer["totals"], answer["header"]

    assert header["heights"] == [1, last]
    assert header["indexed_height"] == last
    assert header["chain_id"] == layout.chain_id
    assert header["access_logs"][0]["verified"] is True
    assert totals["blocks"] == last
    assert totals["txs"]["total"] == sum(chain["by_type"].values())
    assert totals["txs"]["by_type"] == dict(chain["by_type"])
    assert totals["txs"]["failed"] == sum(chain["failed"].values()) == 1
    assert totals["txs"]["failed_by_code"] == dict(chain["failed"]) == {"not_found": 1}
    assert totals["assets"]["issued_by_type"] == dict(chain["issued"]) == {LICENCE: 1}
    assert totals["grants"]["granted"] == chain["events"]["grants.granted"] == 1
    assert totals["usage_records"] == chain["events"]["grants.used"] == 1
    assert totals["accounts"]["subjects_applied_by_kind"] == {
        "enterprise": chain["events"]["registry.subject_applied"]
    }
    signed = [e for e in log_lines if e.get("signer")]
    assert totals["signed_reads"] == len(signed) > 0
    assert totals["security_events"] == sum(e.get("kind") == "security" for e in log_lines)
    assert company_addr in page  # the usage record's holder, in the access trail
    assert "贷款审批" in page  # its purpose
    assert "济南演示索引" not in page  # the enterprises' names stay on chain

    govchain(*common, "--out", pdf_out)
    assert pdf_out.read_bytes().startswith(b"%PDF-")

    # a log changed after it was written: the report says so in its header
    copy = tmp_path / "copy"
    (copy / "audit").mkdir(parents=True)
    shutil.copyfile(home / "genesis.json", copy / "genesis.json")
    lines = (home / ACCESS_LOG_FILE).read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    lines[0] = json.dumps({**first, "status": 599}, separators=(",", ":")).encode() + b"\n"
    (copy / ACCESS_LOG_FILE).write_bytes(b"".join(lines))
    tampered = govchain_json("audit", "report", "--db", db, *span, "--access-log", copy,
                             "--out", tmp_path / "t.html")  # fmt: skip
    (log,) = tampered["header"]["access_logs"]
    assert log["verified"] is False
    assert "line 1 was changed" in log["check"]
