"""Sign-in, governance and isolation in the console, in real Chromium (issue 19 items 5, 6
acceptance; F-E6, F-E3).

One network of four validators (four members, so a proposal needs three
votes) serves every test here; an indexer follows it and the console runs in
this process on a clock the test can move (the session-expiry test moves it
instead of waiting half an hour; production passes ``time.monotonic``).
Member admins sign in with their own key files, read and used by the page's
script only; a wrong key and a replayed challenge are refused; an admin
proposes to evict the node that equivocated (from the evidence page) and to
freeze an account (from its page); three admins of four approve the freeze
one after the other and the page shows it executed. A regulator, set by a
vote, reads a case in its scope with a purpose (its form shown, checked
against the genesis), the read is in the holder's usage history on the
account page and in the access trail, and a case outside the scope offers
no form. Screenshots of each page go to the artifacts directory.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from govchain.client.sdk import NodeClient
from govchain.client.submission import committed_receipt, submit_built
from govchain.codes.demo import demo_uscc
from govchain.consensus.evidence import DuplicateVote
from govchain.console import ChainReader, ConsoleSources, IndexReader, create_app
from govchain.console.chain_actions import ChainActions
from govchain.console.routes_access import ConsoleAccess
from govchain.console.scoped_reads import ScopedReader
from govchain.console.sessions import SessionStore
from govchain.console.signin import ChallengeStore
from govchain.console.tx_prep import PendingTxStore
from govchain.contracts.evidence import evidence_tx
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key, write_file_atomic
from govchain.ledger import records
from govchain.ledger.genesis_file import load_genesis
from govchain.node.netinit import VALIDATOR_KEY_FILE, NetworkLayout
from govchain.types.commit import Vote, VoteType
from tests.browser.browser_support import NEEDS_CHROMIUM, chromium, indexed_height, screenshots_dir
from tests.govchain_cli import GOVCHAIN, govchain, govchain_json, key_address
from tests.integration.network_support import decide_by_vote, running_network, wait_for
from tests.s3_server import free_ports

pytestmark = [
    pytest.mark.timeout(900),
    NEEDS_CHROMIUM,
]

SESSION_MINUTES = 30


class Clock:
    """Monotonic time the test may push forward."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        import time

        return time.monotonic() + self.ahead


@dataclass(frozen=True)
class Site:
    """The console and what the tests use: the layout, the clock, where screenshots go."""

    url: str
    layout: NetworkLayout
    clock: Clock
    shots: Path
    stranger_key: Path
    db: Path
    tmp: Path


def _equivocate(layout: NetworkLayout) -> str:
    """Submit duplicate-vote evidence against the last validator; its node's name."""
    node = layout.nodes[-1]
    key = read_signing_key(node.home / VALIDATOR_KEY_FILE)
    suite = suite_for(layout.suite)
    with NodeClient(layout.nodes[0].api_url) as client:
        height = int(client.status()["height"])
        votes = []
        for fill in (b"\x01", b"\x02"):
            vote = Vote(layout.chain_id, VoteType.PRECOMMIT, height - 1, 0, fill * 32, 1,
                        records.address_of(suite, key.public_key))  # fmt: skip
            signed = key.sign(records.vote_signing_bytes(vote))
            votes.append(dataclasses.replace(vote, signature=signed))
        evidence = DuplicateVote.of(*votes)
        _, tx_hash = submit_built(
            client,
            layout.suite,
            lambda chain, nonce, expiry: evidence_tx(key, chain, evidence, nonce, expiry),
        )
        receipt = committed_receipt(client, tx_hash, 60)
    assert receipt.status == 0, receipt.error
    return node.name


