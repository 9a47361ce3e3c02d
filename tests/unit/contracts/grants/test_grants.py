"""Grants, codes, usage records, delegation and requests on a real chain (F-C2, F-C3, F-C4)."""

from __future__ import annotations

import os

import pytest

from govchain.client import verify_tx_receipt
from govchain.contracts import ChainReader
from govchain.contracts.assets import IssueArgs
from govchain.contracts.grants import (
    CODE_PROOF_DOMAIN,
    AnswerArgs,
    CodeArgs,
    DelegateArgs,
    GrantArgs,
    RemindArgs,
    RequestArgs,
    RevokeArgs,
    UndelegateArgs,
    UseArgs,
    code_proof_message,
    grants_tx,
)
from govchain.contracts.grants.reads import usage_page
from govchain.contracts.grants.state import read_grant, read_request, read_usage
from govchain.crypto import SigningKey
from govchain.types import Receipt
from tests.chain_support import CHAIN_ID
from tests.unit.contracts.assets.asset_chain import TYPE_CODE, AssetChain, ok, refused

DAY_MS = 86_400_000


class Scene:
    """An issued asset, its holder, a bank (grantee) with a locker, and helpers."""

    def __init__(self, suite_name: str) -> None:
        self.ac = AssetChain.make(suite_name)
        ok(self.ac.define(self.ac.gc.admins[0]))
        self.holder_key, self.holder, _ = self.ac.enterprise(1)
        self.ac.open_locker(self.holder_key)
        self.bank_key, self.bank, _ = self.ac.enterprise(2)
        self.ac.open_locker(self.bank_key)
        self.agent_key, self.agent, _ = self.ac.enterprise(3)
        self.ac.open_locker(self.agent_key)
        issue = IssueArgs(self.ac.new_version(self.holder), TYPE_CODE, self.holder, "authority")
        ok(self.ac.send(self.ac.gc.admins[0], issue))
        self.asset = issue.new.content_id
        self.now = self.time()

    def time(self) -> int:
        gc = self.ac.gc
        with gc.chain.view() as view:
            return view.header(view.height).time

    def send(self, key: SigningKey, args: object) -> Receipt:
        tx = grants_tx(key, CHAIN_ID, args, os.urandom(16), 10_000)
        return self.ac.gc.run_one(tx)

    def grant(self, key: SigningKey, **changes: object) -> tuple[bytes, Receipt]:
        fields: dict[str, object] = {
            "asset": self.asset, "grantee": self.bank, "scope": "view",
            "purpose": "开户审核", "expires": self.now + DAY_MS, "uses": 2,
            "envelope": os.urandom(113),
        }  # fmt: skip
        fields.update(changes)
        receipt = self.send(key, GrantArgs(**fields))  # type: ignore[arg-type]
        return receipt.tx_hash[:16], receipt


@pytest.fixture(params=["intl", "gm"])
def scene(request: pytest.FixtureRequest) -> Scene:
    return Scene(request.param)


def test_a_grant_allows_its_uses_then_refuses_f_c3(scene: Scene) -> None:
    grant_id, receipt = scene.grant(scene.holder_key)
    ok(receipt)
    use = UseArgs(scene.asset, "view", "核验营业执照", {"grant": grant_id})
    first = ok(scene.send(scene.bank_key, use))
    usage = read_usage(scene.ac.gc.read, first.tx_hash)
    assert usage is not None
    assert (usage.reader, usage.holder, usage.via, usage.purpose) == (
        scene.bank, scene.holder, "grant", "核验营业执照",
    )  # fmt: skip
    refused(
        scene.send(scene.bank_key, UseArgs(scene.asset, "use", "x", {"grant": grant_id})),
        "not_grantee",
    )
    refused(scene.send(scene.agent_key, use), "not_grantee")
    ok(scene.send(scene.bank_key, use))
    refused(scene.send(scene.bank_key, use), "grant_used_up")
    grant = read_grant(scene.ac.gc.read, grant_id)
    assert grant is not None
    assert grant.used == 2


def test_revoked_and_expired_grants_serve_nothing(scene: Scene) -> None:
    grant_id, receipt = scene.grant(scene.holder_key, uses=5)
    ok(receipt)
    refused(scene.send(scene.bank_key, RevokeArgs(grant_id, "not mine")), "not_holder")
    ok(scene.send(scene.holder_key, RevokeArgs(grant_id, "业务已办结")))
    use = UseArgs(scene.asset, "view", "核验", {"grant": grant_id})
    assert "业务已办结" in refused(scene.send(scene.bank_key, use), "grant_revoked")
    short_id, receipt = scene.grant(scene.holder_key, expires=scene.time() + 30)
    ok(receipt)
    for _ in range(12):  # 3 ms of BFT time a block here
        scene.ac.gc.run()
    refused(
        scene.send(scene.bank_key, UseArgs(scene.asset, "view", "核验", {"grant": short_id})),
        "grant_expired",
    )
    refused(scene.grant(scene.bank_key)[1], "not_holder")
    refused(scene.grant(scene.holder_key, expires=scene.now - 1)[1], "invalid_args")


