"""The console's pages over a real index database, a real alerts file and nodes answered by
a mock transport (issue 19 item 6; F-E3, F-D6): languages, escaping, the offline check
passed and failed, and error pages without a traceback.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from govchain.console import AlertReader, ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.catalogue import MESSAGES
from govchain.console.index_reader import IndexUnavailableError
from govchain.console.markup import esc, tag
from govchain.indexer.database import open_database
from govchain.ledger import records
from govchain.ledger.chainstore import TABLES, ChainStore
from govchain.ledger.proofs import TxReceiptBundle, tx_receipt_bundle
from govchain.monitor.alerts import Alert, AlertStore
from govchain.storage import MemoryStore
from tests.chain_support import ChainMaker
from tests.govchain_cli import govchain, one_line_error

with warnings.catch_warnings():  # as in tests/unit/api/conftest.py: Starlette's httpx2 notice
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

CASE = "cd" * 16
HOSTILE = "<script>alert(1)</script>"


def test_both_languages_label_every_key() -> None:
    assert MESSAGES["zh"].keys() == MESSAGES["en"].keys()
    for language, labels in MESSAGES.items():
        assert all(label.strip() for label in labels.values()), language


def test_markup_escapes_every_value() -> None:
    assert esc(HOSTILE) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert tag("a", HOSTILE, title='"x') == (
        '<a title="&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;</a>'
    )


def _receipt() -> tuple[ChainMaker, TxReceiptBundle]:
    maker = ChainMaker.make("gm")
    chain = ChainStore.create(MemoryStore(TABLES), maker.genesis)
    maker.extend(chain, [maker.tx(maker.keys[0], key=b"k", value=b"v")], None)
    with chain.view() as view:
        tx_hash = records.tx_hash(maker.suite, view.block(1).txs[0])
        return maker, tx_receipt_bundle(view, tx_hash)


def _index(path: Path) -> str:
    url = f"sqlite:///{path}"
    with open_database(url) as db:
        db.start("console-test")
    connection = sqlite3.connect(path)
    connection.execute("INSERT INTO blocks VALUES (1, 'aa', '', 1767225600000, 'bb', 1)")
    connection.execute(
        "INSERT INTO txs VALUES (?, 1, 0, 'kv.put', 'key', ?, 'committed', 0, '')",
        ("ab" * 32, HOSTILE),
    )
    connection.execute(
        "INSERT INTO cases VALUES (?, 'idx', 1, 'dd', 'ee', 'open', 1767225600000, 0, 1)", (CASE,)
    )
    connection.execute(
        "INSERT INTO steps VALUES (?, 'licence', 'D1', 'ready', 1, 2, 0, 1, 2, 1, 1)", (CASE,)
    )
    connection.execute("UPDATE indexer_progress SET height = 1")
    connection.commit()
    connection.close()
    return url


def _alerts(path: Path) -> Path:
    store = AlertStore(path)
    store.record([Alert(1, "height_stalled", "http://n1", "critical",
                        "2026-01-01T00:00:00.000Z", 1, None, None, HOSTILE)], [])  # fmt: skip
    store.close()
    return path


def _nodes(bundle: TxReceiptBundle) -> httpx.MockTransport:
    """Node 1 answers; node 2 is down."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "n2":
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if path == "/v1/status":
            body: dict[str, Any] = {"height": 42, "role": "validator", "peers": [{}, {}],
                                    "syncing": False}  # fmt: skip
            return httpx.Response(200, json=body)
        if path == f"/v1/txs/{bundle.receipt.tx_hash.hex()}":
            return httpx.Response(200, json={"status": "committed", "receipt": bundle.to_json()})
        error = {"error": {"code": "not_found", "message": "no such thing"}}
        return httpx.Response(404, json=error)

    return httpx.MockTransport(answer)


@pytest.fixture(scope="module")
def receipt() -> tuple[ChainMaker, TxReceiptBundle]:
    return _receipt()


def _client(tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle], trusted: bool = True):
    maker, bundle = receipt
    genesis = maker.genesis if trusted else ChainMaker.make("gm").genesis
    chain = ChainReader(["http://n1:1", "http://n2:1"], None, genesis, transport=_nodes(bundle))
    sources = ConsoleSources(
        chain, IndexReader(_index(tmp_path / "index.db")), AlertReader(_alerts(tmp_path / "a.db"))
    )
    return TestClient(create_app(sources), raise_server_exceptions=False)


