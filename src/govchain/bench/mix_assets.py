"""The e-licence kinds of ``bench cluster --mix``: issues, grants to a bank, usage records.

F-A1, F-C1, F-C2, F-C3. Set up once, before anything is timed: a
department's issuing system (an account of the first member, kind
``system``), ``HOLDERS`` enterprises (client accounts) and a bank, each with
its locker open, an asset type the member issues in mode ``authority``, and
``SEED_ASSETS_PER_HOLDER`` licences issued to each holder. Then, signed
ahead, each independent of the others of its step (the load is open loop):

- ``assets.issue``: the issuing system issues a fresh licence to a holder
  (round robin), as a real issuer makes it: the fields checked against the
  type's schema, encrypted under a fresh data key, the key sealed to the
  holder's locker key, the public fields in the record. The blob is not
  uploaded (see ``mix_scene.BLOB_LOCATORS``);
- ``grants.grant``: a holder grants the bank ``view`` of one of its seed
  licences, the data key sealed to the bank's locker key;
- ``grants.use``: the bank's usage record of a licence through a ``use``
  grant made in the set-up. Those grants carry ``USES_PER_GRANT`` uses each
  and more are made between steps whenever the uses planned would exceed
  what the grants made so far hold, so the set-up follows the load.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from govchain.bench.asset_scene import BENCH_SCHEMA, sample_fields
from govchain.bench.mix_scene import BLOB_LOCATORS, Account, Made, MixChain
from govchain.client.asset_crypto import (
    content_method,
    encrypt_content,
    envelope_for,
    new_content_id,
)
from govchain.contracts.assets import (
    BlobRef,
    Content,
    Envelope,
    IssueArgs,
    NewVersion,
    TypeDefineArgs,
    assets_tx,
)
from govchain.contracts.assets.schema import parse_schema
from govchain.contracts.grants.txs import GrantArgs, UseArgs, grants_tx
from govchain.types import Tx

__all__ = ["ASSET_KINDS", "AssetKinds"]

ASSET_KINDS = ("assets.issue", "grants.grant", "grants.use")
HOLDERS = 16
SEED_ASSETS_PER_HOLDER = 2
USES_PER_GRANT = 1_000
"""Uses of each set-up grant: a bank that checks a licence many times, e.g. per loan."""
GRANT_DAYS = 30
TYPE_SUFFIX = "902"
"""The mix's asset type code: the first member's credit code and these 3 digits."""
_DAY_MS = 86_400_000


@dataclass
class _UseGrant:
    """A ``use`` grant of the set-up and how many of its uses are planned already."""

    grant: bytes
    asset: bytes
    planned: int = 0


@dataclass(frozen=True)
class _Seed:
    """A licence issued in the set-up: its holder, content id and data key."""

    holder: Account
    content_id: bytes
    data_key: bytes


class AssetKinds:
    """The set-up cast and the makers of the three e-licence kinds."""

    KINDS = ASSET_KINDS

    def __init__(self, chain: MixChain) -> None:
        self._chain = chain
        self._schema = parse_schema(BENCH_SCHEMA)
        self._type = chain.member_codes[0] + TYPE_SUFFIX
        (self._issuer,) = chain.register(0, 1, "system", ("client",), "issuing system")
        people = chain.register(0, HOLDERS + 1, "client", ("client",), "holders and a bank")
        *self._holders, self._bank = chain.open_lockers(people, "holders and the bank")
        chain.progress(f"defining the asset type {self._type}")
        args = TypeDefineArgs(
            self._type, "基准测试证照", BENCH_SCHEMA, (chain.member_codes[0],), ("authority",),
            "long_term", b"", "none",
        )  # fmt: skip
        chain.commit([assets_tx(chain.admins[0], chain.chain_id, args, os.urandom(16),
                                chain.expiry())], "defining the asset type")  # fmt: skip
        self._issued = 0
        self._seeds = self._issue_seeds()
        self._grants: list[_UseGrant] = []
        self._granted = 0

    def make(self, kind: str, count: int) -> Made:
        """``count`` signed txs of ``kind`` (one of :data:`ASSET_KINDS`)."""
        if kind == "assets.issue":
            first, self._issued = self._issued, self._issued + count
            expiry = self._chain.expiry()
            return self._chain.made(count, lambda i: self._issue_tx(first + i, expiry)[0])
        if kind == "grants.grant":
            first, self._granted = self._granted, self._granted + count
            expiry = self._chain.expiry()
            return self._chain.made(count, lambda i: self._grant_tx(first + i, expiry))
        assert kind == "grants.use", f"not an asset kind: {kind}"
        return self._uses(count)

    # --- issues -------------------------------------------------------------------------

    def _issue_tx(self, number: int, expiry: int) -> tuple[Tx, _Seed]:
        holder = self._holders[number % len(self._holders)]
        assert holder.locker is not None, "every holder's locker is open"
        suite = self._chain.suite
        fields = sample_fields(number)
        self._schema.check_fields(fields)
        content_id = new_content_id()
        data_key, blob = encrypt_content(suite, content_id, 1, fields, None)
        sealed = envelope_for(suite, holder.locker.public_key, data_key)
        content = Content(
            BlobRef(suite.hash(blob), len(blob), BLOB_LOCATORS),
            content_method(suite),
            (Envelope(holder.address, "holder", sealed),),
        )
        new = NewVersion(content_id, self._schema.public_part(fields), content)
        args = IssueArgs(new, self._type, holder.address, "authority")
        tx = assets_tx(self._issuer.key, self._chain.chain_id, args, os.urandom(16), expiry)
        return tx, _Seed(holder, content_id, data_key)

    def _issue_seeds(self) -> list[_Seed]:
        count = HOLDERS * SEED_ASSETS_PER_HOLDER
        self._chain.progress(f"issuing {count} licences to grant")
        expiry = self._chain.expiry()
        made = [self._issue_tx(number, expiry) for number in range(count)]
        self._issued = count
        self._chain.commit([tx for tx, _ in made], "issuing the seed licences")
        return [seed for _, seed in made]

    # --- grants and usage records ----------------------------------------------------------

    def _grant_args(self, seed: _Seed, scope: str, purpose: str, uses: int) -> GrantArgs:
        bank_locker = self._bank.locker
        assert bank_locker is not None, "the bank's locker is open"
        sealed = envelope_for(self._chain.suite, bank_locker.public_key, seed.data_key)
        # a grant's end is a BFT time; the validators' clocks are this machine's
        expires = int(time.time() * 1000) + GRANT_DAYS * _DAY_MS
        return GrantArgs(seed.content_id, self._bank.address, scope, purpose, expires, uses,
                         sealed)  # fmt: skip

    def _grant_tx(self, number: int, expiry: int) -> Tx:
        seed = self._seeds[number % len(self._seeds)]
        args = self._grant_args(seed, "view", "开户核验", 1)
        return grants_tx(seed.holder.key, self._chain.chain_id, args, os.urandom(16), expiry)

    def _uses(self, count: int) -> Made:
        self._add_use_grants(count)
        picked: list[_UseGrant] = []
        open_grants = [g for g in self._grants if g.planned < USES_PER_GRANT]
        turn = 0
        while len(picked) < count:  # round robin over the grants with uses left
            grant = open_grants[turn % len(open_grants)]
            if grant.planned >= USES_PER_GRANT:
                open_grants.remove(grant)
                continue
            grant.planned += 1
            picked.append(grant)
            turn += 1
        expiry, key, chain_id = self._chain.expiry(), self._bank.key, self._chain.chain_id

        def one(index: int) -> Tx:
            grant = picked[index]
            args = UseArgs(grant.asset, "use", "贷款审查", {"grant": grant.grant})
            return grants_tx(key, chain_id, args, os.urandom(16), expiry)

        return self._chain.made(count, one)

    def _add_use_grants(self, count: int) -> None:
        """More ``use`` grants until the uses left cover ``count`` more usage records."""
        left = sum(USES_PER_GRANT - g.planned for g in self._grants)
        missing = max(0, count - left)
        if not missing:
            return
        needed = max(len(self._seeds), -(-missing // USES_PER_GRANT))
        self._chain.progress(f"granting the bank {needed} uses of licences")
        expiry, txs, grants = self._chain.expiry(), [], []
        for number in range(needed):
            seed = self._seeds[(len(self._grants) + number) % len(self._seeds)]
            args = self._grant_args(seed, "use", "贷款审查", USES_PER_GRANT)
            tx = grants_tx(seed.holder.key, self._chain.chain_id, args, os.urandom(16), expiry)
            txs.append(tx)
            grants.append(seed.content_id)
        receipts = self._chain.commit(txs, "granting the bank uses")
        self._grants += [
            _UseGrant(receipt.tx_hash[:16], asset)
            for receipt, asset in zip(receipts, grants, strict=True)
        ]
