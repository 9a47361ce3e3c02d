"""The indexer on a network of real processes, into SQLite and a real PostgreSQL (issue 19
item 2 acceptance; F-E3, N-3).

An asset issued, a grant, a use of it and a case are indexed into both
databases while they are made; each indexer is killed with SIGKILL mid-run
and started again, resumes from its last height and stops at height N. Both
then hold heights 1..N each once and the same rows as a fresh index of the
same heights. A bad --db URL is one clear error line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govchain.client.sdk import NodeClient
from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.indexer.database import open_database
from govchain.indexer.schema import TABLES
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from tests.govchain_cli import GOVCHAIN, govchain, govchain_json, one_line_error
from tests.integration.network_support import running_network, wait_for
from tests.postgres_server import fresh_database, postgres_server  # noqa: F401

pytestmark = pytest.mark.timeout(900)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE = "11100000MB0143028R001"


def _indexed_height(url: str) -> int:
    with open_database(url) as db:
        progress = db.progress()
    return 0 if progress is None else progress.height


def _start_indexer(node: list[str], url: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(GOVCHAIN), "indexer", "run", *node, "--db", url, "--poll-s", "0.1", *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _kill_mid_run(process: subprocess.Popen[bytes], url: str, past: int) -> int:
    """SIGKILL the indexer once it has written a height past ``past``; the height it had."""
    wait_for(lambda: _indexed_height(url) > past, 60, f"the indexer to pass height {past}")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return _indexed_height(url)


def _enterprise(layout: NetworkLayout, tmp: Path, node: list[str], serial: int) -> tuple[Path, str]:
    code, _, admin = layout.members[0]
    suite = suite_for(layout.suite)
    key = tmp / f"enterprise{serial}.pem"
    write_file_atomic(key, suite.generate_key().to_pem())
    address = records.address_of(suite, read_signing_key(key).public_key).hex()
    govchain(
        "subject", "apply", *node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(9400 + serial), "--name", f"济南演示索引{serial}有限公司",
        "--member", code,
    )  # fmt: skip
    govchain("subject", "approve", address, *node, "--key", admin, "--permissions", "transact")
    govchain("locker", "init", *node, "--key", key, "--password-file", tmp / "pw")
    return key, address


def _case(layout: NetworkLayout, tmp: Path, node: list[str], applicant: str) -> str:
    code0, _, admin0 = layout.members[0]
    spec = tmp / "matter.json"
    spec.write_text(json.dumps({
        "code": "IDX-L", "name": "演示事项", "kind": "行政许可", "department": code0,
        "time_limit_days": 1, "outputs": [LICENCE],
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    govchain("matter", "define", *node, "--key", admin0, "--file", spec)
    process = tmp / "process.toml"
    process.write_text(
        'code = "idx"\nname = "索引演示"\n\n[steps.licence]\nmatter = "IDX-L"\nafter = []\n'
        f'inputs = []\noutputs = ["{LICENCE}"]\ntime_limit_minutes = 60\n',
        encoding="utf-8",
    )
    govchain("process", "publish", process, *node, "--key", admin0)
    form = tmp / "form.json"
    form.write_text(json.dumps({"名称": "济南演示索引1有限公司"}, ensure_ascii=False), "utf-8")
    return str(govchain_json(
        "case", "apply", *node, "--key", layout.client_key, "--process", "idx",
        "--applicant", applicant, "--form", form,
    )["case"])  # fmt: skip


def _all_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    with open_database(url) as db:
        return {t.name: db.rows(t.name) for t in TABLES}


def test_indexed_into_sqlite_and_postgres_killed_and_resumed(
    tmp_path: Path,
    postgres_server: str,  # noqa: F811
) -> None:
    with running_network(tmp_path / "net", validators=2, storage_nodes=2) as layout:
        node = ["--node", ",".join(n.api_url for n in layout.nodes)]
        urls = {
            "sqlite": f"sqlite:///{tmp_path / 'index.db'}",
            "postgresql": fresh_database(postgres_server),
        }
        logs = {name: tmp_path / f"indexer-{name}.log" for name in urls}
        running = {name: _start_indexer(node, url, logs[name]) for name, url in urls.items()}
        try:
            _scenario_and_checks(layout, tmp_path, node, urls, logs, running)
        finally:
            for process in running.values():
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=30)


def _scenario_and_checks(
    layout: NetworkLayout,
    tmp_path: Path,
    node: list[str],
    urls: dict[str, str],
    logs: dict[str, Path],
    running: dict[str, subprocess.Popen[bytes]],
) -> None:
    """Make the txs with both indexers following, kill them mid-run, resume, compare."""
    _, _, admin0 = layout.members[0]
    govchain("asset-type", "define", *node, "--key", admin0, "--file",
             EXAMPLES / "business_licence.toml")  # fmt: skip
    (tmp_path / "pw").write_text("演示 password\n", encoding="utf-8")
    company, company_addr = _enterprise(layout, tmp_path, node, 1)
    bank, bank_addr = _enterprise(layout, tmp_path, node, 2)
    issued = govchain_json(
        "asset", "issue", *node, "--key", admin0, "--type", LICENCE, "--holder", company_addr,
        "--mode", "authority", "--data", EXAMPLES / "business_licence.fields.json",
    )  # fmt: skip
    with NodeClient(layout.nodes[0].api_url) as client:
        issued_at = int(client.status()["height"])
    killed = {
        name: _kill_mid_run(process, urls[name], issued_at - 3) for name, process in running.items()
    }
    with NodeClient(layout.nodes[0].api_url) as client:
        later_ms = int(client.status()["block_time"]) + 3_600_000
    later = datetime.fromtimestamp(later_ms / 1000, tz=UTC).isoformat()
    grant = govchain_json(
        "grant", "create", issued["id"], *node, "--key", company, "--to", bank_addr,
        "--purpose", "贷款审批", "--expires", later, "--uses", "2",
        "--password-file", tmp_path / "pw",
    )  # fmt: skip
    govchain("asset", "fetch", issued["id"], *node, "--key", bank, "--purpose", "贷款审批",
             "--password-file", tmp_path / "pw", "--out", tmp_path / "fetched")  # fmt: skip
    case = _case(layout, tmp_path, node, company_addr)
    with NodeClient(layout.nodes[0].api_url) as client:
        last = int(client.status()["height"])

    until = ("--until-height", str(last))
    for name, url in urls.items():  # resumed after the kill, to height N
        resumed = _start_indexer(node, url, logs[name], *until)
        assert resumed.wait(timeout=300) == 0, logs[name].read_text(errors="replace")
        assert _indexed_height(url) == last
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    govchain("indexer", "run", *node, "--db", fresh, *until)

    expected = _all_rows(fresh)
    assert [row[0] for row in expected["blocks"]] == list(range(1, last + 1))
    for name, url in urls.items():
        assert killed[name] < last, name
        assert _all_rows(url) == expected, name
    status = govchain_json("indexer", "status", "--db", urls["postgresql"])
    assert status["height"] == last
    assert status["rows"] == {name: len(rows) for name, rows in expected.items()}

    # what the scenario made, with the heights it came from
    assets = {row[0]: row for row in expected["assets"]}
    asset = assets[issued["content_id"]]
    assert asset[1:4] == (issued["id"], LICENCE, company_addr)
    grants = {row[0]: row for row in expected["grants"]}
    assert grants[grant["grant"]][1:5] == ("grant", issued["content_id"], company_addr,
                                            bank_addr)  # fmt: skip
    assert grants[grant["grant"]][9] == 1  # used once
    (usage,) = expected["usage"]
    assert (usage[1], usage[3], usage[6], usage[7]) == (
        issued["content_id"], bank_addr, "view", "贷款审批"
    )  # fmt: skip
    (case_row,) = expected["cases"]
    assert (case_row[0], case_row[1], case_row[3]) == (case, "idx", company_addr)
    assert [(s[0], s[1], s[3]) for s in expected["steps"]] == [(case, "licence", "ready")]
    accounts = {row[0] for row in expected["accounts"]}
    assert {company_addr, bank_addr} <= accounts
    tx_types = {row[3] for row in expected["txs"]}
    assert {"assets.issue", "grants.grant", "grants.use", "workflow.apply"} <= tx_types
    for table in ("assets", "grants", "usage", "cases", "steps", "accounts"):
        for row in expected[table]:
            assert 1 <= int(str(row[-1])) <= last, (table, row)
    text = json.dumps(expected, ensure_ascii=False)
    assert "济南演示索引" not in text  # names stay on chain (in the subject's record)


def test_a_bad_db_url_is_one_error_line(tmp_path: Path) -> None:
    node = ("--node", "http://127.0.0.1:9")
    reason = one_line_error(govchain("indexer", "run", *node, "--db", "mysql://x/y", check=False))
    assert "expected sqlite:///PATH or postgresql://" in reason
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'index.db'}"
    reason = one_line_error(govchain("indexer", "run", *node, "--db", missing, check=False))
    assert "does not exist" in reason
    refused = "postgresql://nobody:secret@127.0.0.1:9/index"
    reason = one_line_error(govchain("indexer", "run", *node, "--db", refused, check=False))
    assert "127.0.0.1:9" in reason
    assert "secret" not in reason
    reason = one_line_error(govchain("indexer", "status", "--db", missing, check=False))
    assert "no index at" in reason