def test_the_overview_is_chinese_by_default_and_escapes_what_it_shows(
    tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle]
) -> None:
    client = _client(tmp_path, receipt)
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "网络概览" in page.text
    assert '<strong id="chain-height">42</strong>' in page.text
    assert '<strong id="indexed-height">1</strong>' in page.text
    assert page.text.count("在线") == 1
    assert "无应答" in page.text  # node 2
    assert "height_stalled" in page.text
    assert HOSTILE not in page.text
    assert esc(HOSTILE) in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    chart = client.get("/charts/throughput.svg?blocks=10")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in chart.text


def test_the_english_switch_is_kept_by_a_cookie(
    tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle]
) -> None:
    client = _client(tmp_path, receipt)
    english = client.get("/cases?lang=en")
    assert '<html lang="en">' in english.text
    assert "<h1>Cases</h1>" in english.text
    assert english.cookies.get("lang") == "en"
    assert "<h1>Blocks</h1>" in client.get("/blocks").text  # the cookie keeps English
    assert "<h1>区块</h1>" in client.get("/blocks?lang=zh").text
    assert "<h1>区块 1</h1>" in client.get("/blocks/1").text
    assert "<h1>办件</h1>" in client.get("/cases?lang=fr").text  # unknown: the default


def test_lists_come_from_the_index(
    tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle]
) -> None:
    client = _client(tmp_path, receipt)
    block = client.get("/blocks/1").text
    assert f'href="/txs/{"ab" * 32}"' in block
    assert HOSTILE not in block
    cases = client.get("/cases").text
    assert f'href="/cases/{CASE}"' in cases
    assert "办理中" in cases
    assert '<span class="badge warn">1</span>' in cases  # the overdue step


def test_a_receipt_passes_against_its_genesis_and_fails_against_another(
    tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle]
) -> None:
    tx = receipt[1].receipt.tx_hash.hex()
    passed = _client(tmp_path, receipt).get(f"/txs/{tx}")
    assert passed.status_code == 200
    assert 'class="check passed"' in passed.text
    assert "kv.put" in passed.text
    other = tmp_path / "other"
    other.mkdir()
    answer = _client(other, receipt, trusted=False).get(f"/txs/{tx}?lang=en")
    assert 'class="check failed"' in answer.text
    assert "Failed check: " in answer.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/txs/not-a-hash", 400),
        ("/cases/xyz", 400),
        ("/blocks?below=x", 400),
        ("/blocks/0", 400),
        ("/blocks/9", 404),
        (f"/txs/{'ef' * 32}", 404),
        (f"/cases/{CASE}", 404),
        ("/nowhere", 404),
    ],
)
def test_bad_requests_are_pages_without_a_traceback(
    tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle], path: str, status: int
) -> None:
    answer = _client(tmp_path, receipt).get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert "Traceback" not in answer.text
    assert str(tmp_path) not in answer.text
    assert 'href="/"' in answer.text


def test_an_index_that_goes_away_is_a_503_page_naming_no_path(
    tmp_path: Path, receipt: tuple[ChainMaker, TxReceiptBundle]
) -> None:
    client = _client(tmp_path, receipt)
    (tmp_path / "index.db").unlink()
    (tmp_path / "index.db").mkdir()  # now not a database at all
    answer = client.get("/blocks")
    assert answer.status_code == 503
    assert str(tmp_path) not in answer.text
    overview = client.get("/")
    assert overview.status_code == 200  # the nodes still answer
    assert "数据来源暂时无法应答: index" in overview.text


def test_a_missing_index_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError, match="no index at"):
        IndexReader(f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(IndexUnavailableError, match="expected sqlite"):
        IndexReader("mysql://x")
    result = govchain("console", "--node", "http://127.0.0.1:1", "--db",
                      f"sqlite:///{tmp_path / 'none.db'}", check=False)  # fmt: skip
    assert "no index at" in one_line_error(result)
    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps({}), encoding="utf-8")
    index = tmp_path / "index.db"
    _index(index)
    result = govchain("console", "--node", "http://127.0.0.1:1", "--db", f"sqlite:///{index}",
                      "--alerts", alerts, check=False)  # fmt: skip
    assert "alerts" in one_line_error(result)
