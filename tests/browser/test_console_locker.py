"""The console's locker pages in real Chromium, on a desktop and on a phone (issue 19 item 6
acceptance: "fetch an asset from the locker page with a purpose, also at 390x844"; F-C2,
F-C3, seed 003).

One network (1 validator, 1 storage node) serves the module: an enterprise holds a business
licence whose 法定代表人 is a marker text, and has granted a bank a view of it. In Debian's
chromium the holder opens its locker with its key file (read in the browser, never sent) and
sees the licence under its type; the bank opens its own locker, follows the grant, enters a
purpose and its locker password, and the content appears, decrypted in the browser, with the
usage record naming the purpose on the asset's page. The same at 390x844 with no horizontal
scroll. The marker never appears in a page before the fetch nor in the console's log.

Messages (F-C6): the bank sends the holder a message with ``govchain msg send`` for each
screen; the holder's inbox page lists it unread (sender and time only), it opens in the
browser with the locker password showing its marker text (in no page before, never in the
console's log), and shows as read, also after a fresh read of the inbox.
Screenshots go to the artifacts directory (``GOVCHAIN_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from govchain.client.sdk import NodeClient
from govchain.codes.demo import demo_uscc
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import write_file_atomic
from govchain.node.netinit import NetworkLayout
from tests.browser.browser_support import (
    NEEDS_CHROMIUM,
    answers,
    assert_fits,
    chromium,
    indexed_height,
    screenshots_dir,
    stop_all,
)
from tests.govchain_cli import GOVCHAIN, govchain, govchain_json, key_address
from tests.integration.network_support import running_network, wait_for
from tests.s3_server import free_ports

BUNDLE = (
    Path(__file__).resolve().parents[2] / "src/govchain/console/static/build/console-signing.js"
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "asset-types"
LICENCE_TYPE = "11100000MB0143028R001"
MARKER = "张标记LOCKER7f3a"
PASSWORD = "演示 locker password"
MESSAGE_MARKER = "消息标记MSG9d2b"
VIEWPORTS = [(1280, 900, "desktop"), (390, 844, "phone")]

pytestmark = [
    pytest.mark.timeout(900),
    NEEDS_CHROMIUM,
]


@dataclass(frozen=True)
class Locker:
    """The running console and what the scenario made."""

    url: str
    holder: str
    holder_key: Path
    bank: str
    bank_key: Path
    licence: str
    shots: Path
    log: Path
    messages: dict[str, str]
    """Viewport name -> the id of a message the bank sent the holder with ``msg send``, whose
    text holds MESSAGE_MARKER and the viewport's name."""


