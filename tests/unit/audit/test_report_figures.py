"""Compliance report figures over a small index built with the indexer's schema (issue 19 item 4;
F-E2, N-3): the range picks blocks by BFT time, every total counts the rows in it and none
outside, and the HTML and PDF carry them; on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govchain.audit import build_report, parse_range, read_alerts, read_index, render_html
from govchain.audit.figures import AccessLogInput, ReportInput, tx_volume
from govchain.audit.period import DAY_MS, HOUR_MS, ReportRange
from govchain.audit.render import render_pdf
from govchain.cli.main import app
from govchain.indexer.database import DerivedRows, open_database
from govchain.indexer.rows import BlockRows, json_text
from govchain.types.errors import ValidationError
from tests.postgres_server import fresh_database, postgres_server  # noqa: F401

DAY1 = parse_range("2026-03-01", "2026-03-01")
T1 = DAY1.start_ms


def _tx(name: str, height: int, index: int, kind: str, code: str = "") -> tuple[object, ...]:
    status = "failed" if code else "committed"
    return (name, height, index, kind, "key", "aa" * 20, status, 1 if code else 0, code)


def _event(
    height: int, tx: str, index: int, event_type: str, **attributes: object
) -> tuple[object, ...]:
    return (height, tx, index, event_type, json_text(attributes))


def _usage(tx: str, height: int, time: int) -> tuple[object, ...]:
    return (tx, "c1" * 32, 1, "bb" * 20, "bb" * 20, "cc" * 20, "read", "贷款审核", "grant",
            "g1" * 32, "91370100MA3C5TXX0D", "dd" * 20, "", "", time, height)  # fmt: skip


def _blocks() -> list[tuple[BlockRows, DerivedRows]]:
    """Three blocks: two on 2026-03-01 (hours 1 and 5), one on 2026-03-02."""
    issued = ("t1", 1, 0, "assets.issue")
    first = BlockRows(1, "h1", "h0", (1, "h1", "h0", T1 + HOUR_MS, "p", 4), (
        _tx(*issued), _tx("t2", 1, 1, "assets.issue"), _tx("t3", 1, 2, "grants.use",
                                                           "permission_denied"),
        _tx("t4", 1, 3, "registry.account_add")), (
        _event(1, "t1", 0, "assets.issued", content_id=b"\x01" * 32, type="LIC-A"),
        _event(1, "t2", 0, "assets.issued", content_id=b"\x02" * 32, type="LIC-B"),
        _event(1, "t4", 0, "registry.account_added", address=b"\x05" * 20, kind="department"),
    ), ())  # fmt: skip
    second = BlockRows(2, "h2", "h1", (2, "h2", "h1", T1 + 5 * HOUR_MS, "p", 5), (
        _tx("t5", 2, 0, "grants.grant"), _tx("t6", 2, 1, "grants.use"),
        _tx("t7", 2, 2, "assets.revoke"), _tx("t8", 2, 3, "workflow.flag_overdue"),
        _tx("t9", 2, 4, "workflow.step_result")), (
        _event(2, "t5", 0, "grants.granted", grant=b"\x07" * 32),
        _event(2, "t6", 0, "grants.used", asset=b"\x01" * 32),
        _event(2, "t7", 0, "assets.status_changed", content_id=b"\x01" * 32, status="revoked"),
        _event(2, "t8", 0, "workflow.overdue", case=b"\x09" * 32, step="licence"),
        _event(2, "t9", 0, "workflow.intervention", case=b"\x09" * 32, step="licence"),
        _event(2, "t9", 1, "workflow.case_closed", case=b"\x09" * 32, state="rejected"),
    ), ())  # fmt: skip
    later = BlockRows(3, "h3", "h2", (3, "h3", "h2", T1 + DAY_MS + 10, "p", 2), (
        _tx("u1", 3, 0, "assets.issue"), _tx("u2", 3, 1, "grants.use", "grant_expired")), (
        _event(3, "u1", 0, "assets.issued", content_id=b"\x03" * 32, type="LIC-A"),
    ), ())  # fmt: skip
    asset = ("01" * 32, "ID1", "LIC-A", "cc" * 20, "dd" * 20, "authority", "revoked", 1, 0, 2)
    step = ("09" * 32, "licence", "DEPT", "rejected", 10, T1 + 4 * HOUR_MS, T1 + 6 * HOUR_MS,
            1, 1, 0, 2)  # fmt: skip
    return [
        (first, DerivedRows((("accounts", ("05" * 20, "department", "ORG", "[]", "active", 1)),))),
        (
            second,
            DerivedRows(
                (("usage", _usage("t6", 2, T1 + 5 * HOUR_MS)), ("assets", asset), ("steps", step))
            ),
        ),
        (later, DerivedRows(())),
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def index_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same small index on SQLite and on a real PostgreSQL: the report reads both alike."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.db'}"
    else:
        url = fresh_database(request.getfixturevalue("postgres_server"))
    with open_database(url) as db:
        db.start("audit-test-chain")
        for block, derived in _blocks():
            db.write_height(block, derived)
    return url


def _report_input(url: str, period: ReportRange = DAY1) -> ReportInput:
    with open_database(url, create=False) as db:
        return read_index(db, period, T1 + 2 * DAY_MS)


def test_totals_count_the_range_and_nothing_outside_f_e2(index_url: str) -> None:
    report = build_report(_report_input(index_url))
    totals = report.totals
    assert report.header["heights"] == [1, 2]
    assert report.header["indexed_height"] == 3
    assert report.header["from"] == "2026-03-01T00:00:00Z"
    assert report.header["to"] == "2026-03-02T00:00:00Z"
    assert totals["blocks"] == 2
    assert totals["txs"] == {
        "total": 9, "committed": 8, "failed": 1,
        "by_type": {"assets.issue": 2, "assets.revoke": 1, "grants.grant": 1, "grants.use": 2,
                    "registry.account_add": 1, "workflow.flag_overdue": 1,
                    "workflow.step_result": 1},
        "failed_by_code": {"permission_denied": 1},
    }  # fmt: skip
    assert totals["assets"] == {
        "issued": 2, "issued_by_type": {"LIC-A": 1, "LIC-B": 1},
        "status_changed_by_type": {"revoked": {"LIC-A": 1}},
    }  # fmt: skip
    assert totals["accounts"]["added_by_kind"] == {"department": 1}
    assert totals["accounts"]["indexed_by_kind"] == {"department": 1}
    assert totals["grants"]["granted"] == 1
    assert totals["usage_records"] == 1
    assert totals["cases"] == {"opened": 0, "completed": 0, "rejected": 1}
    assert (totals["steps_overdue"], totals["interventions"]) == (1, 1)
    assert totals["alerts"] is None
    assert report.failed_txs == [{"height": 1, "tx": "t3", "type": "grants.use",
                                  "sender": "aa" * 20, "code": "permission_denied"}]  # fmt: skip
    assert [(s["case"], s["step"], s["department"]) for s in report.overdue_steps] == [
        ("09" * 32, "licence", "DEPT")
    ]
    assert [(u["tx"], u["purpose"], u["via"]) for u in report.usage_trail] == [
        ("t6", "贷款审核", "grant")
    ]


def test_a_two_day_range_takes_the_third_block_too_f_e2(index_url: str) -> None:
    report = build_report(_report_input(index_url, parse_range("2026-03-01", "2026-03-02")))
    assert report.header["heights"] == [1, 3]
    assert report.totals["txs"]["failed_by_code"] == {"grant_expired": 1, "permission_denied": 1}
    assert report.totals["assets"]["issued_by_type"] == {"LIC-A": 2, "LIC-B": 1}
    assert report.volume_unit == "hour"
    assert sum(n for _, n in report.volume) == 11


def test_an_empty_range_has_zero_totals_and_no_heights(index_url: str) -> None:
    report = build_report(_report_input(index_url, parse_range("2020-01-01", "2020-01-31")))
    assert report.header["heights"] is None
    assert (report.totals["blocks"], report.totals["txs"]["total"]) == (0, 0)
    assert report.volume_unit == "day"
    assert len(report.volume) == 31
    assert "no block in the range" in render_html(report)


def test_volume_buckets_cover_the_range_f_e2() -> None:
    unit, points = tx_volume(DAY1, [(1, T1 + HOUR_MS, 4), (2, T1 + HOUR_MS + 5, 1), (3, T1, 2)])
    assert unit == "hour"
    assert len(points) == 24
    assert points[:3] == [("2026-03-01T00", 2), ("2026-03-01T01", 5), ("2026-03-01T02", 0)]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-02", "2026-03-01", "--to must be after --from"),
        ("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z", "--to must be after --from"),
        ("yesterday", "2026-03-01", "--from: expected a UTC day"),
        ("2026-03-01", "2026-03-01T10:00:00+08:00", "--to: expected a UTC day"),
        ("2000-01-01", "2026-03-01", "at most 3660 days"),
    ],
)
def test_a_bad_range_is_refused_in_one_line(start: str, end: str, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_range(start, end)


def test_instants_are_exact_and_the_end_excluded() -> None:
    period = parse_range("2026-03-01T01:00:00Z", "2026-03-01T05:00:00Z")
    assert (period.start_ms, period.end_ms) == (T1 + HOUR_MS, T1 + 5 * HOUR_MS)
    assert period.holds(T1 + HOUR_MS)
    assert not period.holds(T1 + 5 * HOUR_MS)


def test_access_logs_and_alerts_become_anomalies_and_trail_f_e2(
    index_url: str, tmp_path: Path
) -> None:
    store = tmp_path / "alerts.sqlite"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE alerts (id INTEGER PRIMARY KEY, rule TEXT, subject TEXT, "
                   "severity TEXT, started_at TEXT, started_height INTEGER, ended_at TEXT, "
                   "ended_height INTEGER, detail TEXT)")  # fmt: skip
        db.executemany("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (1, "height_stalled", "node0", "critical", "2026-02-28T10:00:00.000Z", 1,
             "2026-02-28T11:00:00.000Z", 2, "before the range"),
            (2, "peers_below_quorum", "node1", "warning", "2026-02-28T23:00:00.000Z", 1,
             None, None, "still open"),
            (3, "disk_space", "node2", "warning", "2026-03-02T00:00:00.000Z", 3, None, None,
             "after the range"),
        ])  # fmt: skip
    db.close()
    log = AccessLogInput("net/node0", False, "does not verify: line 3 was changed", (
        {"seq": 2, "time": T1 + 7, "kind": "security", "event": "permission_denied",
         "method": "GET", "path": "/v1/assets/01", "status": 403, "signer": "ee" * 20},
        {"seq": 4, "time": T1 + 9, "kind": "access", "event": "", "method": "GET",
         "path": "/v1/assets/01/content", "status": 200, "signer": "bb" * 20},
    ))  # fmt: skip
    base = _report_input(index_url)
    report = build_report(replace(base, access_logs=(log,), alerts=read_alerts(store, DAY1)))
    assert report.totals["security_events"] == 1
    assert report.totals["security_by_event"] == {"permission_denied": 1}
    assert report.totals["signed_reads"] == 2
    assert report.totals["alerts"] == 1
    assert report.alerts is not None
    assert [a["rule"] for a in report.alerts] == ["peers_below_quorum"]
    page = render_html(report)
    assert "NOT VERIFIED: does not verify: line 3 was changed" in page
    assert "peers_below_quorum" in page
    assert "before the range" not in page


def test_html_is_self_contained_and_embeds_the_totals_f_e2(index_url: str) -> None:
    report = build_report(_report_input(index_url))
    page = render_html(report)
    found = re.search(r'<script type="application/json" id="govchain-report">(.*?)</script>', page)
    assert found is not None
    assert json.loads(found.group(1)) == json.loads(json.dumps(report.machine_readable()))
    assert page.count("<svg") == 2  # the volume and the assets issued by type
    assert not re.search(
        r"<(link|img|iframe)\b|\bsrc=|@import|url\((?!#)", page
    )  # url(#id): the SVG's own clips
    assert "贷款审核" in page
    assert render_pdf(report).startswith(b"%PDF-")


def test_the_command_refuses_bad_input_in_one_line(index_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["audit", "report", "--db", index_url, "--from", "2026-03-01", "--to", "2026-03-01"]
    cases = [
        ([*base, "--out", str(tmp_path / "r.txt")], "--out: expected a file name ending in"),
        ([*base, "--out", str(tmp_path / "no" / "r.html")], "does not exist"),
        (["audit", "report", "--db", f"sqlite:///{tmp_path / 'none.db'}", "--from",
          "2026-03-01", "--to", "2026-03-01", "--out", str(tmp_path / "r.html")], "no index at"),
        ([*base, "--out", str(tmp_path / "r.html"), "--access-log", str(tmp_path)],
         "no audit/access.log there"),
        ([*base, "--out", str(tmp_path / "r.html"), "--alerts", str(tmp_path / "x.sqlite")],
         "no such file"),
    ]  # fmt: skip
    for argv, message in cases:
        result = runner.invoke(app, argv)
        assert result.exit_code == 1, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "r.html"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["totals"]["txs"]["total"] == 9
    assert (tmp_path / "r.html").read_text("utf-8").startswith("<!DOCTYPE html>")
