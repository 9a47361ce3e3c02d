"""The console's audit trail, members and assets pages (issue 19 item 6; F-E2, F-E3, F-D6)
over an index database written by the indexer's own writer (``Database.write_height`` with the
indexer's row functions) and nodes answered by a mock transport: filters, paging, counts,
the growth chart, the member's offline check, nothing personal and no traceback.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.console import ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.index_figures import TrailFilter, assets_growth, usage_trail
from govchain.console.markup import esc
from govchain.indexer.database import DerivedRows, open_database
from govchain.indexer.rows import BlockRows, account_row, asset_row, json_text, usage_row
from govchain.types.errors import ValidationError
from tests.chain_support import ChainMaker

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py: Starlette's httpx2 notice
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

DAY = 86_400_000
DAY0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOSTILE = "<script>alert(1)</script>"
M1, M2 = "11370000MB0000001A", "11370000MB0000002B"
LICENCE, PERMIT = "11100000MB0143028R001", "11100000MB0143028R002"
READER, HOLDER, OTHER = "a1" * 20, "b2" * 20, "c3" * 20
PERSON_NUMBER = "370102199001011234"  # a citizen number: must never reach a page


def _usage(tx: str, reader: str, time: int, purpose: str) -> dict[str, Any]:
    return {"tx_hash": tx, "asset": "ee" * 32, "version": 1, "reader": reader, "by": "",
            "holder": HOLDER, "action": "read", "purpose": purpose, "via": "grant",
            "via_id": "77" * 16, "reader_org": M1, "issuer": M2, "time": time}  # fmt: skip


def _asset(content: str, kind: str, status: str, valid_until: int = 0) -> dict[str, Any]:
    return {"content_id": content, "identifier": "X", "type": kind, "holder": HOLDER,
            "issuer": M2, "mode": "envelope", "status": status, "version": 1,
            "valid_until": valid_until}  # fmt: skip


def _event(height: int, tx: str, index: int, name: str, **attributes: object) -> tuple[object, ...]:
    return (height, tx, index, name, json_text(attributes))


Row = tuple[object, ...]


def _height(height: int, time: int, txs: list[str], events: list[Row],
            derived: list[tuple[str, Row]]) -> tuple[BlockRows, DerivedRows]:  # fmt: skip
    block_hash = f"{height:064x}"
    tx_rows = tuple((tx, height, i, "assets.issue", "key", READER, "committed", 0, "")
                    for i, tx in enumerate(txs))  # fmt: skip
    block = BlockRows(height, block_hash, f"{height - 1:064x}",
                      (height, block_hash, f"{height - 1:064x}", time, "99" * 20, len(txs)),
                      tx_rows, tuple(events), ())  # fmt: skip
    return block, DerivedRows(tuple(derived))


def _index(path: Path) -> str:
    """Two heights, two days apart: assets of two types issued, subjects applied to two
    members, accounts, and usage records of two readers."""
    url = f"sqlite:///{path}"
    t1, t2, t3 = "01" * 32, "02" * 32, "03" * 32
    with open_database(url) as db:
        db.start("console-test")
        db.write_height(*_height(1, DAY0 + 1000, [t1], [
            _event(1, t1, 0, "assets.issued", content_id="c1" * 32, type=LICENCE),
            _event(1, t1, 1, "registry.subject_applied", address=HOLDER, kind="enterprise",
                   member=M1),
        ], [
            ("assets", asset_row(_asset("c1" * 32, LICENCE, "valid"), 1)),
            ("accounts", account_row({"address": READER, "kind": "staff", "org": M1,
                                      "roles": [], "status": "active"}, 1)),
            ("accounts", account_row({"address": HOLDER, "kind": "subject", "org": "",
                                      "roles": [], "status": "active"}, 1)),
            ("usage", usage_row(_usage(t1, OTHER, DAY0 + 1000, "年检"), 1)),
        ]))  # fmt: skip
        db.write_height(*_height(2, DAY0 + 2 * DAY, [t2, t3], [
            _event(2, t2, 0, "assets.issued", content_id="c2" * 32, type=LICENCE),
            _event(2, t3, 0, "assets.issued", content_id="c3" * 32, type=PERMIT),
            _event(2, t3, 1, "registry.subject_applied", address=OTHER, kind="person",
                   member=M2),
        ], [
            ("assets", asset_row(_asset("c2" * 32, LICENCE, "revoked"), 2)),
            ("assets", asset_row(_asset("c3" * 32, PERMIT, "valid", DAY0 + DAY), 2)),
            ("accounts", account_row({"address": OTHER, "kind": "subject", "org": "",
                                      "roles": [], "status": "frozen"}, 2)),
            ("usage", usage_row(_usage(t2, READER, DAY0 + 2 * DAY, HOSTILE), 2)),
            ("usage", usage_row(_usage(t3, READER, DAY0 + 2 * DAY, "许可审查"), 2)),
        ]))  # fmt: skip
    return url


_METRICS = (
    "# HELP govchain_security_events_total Security events\n"
    "# TYPE govchain_security_events_total counter\n"
    'govchain_security_events_total{event="permission_denied",source="api"} 3.0\n'
    'govchain_security_events_total{event="peer_refused",source="p2p"} 1.0\n'
)


def _nodes() -> httpx.MockTransport:
    """Node 1 answers the registry and /metrics; node 2 is down."""
    member = {
        "code": M1,
        "name": HOSTILE,
        "status": "active",
        "permissions": ["subject"],
        "weight": 1,
        "admins": ["aa" * 20],
        "ca_certs": [],
        "height": 0,
        "reason": "",
    }
    second = {**member, "code": M2, "name": "济南市市场监督管理局", "status": "suspended"}
    nodes = [{"name": "validator-0", "org": M1, "role": "validator", "power": 10,
              "status": "active", "transport_key": "00" * 32, "validator": "dd" * 20,
              "height": 0},
             {"name": "full-0", "org": M2, "role": "full", "power": 0, "status": "removed",
              "transport_key": "01" * 32, "validator": "", "height": 3}]  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "n2":
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if path == "/metrics":
            return httpx.Response(200, text=_METRICS)
        if path == "/v1/registry/members":
            if request.url.params.get("cursor") == "1":
                return httpx.Response(200, json={"members": [second], "next": None})
            return httpx.Response(200, json={"members": [member], "next": "1"})
        if path == "/v1/registry/nodes":
            return httpx.Response(200, json={"nodes": nodes, "next": None})
        if path == f"/v1/registry/members/{M1}":
            return httpx.Response(200, json={"member": member, "fact": {"height": 1}})
        error = {"error": {"code": "unknown_member", "message": "no such member"}}
        return httpx.Response(404, json=error)

    return httpx.MockTransport(answer)


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _index(tmp_path_factory.mktemp("supervision") / "index.db")


def _client(index_url: str, genesis: bool = True) -> TestClient:
    chain = ChainReader(["http://n1:1", "http://n2:1"], None,
                        ChainMaker.make("gm").genesis if genesis else None,
                        transport=_nodes())  # fmt: skip
    sources = ConsoleSources(chain, IndexReader(index_url), None)
    return TestClient(create_app(sources), raise_server_exceptions=False)


def test_the_trail_filters_by_account_and_day_and_pages(index_url: str) -> None:
    index = IndexReader(index_url)
    every = usage_trail(index, TrailFilter())
    assert every.total == 3
    assert [row.height for row in every.rows] == [2, 2, 1]  # the latest first
    assert usage_trail(index, TrailFilter(account=OTHER)).total == 1  # as the reader
    assert usage_trail(index, TrailFilter(account=HOLDER)).total == 3  # as the holder
    second_day = TrailFilter.of("", "2026-01-03", "2026-01-03", 0)
    assert [row.purpose for row in usage_trail(index, second_day).rows] == [HOSTILE, "许可审查"]
    assert usage_trail(index, TrailFilter.of("", "", "2026-01-01", 0)).total == 1
    assert usage_trail(index, TrailFilter(page=1)).rows == ()
    for account, day_from, day_to in (("xyz", "", ""), ("", "2026-13-01", ""),
                                      ("", "2026-01-03", "2026-01-01")):  # fmt: skip
        with pytest.raises(ValidationError):
            TrailFilter.of(account, day_from, day_to, 0)


def test_the_audit_page_shows_the_trail_escaped_and_each_nodes_security_events(
    index_url: str,
) -> None:
    client = _client(index_url)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "<h1>审计：访问记录</h1>" in page.text
    assert "共 3 条使用记录符合条件" in page.text
    assert HOSTILE not in page.text
    assert esc(HOSTILE) in page.text
    assert f'href="/txs/{"02" * 32}"' in page.text
    assert 'href="/blocks/2"' in page.text
    assert "permission_denied" in page.text
    assert "peer_refused" in page.text
    assert "无应答" in page.text  # node 2's /metrics
    assert 'action="/audit"' in page.text
    filtered = client.get(f"/audit?account={OTHER.upper()}&from=2026-01-01&to=2026-01-01")
    assert "共 1 条使用记录符合条件" in filtered.text
    assert "年检" in filtered.text
    assert f'value="{OTHER}"' in filtered.text
    english = client.get("/audit?lang=en&from=2026-01-02")
    assert "2 usage records match" in english.text
    assert "Security events" in english.text


def test_a_regulators_reads_of_a_case_and_a_tx_link_to_them_f_e1(tmp_path: Path) -> None:
    index_url = _index(tmp_path / "index.db")  # its own: a third height changes other pages
    case_id, tx_read = "99" * 32, "88" * 32
    reads = [
        {**_usage(tx, READER, DAY0 + 3 * DAY, "监管抽查"), "asset": "", "version": 0,
         "target": target, "target_id": target_id}
        for tx, target, target_id in (("04" * 32, "case", case_id), ("05" * 32, "tx", tx_read))
    ]  # fmt: skip
    with open_database(index_url) as db:
        db.write_height(*_height(3, DAY0 + 3 * DAY, ["04" * 32, "05" * 32], [],
                                 [("usage", usage_row(r, 3)) for r in reads]))  # fmt: skip
    page = _client(index_url).get("/audit?from=2026-01-04")
    assert "共 2 条使用记录符合条件" in page.text
    assert f'href="/cases/{case_id}"' in page.text
    assert f'href="/txs/{tx_read}"' in page.text
    assert f"办件 {case_id[:12]}" in page.text
    english = _client(index_url).get("/audit?from=2026-01-04&lang=en")
    assert f"Case {case_id[:12]}" in english.text
    assert f"Tx {tx_read[:12]}" in english.text


def test_the_members_page_lists_members_nodes_accounts_and_subjects(index_url: str) -> None:
    page = _client(index_url).get("/members")
    assert page.status_code == 200
    text = page.text
    assert f'href="/members/{M1}"' in text
    assert f'href="/members/{M2}"' in text  # the second page of members
    assert esc(HOSTILE) in text
    assert HOSTILE not in text
    assert "济南市市场监督管理局" in text
    assert "暂停" in text  # M2 suspended
    assert "validator-0" in text
    assert "full-0" in text
    assert "已移除" in text  # the removed node
    assert "企业" in text
    assert "自然人" in text
    assert "已冻结" in text  # a subject account frozen
    assert PERSON_NUMBER not in text
    english = _client(index_url).get("/members?lang=en").text
    assert "<h1>Members, nodes and subjects</h1>" in english
    assert "natural person" in english


def test_a_member_page_shows_its_nodes_counts_and_the_offline_check(index_url: str) -> None:
    page = _client(index_url).get(f"/members/{M1}")
    assert page.status_code == 200
    assert f"<h1>成员 {M1}</h1>" in page.text
    assert "validator-0" in page.text
    assert "full-0" not in page.text  # another member's node
    assert 'class="check failed"' in page.text  # the fact is not of this genesis
    unchecked = _client(index_url, genesis=False).get(f"/members/{M1}?lang=en")
    assert 'class="check unavailable"' in unchecked.text
    assert _client(index_url).get(f"/members/{M2}").status_code == 404
    assert _client(index_url).get("/members/not-a-code").status_code == 400


def test_the_assets_page_counts_by_type_and_status_and_draws_the_growth(index_url: str) -> None:
    client = _client(index_url)
    page = client.get("/assets")
    assert page.status_code == 200
    rows = page.text.split('id="asset-types"')[1].split("</table>")[0]
    assert LICENCE in rows
    assert PERMIT in rows
    assert "已撤销" in rows
    assert "有效" in rows
    assert '<span class="badge warn">1</span>' in rows  # the permit expired at DAY0 + DAY
    assert 'src="/charts/assets.svg?days=30"' in page.text
    growth = assets_growth(IndexReader(index_url), 3)
    assert growth.unit == "hour"
    assert sum(growth.by_type[LICENCE]) == 2
    assert sum(growth.by_type[PERMIT]) == 1
    days = assets_growth(IndexReader(index_url), 30)
    assert days.unit == "day"
    assert len(days.labels) == 30
    assert days.labels[-1] == "2026-01-03"
    assert dict(zip(days.labels, days.by_type[LICENCE], strict=True))["2026-01-01"] == 1
    chart = client.get("/charts/assets.svg?days=7")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in chart.text
    assert "Assets" in client.get("/assets?lang=en").text


@pytest.mark.parametrize(
    "path",
    ["/audit?account=zz", "/audit?from=yesterday", "/audit?page=-1", "/assets?days=0",
     "/charts/assets.svg?days=9999"],
)  # fmt: skip
def test_bad_parameters_are_400_pages_without_a_traceback(index_url: str, path: str) -> None:
    answer = _client(index_url).get(path)
    assert answer.status_code == 400
    assert "Traceback" not in answer.text