def _subject(
    layout: NetworkLayout, tmp: Path, node: list[str], name: str, serial: int
) -> tuple[Path, str]:
    """An approved enterprise with a locker: its key file and address."""
    code, _, admin = layout.members[0]
    key = tmp / f"{name}.pem"
    write_file_atomic(key, suite_for(layout.suite).generate_key().to_pem())
    address = key_address(key)
    govchain(
        "subject", "apply", *node, "--key", key, "--kind", "enterprise",
        "--code", demo_uscc(serial), "--name", f"济南保险箱{name}有限公司", "--member", code,
    )  # fmt: skip
    govchain("subject", "approve", address, *node, "--key", admin, "--permissions", "transact")
    password = tmp / "locker-password"
    password.write_text(PASSWORD + "\n", encoding="utf-8")
    govchain("locker", "init", *node, "--key", key, "--password-file", password, "--copies", "1")
    return key, address


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Locker]:
    if not BUNDLE.is_file():
        pytest.fail(f"the console bundle is missing ({BUNDLE}): run make install")
    tmp = tmp_path_factory.mktemp("locker")
    shots = screenshots_dir(tmp, "locker")
    with running_network(tmp / "net", validators=1, storage_nodes=1) as layout:
        url0 = layout.nodes[0].api_url
        node = ["--node", url0]
        _, _, admin = layout.members[0]
        govchain("asset-type", "define", *node, "--key", admin,
                 "--file", EXAMPLES / "business_licence.toml")  # fmt: skip
        holder_key, holder = _subject(layout, tmp, node, "holder", 9801)
        bank_key, bank = _subject(layout, tmp, node, "bank", 9802)
        fields = json.loads((EXAMPLES / "business_licence.fields.json").read_text("utf-8"))
        fields["法定代表人"] = MARKER
        data = tmp / "fields.json"
        data.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
        licence = str(govchain_json(
            "asset", "issue", *node, "--key", admin, "--type", LICENCE_TYPE, "--holder", holder,
            "--mode", "authority", "--data", data, "--copies", "1",
        )["content_id"])  # fmt: skip
        with NodeClient(url0) as client:
            later = datetime.fromtimestamp(
                int(client.status()["block_time"]) / 1000 + 86_400, tz=UTC
            ).isoformat()
        govchain(
            "grant", "create", licence, *node, "--key", holder_key, "--to", bank,
            "--purpose", "贷款审批", "--expires", later, "--uses", "5",
            "--password-file", tmp / "locker-password",
        )  # fmt: skip
        messages = {}
        for _, _, name in VIEWPORTS:  # one unread message for each viewport's test to open
            text = tmp / f"message-{name}.txt"
            text.write_text(f"您好：{MESSAGE_MARKER} {name}\n请查收营业执照。", encoding="utf-8")
            messages[name] = str(govchain_json(
                "msg", "send", *node, "--key", bank_key, "--to", holder, "--file", text,
            )["id"])  # fmt: skip
        db = tmp / "index.db"
        running: list[subprocess.Popen[bytes]] = []
        log_path = tmp / "console.log"
        try:
            with (tmp / "indexer.log").open("wb") as log:
                running.append(subprocess.Popen(
                    [str(GOVCHAIN), "indexer", "run", "--node", url0, "--db", f"sqlite:///{db}",
                     "--poll-s", "0.2"], stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            with NodeClient(url0) as client:
                made = int(client.status()["height"])
            wait_for(lambda: indexed_height(db) >= made, 120, "the indexer to reach the grant")
            (port,) = free_ports(1)
            with log_path.open("wb") as log:
                running.append(subprocess.Popen(
                    [str(GOVCHAIN), "console", "--node", url0, "--db", f"sqlite:///{db}",
                     "--genesis", str(layout.directory / "genesis.json"), "--port", str(port)],
                    stdout=log, stderr=subprocess.STDOUT,
                ))  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: answers(url + "/locker"), 60, "the console to answer")
            yield Locker(
                url, holder, holder_key, bank, bank_key, licence, shots, log_path, messages
            )
        finally:
            stop_all(running)
        console_log = log_path.read_text(errors="replace")
        assert "Traceback" not in console_log, console_log
        assert MARKER not in console_log
        assert MESSAGE_MARKER not in console_log


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from chromium()


def _page(browser: Browser, site: Locker, width: int, height: int) -> tuple[Page, list[str]]:
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site.url) else outside.append(r.url))
    return page, outside


def _open_locker(page: Page, site: Locker, address: str, key: Path) -> None:
    """Sign in with the key file (the console's sign-in), land on the own locker, open it."""
    page.goto(f"{site.url}/signin?next=/locker")
    page.set_input_files("#signin-key-file", str(key))
    page.click("form#signin button[type=submit]")
    page.wait_for_url(f"{site.url}/locker/{address}")
    assert MARKER not in page.content()
    page.set_input_files("#locker-key-file", str(key))
    page.click("#locker-open button[type=submit]")
    expect(page.locator("#locker-signed h2").first).to_be_visible(timeout=30_000)
    assert MESSAGE_MARKER not in page.content()


def _fetch(page: Page, site: Locker, purpose: str) -> None:
    page.click(f"#shared a[href*='/assets/{site.licence}']")
    page.wait_for_url(f"**/assets/{site.licence}?grant=*")
    assert MARKER not in page.content()  # before the fetch: not on the page
    assert purpose not in page.text_content("#usage")
    page.fill("#purpose", purpose)
    page.fill("#password", PASSWORD)
    page.set_input_files("#fetch-key-file", str(site.bank_key))
    page.click("#fetch button[type=submit]")
    expect(page.locator("#content")).to_contain_text(MARKER, timeout=60_000)
    expect(page.locator("#usage")).to_contain_text(purpose, timeout=30_000)


