"""Subjects (F-B3) and personal data (F-C7): applications, decisions, nothing personal in clear."""

from __future__ import annotations

import os

import pytest

from govchain.client.subjects import (
    PersonRecord,
    blind_index,
    open_person_record,
    person_application,
)
from govchain.codes.demo import demo_citizen_id, demo_uscc
from govchain.codes.errors import CodeError
from govchain.contracts.registry.state import read_account
from govchain.contracts.registry.subjects import read_subject
from govchain.execution.registry import STATUS_PERMISSION_DENIED
from govchain.ledger.chainstore import TABLES
from govchain.ledger.statetree import get_value
from govchain.types import Receipt
from govchain.types.errors import DecryptionError
from tests.unit.contracts.governed_chain import GovernedChain

PERSON = PersonRecord(demo_citizen_id(7), "张某某", "济南市历下区演示路1号")
IDENTITY = bytes(range(32))


@pytest.fixture
def gc() -> GovernedChain:
    return GovernedChain.make("gm")


def _latest(gc: GovernedChain, key: bytes) -> bytes | None:
    with gc.chain.view() as view:
        return get_value(view.state, view.suite.hash_name, view.height, key)


def _apply_person(gc: GovernedChain, applicant: object, person: PersonRecord = PERSON) -> Receipt:
    suite = gc.maker.suite
    index, sealed = person_application(suite, IDENTITY, gc.address(applicant), person)  # type: ignore[arg-type]
    args = {"kind": "person", "member": gc.codes[1], "blind_index": index, "sealed": sealed}
    return gc.run_one(gc.tx(applicant, "registry.subject_apply", args))  # type: ignore[arg-type]


def _decide(
    gc: GovernedChain, officer: object, address: bytes, approve: bool, **more: object
) -> Receipt:
    args = {"address": address, "approve": approve, "reason": more.pop("reason", ""), **more}
    return gc.run_one(gc.tx(officer, "registry.subject_decide", args))  # type: ignore[arg-type]


def test_f_b3_an_enterprise_applies_with_its_own_key_and_is_approved(gc: GovernedChain) -> None:
    applicant = gc.maker.suite.generate_key()
    code = demo_uscc(4242)
    args = {
        "kind": "enterprise",
        "member": gc.codes[1],
        "code": code,
        "name": "济南演示链信信息技术有限公司",
    }
    applied = gc.run_one(gc.tx(applicant, "registry.subject_apply", args))
    assert applied.status == 0, applied.error
    address = gc.address(applicant)
    refused_early = gc.run_one(gc.tx(applicant, "notary.anchor", {"digest": os.urandom(32)}))
    assert refused_early.status == STATUS_PERMISSION_DENIED  # applied is not yet a subject
    decided = _decide(gc, gc.admins[1], address, True, permissions=["transact"])
    assert decided.status == 0, decided.error
    subject = read_subject(lambda k: _latest(gc, k), address)
    assert subject is not None
    assert subject.status == "active"
    assert subject.code == code
    account = read_account(lambda k: _latest(gc, k), address)
    assert account is not None
    assert account.kind == "subject"
    assert account.roles == ("transact",)
    assert gc.run_one(gc.tx(applicant, "notary.anchor", {"digest": os.urandom(32)})).status == 0


def test_invalid_credit_codes_are_refused_naming_the_check(gc: GovernedChain) -> None:
    applicant = gc.maker.suite.generate_key()
    good = demo_uscc(4243)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    args = {"kind": "enterprise", "member": gc.codes[1], "code": bad, "name": "示例公司"}
    receipt = gc.run_one(gc.tx(applicant, "registry.subject_apply", args))
    assert receipt.status == 1
    assert "argument 'code'" in receipt.error
    assert "check" in receipt.error