def _serve(app: object, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("console-signin")
    shots = screenshots_dir(tmp, "console sign-in")
    stranger = tmp / "stranger.pem"
    with running_network(tmp / "net", validators=4, storage_nodes=1) as layout:
        write_file_atomic(stranger, suite_for(layout.suite).generate_key().to_pem())
        urls = [n.api_url for n in layout.nodes]
        db = tmp / "index.db"
        with (tmp / "indexer.log").open("wb") as log:
            indexer = subprocess.Popen(
                [str(GOVCHAIN), "indexer", "run", "--node", ",".join(urls), "--db",
                 f"sqlite:///{db}", "--poll-s", "0.2"], stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        clock = Clock()
        genesis = load_genesis(layout.directory / "genesis.json")
        chain = ChainReader(urls, None, genesis)
        actions = ChainActions(urls, None)
        scoped = ScopedReader(urls, None, genesis)
        server = None
        try:
            wait_for(lambda: indexed_height(db) >= 1, 120, "the indexer to start")
            access = ConsoleAccess(
                actions,
                ChallengeStore(clock=clock),
                SessionStore(SESSION_MINUTES, clock=clock),
                PendingTxStore(clock=clock),
            )
            index = IndexReader(f"sqlite:///{db}")
            app = create_app(ConsoleSources(chain, index, None, scoped=scoped), access)
            (port,) = free_ports(1)
            server, thread = _serve(app, port)
            url = f"http://127.0.0.1:{port}"
            wait_for(lambda: httpx.get(url + "/signin", timeout=2).status_code == 200, 60,
                     "the console to answer")  # fmt: skip
            yield Site(url, layout, clock, shots, stranger, db, tmp)
        finally:
            if server is not None:
                server.should_exit = True
                thread.join(timeout=30)
            chain.close()
            actions.close()
            scoped.close()
            indexer.terminate()
            indexer.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from chromium()


def _page(browser: Browser, site: Site) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("request", lambda r: None if r.url.startswith(site.url) else pytest.fail(r.url))
    return page


def _sign_in(page: Page, site: Site, key: Path, then: str = "/") -> None:
    page.goto(f"{site.url}/signin?next={then}")
    page.set_input_files("#signin-key-file", str(key))
    page.click("form#signin button[type=submit]")
    page.wait_for_url(site.url + then)


def _admin(site: Site, index: int) -> Path:
    return site.layout.members[index][2]


def test_a_member_admin_signs_in_with_the_key_file_and_strangers_are_refused(
    browser: Browser, site: Site
) -> None:
    page = _page(browser, site)
    page.goto(site.url + "/signin")
    assert page.text_content("h1") == "登录"
    page.screenshot(path=site.shots / "signin.png", full_page=True)
    page.set_input_files("#signin-key-file", str(site.stranger_key))
    page.click("form#signin button[type=submit]")
    expect(page.locator("#signin-message")).to_have_text("该私钥在链上没有注册账户")
    page.screenshot(path=site.shots / "signin-refused.png", full_page=True)
    _sign_in(page, site, _admin(site, 0))
    who = page.text_content("#who") or ""
    assert "成员管理员" in who
    assert site.layout.members[0][0] in who
    page.goto(site.url + "/signin")
    assert site.layout.members[0][0] in (page.text_content("#identity") or "")
    page.screenshot(path=site.shots / "signed-in.png", full_page=True)
    # a replayed challenge: the same signed answer twice (sent the way the page sends it)
    key = read_signing_key(_admin(site, 1))
    origin = {"origin": site.url}
    challenge = page.request.post(site.url + "/signin/challenge", data={}, headers=origin).json()
    answer = {"id": challenge["id"], "suite": site.layout.suite,
              "public_key": key.public_key.hex(),
              "signature": key.sign(challenge["text"].encode()).hex()}  # fmt: skip
    first = page.request.post(site.url + "/signin", data=answer, headers=origin)
    assert first.status == 200
    again = page.request.post(site.url + "/signin", data=answer, headers=origin)
    assert again.status == 403
    assert again.json()["error"] == "挑战无效或已使用，请重试"
    page.click("#signout")
    page.wait_for_url(site.url + "/signin")
    assert "登录" in (page.text_content("#who") or "")


def _subject(site: Site, serial: int, name: str) -> Path:
    """A registered enterprise subject of member 0 with a locker (a regulator opens envelopes
    with it; an applicant receives a case's outputs in it)."""
    node = ["--node", ",".join(n.api_url for n in site.layout.nodes)]
    code0, _, admin0 = site.layout.members[0]
    key = site.tmp / f"subject{serial}.pem"
    write_file_atomic(key, suite_for(site.layout.suite).generate_key().to_pem())
    govchain("subject", "apply", *node, "--key", key, "--kind", "enterprise",
             "--code", demo_uscc(serial), "--name", name, "--member", code0)  # fmt: skip
    govchain("subject", "approve", key_address(key), *node, "--key", admin0,
             "--permissions", "transact")  # fmt: skip
    password = site.tmp / "locker-password"
    password.write_text("演示 password\n", encoding="utf-8")
    govchain("locker", "init", *node, "--key", key, "--password-file", password,
             "--copies", "1")  # fmt: skip
    return key


def _case(site: Site, matter: str, applicant: Path) -> str:
    """A case of a one-step process of ``matter`` (member 0's), applied by the client."""
    node = ["--node", ",".join(n.api_url for n in site.layout.nodes)]
    code0, _, admin0 = site.layout.members[0]
    spec = site.tmp / f"{matter}.json"
    spec.write_text(json.dumps({"code": matter, "name": "监管演示事项", "kind": "行政许可",
                                "department": code0, "time_limit_days": 1, "outputs": []},
                               ensure_ascii=False),
                    encoding="utf-8")  # fmt: skip
    govchain("matter", "define", *node, "--key", admin0, "--file", spec)
    process = site.tmp / f"{matter}.toml"
    process.write_text(
        f'code = "{matter.lower()}"\nname = "监管演示"\n\n[steps.review]\n'
        f'matter = "{matter}"\ntime_limit_minutes = 60\n',
        encoding="utf-8",
    )
    govchain("process", "publish", process, *node, "--key", admin0)
    form = site.tmp / "form.json"
    form.write_text(json.dumps({"名称": "济南演示受监管有限公司"}, ensure_ascii=False), "utf-8")
    return str(govchain_json(
        "case", "apply", *node, "--key", site.layout.client_key, "--process", matter.lower(),
        "--applicant", key_address(applicant), "--form", form,
    )["case"])  # fmt: skip


def test_a_regulator_reads_a_case_in_scope_with_a_purpose_and_the_holder_sees_it_f_e1(
    browser: Browser, site: Site
) -> None:
    regulator = _subject(site, 9601, "济南演示市场监管中心")
    company = _subject(site, 9602, "济南演示受监管有限公司")
    inside, outside = _case(site, "REG-IN", company), _case(site, "REG-OUT", company)
    urls = [n.api_url for n in site.layout.nodes]
    decide_by_vote(urls, site.layout, "regulator.set", {
        "address": key_address(regulator), "types": "", "departments": "", "matters": "REG-IN",
        "reason": "办件合规抽查",
    })  # fmt: skip
    page = _page(browser, site)
    _sign_in(page, site, regulator, f"/cases/{inside}")
    assert "监管机构" in (page.text_content("#who") or "")
    assert page.locator("#scoped-form").count() == 0  # no form content before the read
    page.fill("#scoped-purpose", "年度双随机抽查")
    page.set_input_files("#scoped-key-file", str(regulator))
    page.click("form#scoped-read button[type=submit]")
    expect(page.locator("#scoped-form")).to_contain_text("济南演示受监管有限公司", timeout=60_000)
    expect(page.locator("#scoped-check .outcome")).to_have_text("通过")
    page.screenshot(path=site.shots / "regulator-case-read.png", full_page=True)
    page.goto(f"{site.url}/cases/{outside}")
    expect(page.locator("form#scoped-read")).to_have_count(0)
    page.screenshot(path=site.shots / "regulator-case-out-of-scope.png", full_page=True)
    holder = key_address(company)
    page.goto(f"{site.url}/accounts/{holder}")
    history = page.locator("#usage-history")
    expect(history).to_contain_text("年度双随机抽查")
    expect(history).to_contain_text(key_address(regulator)[:12])
    page.screenshot(path=site.shots / "holder-usage-history.png", full_page=True)
    with NodeClient(urls) as client:
        height = int(client.status()["height"])
    wait_for(lambda: indexed_height(site.db) >= height, 60, "the index to reach the read")
    page.goto(f"{site.url}/audit?account={holder}")
    expect(page.locator("main")).to_contain_text("年度双随机抽查")
    page.screenshot(path=site.shots / "audit-regulator-read.png", full_page=True)


def test_isolation_proposals_from_evidence_and_an_account_and_three_admins_approve(
    browser: Browser, site: Site
) -> None:
    offender = _equivocate(site.layout)
    page = _page(browser, site)
    page.goto(site.url + "/evidence")
    assert page.url.startswith(site.url + "/evidence")
    assert "需要登录" in (page.text_content("h1") or "")  # acting pages need a session
    _sign_in(page, site, _admin(site, 0), "/evidence")
    row = page.locator("#evidence tbody tr", has_text=offender)
    expect(row).to_have_count(1)
    page.screenshot(path=site.shots / "evidence.png", full_page=True)
    row.locator("input[name=reason]").fill("双重投票证据 equivocation")
    row.locator("input.key-file").set_input_files(str(_admin(site, 0)))
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/governance/*", timeout=60_000)
    assert (page.text_content("#action") or "") == "node.remove"
    assert offender in (page.text_content("dl.facts") or "")
    evict = page.url.rsplit("/", 1)[1]
    client = read_signing_key(site.layout.client_key)
    address = records.address_of(suite_for(site.layout.suite), client.public_key).hex()
    page.goto(f"{site.url}/accounts/{address}")
    page.screenshot(path=site.shots / "account.png", full_page=True)
    page.fill("#freeze-reason", "越权访问 denials")
    page.set_input_files("#freeze-key-file", str(_admin(site, 0)))
    page.click("form#freeze button[type=submit]")
    page.wait_for_url("**/governance/*", timeout=60_000)
    freeze = page.url.rsplit("/", 1)[1]
    assert freeze != evict
    assert (page.text_content("#action") or "") == "account.freeze"
    page.goto(site.url + "/governance")
    listed = page.text_content("#proposals") or ""
    assert "node.remove" in listed
    assert "account.freeze" in listed
    page.screenshot(path=site.shots / "governance.png", full_page=True)
    for voter in range(3):
        admin = _page(browser, site)
        _sign_in(admin, site, _admin(site, voter), f"/governance/{freeze}")
        admin.set_input_files("#vote-key-file", str(_admin(site, voter)))
        admin.click("#vote-yes")
        expect(admin.locator("#votes tbody tr")).to_have_count(voter + 1, timeout=60_000)
        assert site.layout.members[voter][0] in (admin.text_content("#votes") or "")
        admin.screenshot(path=site.shots / f"proposal-vote-{voter + 1}.png", full_page=True)
    state = admin.locator("#proposal-state [data-state]")
    expect(state).to_have_attribute("data-state", "executed")
    assert (admin.text_content("#proposal-state") or "").strip() == "已执行"
    assert (admin.text_content("#decided-height") or "").strip().isdigit()
    admin.goto(f"{site.url}/accounts/{address}")
    assert (admin.text_content("#account-status") or "").strip() == "已冻结"
    admin.screenshot(path=site.shots / "account-frozen.png", full_page=True)


def test_an_expired_session_sends_the_user_back_to_sign_in(browser: Browser, site: Site) -> None:
    page = _page(browser, site)
    _sign_in(page, site, _admin(site, 1), "/evidence")
    site.clock.ahead += SESSION_MINUTES * 60 + 1
    page.goto(site.url + "/evidence")
    page.wait_for_url("**/signin?expired=1&next=%2Fevidence")
    expect(page.locator("#expired")).to_be_visible()
    page.screenshot(path=site.shots / "signin-expired.png", full_page=True)
    _sign_in(page, site, _admin(site, 1), "/evidence")
    assert page.url == site.url + "/evidence"
