"""The web console in real Chromium (issue 19 item 6 acceptance; F-E3, F-D6).

A network of real processes, an indexer following it, a case opened and a
monitor's alerts file; `govchain console` runs as a subprocess, and Debian's
chromium (driven by Playwright through ``executable_path``, never a browser
Playwright downloads) opens its pages: the overview's height rises as blocks
commit with no reload, a case shows its proven timeline, a tx its passed
offline check, every page fits a 390x844 screen, and the English switch
holds across pages. A screenshot of each page is written to the artifacts
directory the session prints (``GOVCHAIN_TEST_ARTIFACTS`` names another).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from govchain.client.sdk import NodeClient
from govchain.monitor.alerts import Alert, AlertStore
from tests.browser.browser_support import (
    NEEDS_CHROMIUM,
    answers,
    chromium,
    indexed_height,
    screenshots_dir,
    stop_all,
)
from tests.browser.console_network import CaseOpened, open_case
from tests.govchain_cli import GOVCHAIN
from tests.integration.network_support import running_network, wait_for
from tests.s3_server import free_ports

pytestmark = [
    pytest.mark.timeout(900),
    NEEDS_CHROMIUM,
]


@dataclass(frozen=True)
class Site:
    """The running console and what the scenario made."""

    url: str
    case: CaseOpened
    shots: Path
    member: str
    """The credit code of the member the enterprise applied to."""


def _alerts_file(path: Path) -> None:
    """A monitor's alerts file with one open alert and one that ended."""
    store = AlertStore(path)
    opened = Alert(1, "peers_below_quorum", "validator-1", "warning", "2026-01-01T00:00:00.000Z",
                   3, None, None, "1 peer, quorum needs 2")  # fmt: skip
    ended = Alert(2, "round_stuck", "validator-0", "critical", "2026-01-01T00:00:01.000Z", 4,
                  "2026-01-01T00:00:09.000Z", 6, "round 3 at height 4 for 40 s")  # fmt: skip
    store.record([opened, ended], [])
    store.record([], [ended])
    store.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("console")
    shots = screenshots_dir(tmp, "console")
    with running_network(tmp / "net", validators=2, storage_nodes=2) as layout:
        nodes = ",".join(n.api_url for n in layout.nodes)
        db = tmp / "index.db"
        running: list[subprocess.Popen[bytes]] = []
        try:
            with (tmp / "indexer.log").open("wb") as log:
                running.append(subprocess.Popen(
                    [str(GOVCHAIN), "indexer", "run", "--node", nodes, "--db", f"sqlite:///{db}",
                     "--poll-s", "0.2"], stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            case = open_case(layout, tmp, ["--node", nodes])
            with NodeClient(layout.nodes[0].api_url) as client:
                made = int(client.status()["height"])
            wait_for(lambda: indexed_height(db) >= made, 120, "the indexer to reach the case")
            alerts = tmp / "alerts.sqlite"
            _alerts_file(alerts)
            (port,) = free_ports(1)
            with (tmp / "console.log").open("wb") as log:
                running.append(subprocess.Popen(
                    [str(GOVCHAIN), "console", "--node", nodes, "--db", f"sqlite:///{db}",
                     "--alerts", str(alerts), "--genesis", str(layout.directory / "genesis.json"),
                     "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: answers(url + "/"), 60, "the console to answer")
            yield Site(url, case, shots, layout.members[0][0])
        finally:
            stop_all(running)
        console_log = (tmp / "console.log").read_text(errors="replace")
        assert "Traceback" not in console_log, console_log


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from chromium()


def _page(
    browser: Browser, site: Site, width: int = 1280, height: int = 900
) -> tuple[Page, list[str]]:
    """A page in a fresh context (no cookie) at that viewport, and the list of the URLs it
    asked for that are not the console's (it must stay empty)."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site.url) else outside.append(r.url))
    return page, outside


def _height(page: Page, element: str) -> int:
    return int((page.text_content(f"#{element}") or "").strip())


def test_overview_shows_the_height_and_follows_new_blocks(browser: Browser, site: Site) -> None:
    page, outside = _page(browser, site)
    page.goto(site.url + "/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.text_content("h1") == "网络概览"
    rows = page.locator("#live tbody tr").all_text_contents()
    assert len([r for r in rows if "在线" in r]) == 2, rows
    first = _height(page, "chain-height")
    assert first >= site.case.height
    indexed = _height(page, "indexed-height")
    assert indexed >= site.case.height
    alerts = page.text_content("#alerts")
    assert "peers_below_quorum" in alerts
    assert "1 peer, quorum needs 2" in alerts
    assert "round_stuck" not in alerts  # it ended
    assert page.evaluate("document.getElementById('throughput').naturalWidth") > 0
    page.screenshot(path=site.shots / "overview.png", full_page=True)
    # the page's own script follows the chain: no reload
    page.evaluate("window.notReloaded = true")
    # (Playwright's expect polls from here: the page's CSP allows no eval of test code)
    expect(page.locator("#chain-height")).not_to_have_text(str(first), timeout=30_000)
    expect(page.locator("#indexed-height")).not_to_have_text(str(indexed), timeout=60_000)
    assert page.evaluate("window.notReloaded") is True
    assert _height(page, "chain-height") > first
    assert _height(page, "indexed-height") > indexed
    page.screenshot(path=site.shots / "overview-later.png", full_page=True)
    assert outside == []


def test_a_case_shows_its_proven_timeline(browser: Browser, site: Site) -> None:
    page, outside = _page(browser, site)
    page.goto(site.url + "/cases")
    assert page.text_content("h1") == "办件"
    page.screenshot(path=site.shots / "cases.png", full_page=True)
    page.click(f"a[href='/cases/{site.case.case_id}']")
    page.wait_for_url(f"**/cases/{site.case.case_id}")
    steps = page.locator("table").first.locator("tbody tr").all_text_contents()
    assert len(steps) == 1, steps
    assert "licence" in steps[0]
    assert "待办理" in steps[0]
    timeline = page.locator("#timeline tbody tr").all_text_contents()
    assert timeline, "no timeline entry"
    assert any(str(site.case.height) in row for row in timeline), timeline
    check = page.locator("#offline-check")
    assert "passed" in (check.get_attribute("class") or "")
    assert "通过" in check.text_content()
    page.screenshot(path=site.shots / "case.png", full_page=True)
    assert outside == []


def test_a_tx_shows_its_receipt_and_the_offline_check_passed(browser: Browser, site: Site) -> None:
    page, outside = _page(browser, site)
    page.goto(site.url + "/blocks")
    page.screenshot(path=site.shots / "blocks.png", full_page=True)
    page.goto(f"{site.url}/blocks/{site.case.height}")
    assert page.text_content("h1") == f"区块 {site.case.height}"
    page.screenshot(path=site.shots / "block.png", full_page=True)
    page.click(f"a[href='/txs/{site.case.tx_hash}']")
    page.wait_for_url(f"**/txs/{site.case.tx_hash}")
    check = page.locator("#offline-check")
    assert "passed" in (check.get_attribute("class") or "")
    assert "通过" in check.text_content()
    assert re.search(r"签名投票权 \d+ / \d+", check.text_content())
    facts = page.text_content("dl.facts")
    assert "workflow.apply" in facts
    assert site.case.tx_hash in facts
    assert "workflow." in page.text_content("main")  # its events
    page.screenshot(path=site.shots / "tx.png", full_page=True)
    assert outside == []


def test_every_page_fits_a_phone_screen(browser: Browser, site: Site) -> None:
    page, outside = _page(browser, site, 390, 844)
    paths = {
        "overview": "/",
        "blocks": "/blocks",
        "block": f"/blocks/{site.case.height}",
        "tx": f"/txs/{site.case.tx_hash}",
        "cases": "/cases",
        "case": f"/cases/{site.case.case_id}",
        "members": "/members",
        "member": f"/members/{site.member}",
        "assets": "/assets",
        "audit": f"/audit?from=2026-01-01&account={'ab' * 20}",
    }
    for name, path in paths.items():
        page.goto(site.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name}: the page is {width} px wide on a 390 px screen"
        assert page.is_visible("nav a#lang"), name
        page.screenshot(path=site.shots / f"{name}-390x844.png", full_page=True)
    assert outside == []


def test_the_english_switch_holds_across_pages(browser: Browser, site: Site) -> None:
    page, outside = _page(browser, site)
    page.goto(site.url + "/cases")
    page.click("#lang")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("h1") == "Cases"
    page.click("nav a[href='/']")  # the cookie keeps English
    page.wait_for_url(site.url + "/")
    assert page.text_content("h1") == "Network overview"
    assert "up" in page.locator("#live tbody tr").first.text_content()
    page.screenshot(path=site.shots / "overview-en.png", full_page=True)
    page.goto(f"{site.url}/txs/{site.case.tx_hash}")
    assert "passed" in page.text_content("#offline-check")
    page.click("#lang")
    page.wait_for_load_state()
    assert page.text_content("h1") == "交易"
    assert outside == []


def test_members_assets_and_audit_pages_in_both_languages(browser: Browser, site: Site) -> None:
    page, outside = _page(browser, site)
    page.goto(site.url + "/")
    page.click("nav a[href='/members']")
    page.wait_for_url(site.url + "/members")
    assert page.text_content("h1") == "成员、节点与主体"
    members = page.locator("#members tbody tr").all_text_contents()
    assert any(site.member in row for row in members), members
    nodes = page.locator("#nodes tbody tr").all_text_contents()
    assert len([row for row in nodes if "验证节点" in row]) == 2, nodes
    subjects = page.locator("#subjects tbody tr").all_text_contents()
    assert any("企业" in row and "1" in row for row in subjects), subjects
    assert "济南控制台演示有限公司" not in page.text_content("main")  # a subject is never named
    page.screenshot(path=site.shots / "members.png", full_page=True)
    page.click(f"a[href='/members/{site.member}']")
    page.wait_for_url(f"**/members/{site.member}")
    check = page.locator("#offline-check")
    assert "passed" in (check.get_attribute("class") or "")
    assert "通过" in check.text_content()
    page.screenshot(path=site.shots / "member.png", full_page=True)
    page.click("nav a[href='/assets']")
    page.wait_for_url(site.url + "/assets")
    assert page.text_content("h1") == "资产"
    assert page.evaluate("document.getElementById('growth').naturalWidth") > 0
    page.screenshot(path=site.shots / "assets.png", full_page=True)
    page.click("nav a[href='/audit']")
    page.wait_for_url(site.url + "/audit")
    security = page.locator("#security tbody tr").all_text_contents()
    assert security, "no security row"
    assert not any("无应答" in row for row in security), security
    page.fill("input[name='account']", site.case.case_id[:8] * 5)
    page.click("#trail-filter button")
    page.wait_for_url(f"**/audit?account={site.case.case_id[:8] * 5}**")
    assert "共 0 条使用记录符合条件" in page.text_content("#trail-total")
    page.screenshot(path=site.shots / "audit.png", full_page=True)
    page.goto(site.url + "/members?lang=en")
    assert page.text_content("h1") == "Members, nodes and subjects"
    page.screenshot(path=site.shots / "members-en.png", full_page=True)
    page.click("nav a[href='/assets']")
    assert page.text_content("h1") == "Assets"
    page.screenshot(path=site.shots / "assets-en.png", full_page=True)
    page.click("nav a[href='/audit']")
    assert page.text_content("h1") == "Audit: the access trail"
    page.screenshot(path=site.shots / "audit-en.png", full_page=True)
    assert outside == []