@pytest.mark.parametrize(("width", "height", "name"), VIEWPORTS)
def test_a_locker_by_type_and_a_fetch_with_a_purpose(
    browser: Browser, site: Locker, width: int, height: int, name: str
) -> None:
    page, outside = _page(browser, site, width, height)
    # the holder's locker: the licence under its type
    _open_locker(page, site, site.holder, site.holder_key)
    types = page.locator("#locker-signed section.type")
    expect(types).to_have_count(1)
    assert LICENCE_TYPE in types.first.text_content()
    assert "有效" in types.first.text_content()
    assert site.bank[:8] in page.text_content("#given-grant")
    assert_fits(page, width, f"{name} locker")
    page.screenshot(path=site.shots / f"locker-{name}.png", full_page=True)
    page.click(f"section.type a[href*='/assets/{site.licence}']")
    page.wait_for_url(f"**/assets/{site.licence}")
    assert MARKER not in page.content()  # the holder's asset page: public fields only
    assert_fits(page, width, f"{name} asset")
    page.screenshot(path=site.shots / f"locker-asset-{name}.png", full_page=True)
    assert outside == []
    # the bank (its own browser): its locker shows the grant; fetch with a purpose,
    # decrypted in the browser
    page, outside = _page(browser, site, width, height)
    _open_locker(page, site, site.bank, site.bank_key)
    assert site.licence[:12] in page.text_content("#shared")
    purpose = f"贷款审批 {name}"
    _fetch(page, site, purpose)
    rows = page.locator("#usage tbody tr").all_text_contents()
    assert any(purpose in row and site.bank[:12] in row for row in rows), rows
    assert page.input_value("#password") == ""  # not kept on the page
    assert_fits(page, width, f"{name} fetched")
    page.screenshot(path=site.shots / f"locker-fetched-{name}.png", full_page=True)
    assert outside == []


def _read_inbox(page: Page, site: Locker) -> None:
    """On the messages page: sign the inbox reads with the key file, wait for the list."""
    page.set_input_files("#inbox-key-file", str(site.holder_key))
    page.click("#inbox-open button[type=submit]")
    expect(page.locator("#inbox-list tbody tr").first).to_be_visible(timeout=30_000)


@pytest.mark.parametrize(("width", "height", "name"), VIEWPORTS)
def test_a_message_sent_with_the_cli_opens_in_the_browser_and_shows_as_read(
    browser: Browser, site: Locker, width: int, height: int, name: str
) -> None:
    page, outside = _page(browser, site, width, height)
    _open_locker(page, site, site.holder, site.holder_key)
    page.click("#messages-link")
    page.wait_for_url(f"{site.url}/locker/{site.holder}/messages")
    _read_inbox(page, site)
    row = page.locator(f"#inbox-list tr[data-id='{site.messages[name]}']")
    expect(row).to_have_count(1)
    assert site.bank[:12] in row.text_content()  # the sender, in clear
    expect(row.locator(".state")).to_have_class(re.compile(r"\bwait\b"))  # unread
    assert MESSAGE_MARKER not in page.content()  # sealed: nothing of it before it is opened
    assert_fits(page, width, f"{name} inbox")
    page.screenshot(path=site.shots / f"messages-{name}.png", full_page=True)
    # open it: the sealed body through the console, opened here with the locker key
    page.fill("#inbox-password", PASSWORD)
    row.locator("button.open-message").click()
    expect(page.locator("#message-body")).to_contain_text(
        f"{MESSAGE_MARKER} {name}", timeout=60_000
    )
    assert site.bank in page.text_content("#message")  # the sender inside the message
    expect(row.locator(".state")).to_have_class(re.compile(r"\bok\b"), timeout=30_000)  # read
    assert page.input_value("#inbox-password") == ""  # not kept on the page
    assert_fits(page, width, f"{name} message")
    page.screenshot(path=site.shots / f"messages-opened-{name}.png", full_page=True)
    # the receipt is on the storage node: a fresh read of the inbox shows it read
    page.reload()
    _read_inbox(page, site)
    again = page.locator(f"#inbox-list tr[data-id='{site.messages[name]}'] .state")
    expect(again).to_have_class(re.compile(r"\bok\b"))
    assert MESSAGE_MARKER not in page.content()
    assert outside == []