def test_f_c7_a_person_is_found_by_blind_index_and_read_back_only_with_the_key(
    gc: GovernedChain,
) -> None:
    applicant = gc.maker.suite.generate_key()
    assert _apply_person(gc, applicant).status == 0
    address = gc.address(applicant)
    subject = read_subject(lambda k: _latest(gc, k), address)
    assert subject is not None
    assert subject.kind == "person"
    assert subject.code == ""
    assert subject.name == ""
    index = blind_index(gc.maker.suite, IDENTITY, PERSON.id_number)
    assert subject.blind_index == index
    assert _latest(gc, b"registry/subject-index/" + index) == address
    opened = open_person_record(gc.maker.suite, IDENTITY, subject)
    assert opened == PERSON
    assert PERSON.id_number not in repr(opened)
    with pytest.raises(DecryptionError):
        open_person_record(gc.maker.suite, bytes(32), subject)
    # the same person cannot open a second locker with another key
    again = _apply_person(gc, gc.maker.suite.generate_key())
    assert again.status == 1
    assert "already has a locker" in again.error


def test_f_c7_no_personal_data_in_the_ledger_bytes(gc: GovernedChain) -> None:
    applicant = gc.maker.suite.generate_key()
    assert _apply_person(gc, applicant).status == 0
    assert (
        _decide(gc, gc.admins[1], gc.address(applicant), False, reason="documents unclear").status
        == 0
    )
    store = gc.chain.store
    everything = b"".join(
        key + value for table in TABLES for key, value in store_scan(store, table)
    )
    assert everything
    for secret in (PERSON.id_number, PERSON.name, PERSON.address, PERSON.id_number[6:14]):
        assert secret.encode() not in everything


def store_scan(store: object, table: str) -> list[tuple[bytes, bytes]]:
    with store.read() as txn:  # type: ignore[attr-defined]
        return list(txn.scan(table))


def test_a_citizen_number_that_fails_its_check_is_refused_without_echoing_it(
    gc: GovernedChain,
) -> None:
    number = demo_citizen_id(8)
    broken = number[:-1] + ("0" if number[-1] != "0" else "1")
    person = PersonRecord(broken, "李某某")
    with pytest.raises(CodeError) as refused:
        person_application(gc.maker.suite, IDENTITY, b"\x01" * 20, person)
    assert refused.value.check == "check_digit"
    assert broken not in str(refused.value)


def test_only_the_reviewing_members_accounts_decide(gc: GovernedChain) -> None:
    applicant = gc.maker.suite.generate_key()
    assert _apply_person(gc, applicant).status == 0
    other = _decide(gc, gc.admins[2], gc.address(applicant), True, permissions=["transact"])
    assert other.status == 1
    assert f"only an account of member {gc.codes[1]}" in other.error
    no_reason = _decide(gc, gc.admins[1], gc.address(applicant), False)
    assert no_reason.status == 1
    assert "a refusal needs a reason" in no_reason.error


def test_a_refused_applicant_may_apply_again(gc: GovernedChain) -> None:
    applicant = gc.maker.suite.generate_key()
    assert _apply_person(gc, applicant).status == 0
    assert (
        _decide(gc, gc.admins[1], gc.address(applicant), False, reason="photo missing").status == 0
    )
    subject = read_subject(lambda k: _latest(gc, k), gc.address(applicant))
    assert subject is not None
    assert subject.status == "refused"
    assert subject.reason == "photo missing"
    assert _apply_person(gc, applicant).status == 0


def test_f_e6_a_frozen_subjects_locker_follows_its_account(gc: GovernedChain) -> None:
    applicant = gc.maker.suite.generate_key()
    assert _apply_person(gc, applicant).status == 0
    address = gc.address(applicant)
    assert _decide(gc, gc.admins[1], address, True, permissions=["transact"]).status == 0
    pid = gc.propose(0, "account.freeze", {"address": address, "reason": "court order"})
    for voter in (0, 1, 2):
        gc.vote(voter, pid)
    subject = read_subject(lambda k: _latest(gc, k), address)
    assert subject is not None
    assert subject.status == "frozen"
    pid = gc.propose(0, "account.unfreeze", {"address": address, "reason": "lifted"})
    for voter in (0, 1, 2):
        gc.vote(voter, pid)
    subject = read_subject(lambda k: _latest(gc, k), address)
    assert subject is not None
    assert subject.status == "active"
