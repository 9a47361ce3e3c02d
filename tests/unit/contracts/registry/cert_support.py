"""Helpers for tests of account certificates (F-B5): a member with a real CA, accounts, certs."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from asn1crypto import x509

from govchain.codes.demo import demo_uscc
from govchain.contracts.registry.certs import cert_id, cert_sender_tx, datetime_of
from govchain.crypto import SigningKey
from govchain.crypto.certs import build_certificate
from govchain.types import Receipt, Tx
from tests.chain_support import CHAIN_ID
from tests.unit.contracts.governed_chain import GovernedChain

__all__ = [
    "CaMember",
    "add_account",
    "admit_ca_member",
    "cert_anchor",
    "chain_now",
    "holder_with_cert",
    "issue",
    "make_ca",
    "pass_proposal",
    "register",
]


@dataclass
class CaMember:
    """A member admitted by vote, with a CA of its own and an admin key."""

    code: str
    admin: SigningKey
    ca_key: SigningKey
    ca: x509.Certificate


def make_ca(gc: GovernedChain, code: str, not_before: dt.datetime, days: int = 3650) -> tuple:
    key = gc.maker.suite.generate_key()
    ca = build_certificate(
        suite=gc.maker.suite,
        issuer_key=key,
        issuer=None,
        organization=code,
        role="ca",
        common_name=f"{code} CA",
        public_key=key.public_key,
        not_before=not_before,
        days=days,
    )
    return key, ca


def admit_ca_member(gc: GovernedChain, index: int) -> CaMember:
    code = demo_uscc(index)
    admin = gc.maker.suite.generate_key()
    ca_key, ca = make_ca(gc, code, chain_now(gc) - dt.timedelta(days=1))
    args = {
        "code": code,
        "name": f"Department {index} (demo)",
        "admins": [admin.public_key],
        "ca_certs": [ca.dump()],
        "permissions": [],
        "weight": 1,
    }
    proposal = gc.propose(0, "member.admit", args)
    for voter in range(3):
        gc.vote(voter, proposal)
    return CaMember(code, admin, ca_key, ca)


def pass_proposal(gc: GovernedChain, proposal: int) -> None:
    """Four yes votes of the five members (after the CA member's admission)."""
    receipts = [gc.vote(voter, proposal) for voter in range(4)]
    assert all(r.status == 0 for r in receipts), [r.error for r in receipts]
    assert any(e.type == "gov.decided" for e in receipts[-1].events)


def chain_now(gc: GovernedChain) -> dt.datetime:
    with gc.chain.view() as view:
        return datetime_of(view.last_time)


def issue(
    gc: GovernedChain,
    member: CaMember,
    holder: SigningKey,
    *,
    not_before: dt.datetime | None = None,
    days: int = 365,
    role: str = "user",
) -> x509.Certificate:
    return build_certificate(
        suite=gc.maker.suite,
        issuer_key=member.ca_key,
        issuer=member.ca,
        organization=member.code,
        role=role,
        common_name="clerk",
        public_key=holder.public_key,
        not_before=not_before or chain_now(gc) - dt.timedelta(days=1),
        days=days,
    )


def add_account(gc: GovernedChain, member: CaMember, holder: SigningKey) -> None:
    receipt = gc.run_one(
        gc.tx(
            member.admin,
            "registry.account_add",
            {"public_key": holder.public_key, "kind": "client", "roles": ["client"]},
        )
    )
    assert receipt.status == 0, receipt.error


def register(gc: GovernedChain, admin: SigningKey, cert: x509.Certificate) -> Receipt:
    return gc.run_one(gc.tx(admin, "registry.cert_register", {"der": cert.dump()}))


def cert_anchor(gc: GovernedChain, holder: SigningKey, certificate: bytes) -> Tx:
    return cert_sender_tx(
        holder,
        certificate,
        CHAIN_ID,
        "notary.anchor",
        {"digest": os.urandom(32)},
        os.urandom(16),
        10_000,
    )


def holder_with_cert(gc: GovernedChain, member: CaMember) -> tuple[SigningKey, bytes]:
    """A new account of ``member`` with a registered certificate: (its key, the certificate id)."""
    key = gc.maker.suite.generate_key()
    add_account(gc, member, key)
    cert = issue(gc, member, key)
    receipt = register(gc, member.admin, cert)
    assert receipt.status == 0, receipt.error
    return key, cert_id(gc.maker.suite, cert.dump())