def test_a_code_is_bound_to_the_reader_that_proves_it(scene: Scene) -> None:
    suite = scene.ac.gc.maker.suite
    code_key = suite.generate_key()  # stands for the key a client derives from the code
    args = CodeArgs(
        scene.asset, code_key.public_key, os.urandom(60), "银行开户", scene.now + DAY_MS, 1
    )
    ok(scene.send(scene.holder_key, args))
    code_id = suite.hash(code_key.public_key)[:16]

    def proof(reader: bytes, key: SigningKey = code_key) -> bytes:
        message = code_proof_message(CHAIN_ID, reader, scene.asset, code_id)
        return key.sign(suite.tagged_hash(CODE_PROOF_DOMAIN, message))

    stolen = UseArgs(scene.asset, "view", "核验", {"code": code_id, "proof": proof(scene.bank)})
    refused(scene.send(scene.agent_key, stolen), "wrong_code")
    forged = {"code": code_id, "proof": proof(scene.bank, suite.generate_key())}
    refused(scene.send(scene.bank_key, UseArgs(scene.asset, "view", "核验", forged)), "wrong_code")
    ok(scene.send(scene.bank_key, stolen))
    refused(scene.send(scene.bank_key, stolen), "grant_used_up")


def test_an_agent_grants_for_the_holder_until_its_delegation_ends_f_c3(scene: Scene) -> None:
    grant_id, receipt = scene.grant(scene.agent_key, on_behalf=scene.holder)
    refused(receipt, "not_delegated")
    delegate = DelegateArgs(scene.agent, ("grant", "view"), scene.time() + 30, "代办开户")
    delegation = ok(scene.send(scene.holder_key, delegate)).tx_hash[:16]
    grant_id, receipt = scene.grant(scene.agent_key, on_behalf=scene.holder)
    ok(receipt)
    grant = read_grant(scene.ac.gc.read, grant_id)
    assert grant is not None
    assert (grant.holder, grant.by) == (scene.holder, scene.agent)
    for _ in range(12):
        scene.ac.gc.run()
    refused(scene.grant(scene.agent_key, on_behalf=scene.holder)[1], "not_delegated")
    refused(scene.send(scene.agent_key, UndelegateArgs(delegation, "x")), "not_found")
    ok(scene.send(scene.holder_key, UndelegateArgs(delegation, "到期")))


def test_requests_are_reminded_then_lapse_or_answered_f_c3(scene: Scene) -> None:
    ask = RequestArgs(scene.asset, "view", "贷款审批", scene.now + DAY_MS, 2, 2)
    request_id = ok(scene.send(scene.bank_key, ask)).tx_hash[:16]
    remind = RemindArgs(request_id)
    refused(scene.send(scene.agent_key, remind), "not_due")
    events = []
    for _ in range(8):
        receipt = scene.send(scene.agent_key, remind)
        events += [e.type for e in receipt.events]
    assert events == ["grants.reminded", "grants.reminded", "grants.lapsed"]
    lapsed = read_request(scene.ac.gc.read, request_id)
    assert lapsed is not None
    assert (lapsed.status, lapsed.reminded) == ("lapsed", 2)

    second = ok(scene.send(scene.bank_key, ask)).tx_hash[:16]
    refused(scene.send(scene.holder_key, AnswerArgs(second, False)), "invalid_args")
    answer = AnswerArgs(second, True, envelope=os.urandom(113), uses=1)
    refused(scene.send(scene.bank_key, answer), "not_holder")
    ok(scene.send(scene.holder_key, answer))
    approved = read_request(scene.ac.gc.read, second)
    assert approved is not None
    assert approved.status == "approved"
    grant = read_grant(scene.ac.gc.read, approved.grant)
    assert grant is not None
    assert (grant.grantee, grant.purpose) == (scene.bank, "贷款审批")


def test_the_usage_history_lists_every_use_with_its_proof_f_c2(scene: Scene) -> None:
    grant_id, receipt = scene.grant(scene.holder_key, uses=3)
    ok(receipt)
    uses = [
        ok(
            scene.send(
                scene.bank_key, UseArgs(scene.asset, "view", f"核验{i}", {"grant": grant_id})
            )
        )
        for i in range(3)
    ]
    with scene.ac.gc.chain.view() as view:
        page, following = usage_page(ChainReader(view), scene.asset, 0, 25)
    assert following is None
    assert [p.usage.tx_hash for p in page] == [r.tx_hash for r in uses]
    assert [p.usage.purpose for p in page] == ["核验0", "核验1", "核验2"]
    for proven in page:
        verified = verify_tx_receipt(scene.ac.gc.genesis, proven.receipt)
        assert verified.tx_hash == proven.usage.tx_hash
        assert verified.block_time == proven.usage.time


def test_a_cross_department_read_names_both_departments_f_c4(scene: Scene) -> None:
    gc = scene.ac.gc
    department = gc.admins[1]  # another member's account reads what member 0 issued
    reader = scene.ac.open_locker(department)
    grant_id, receipt = scene.grant(scene.holder_key, grantee=reader, matter="370100-企业开办")
    ok(receipt)
    use = ok(scene.send(department, UseArgs(scene.asset, "view", "并联审批", {"grant": grant_id})))
    usage = read_usage(gc.read, use.tx_hash)
    assert usage is not None
    assert (usage.reader_org, usage.issuer) == (gc.codes[1], gc.codes[0])
