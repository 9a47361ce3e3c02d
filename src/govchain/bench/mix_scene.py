"""The set-up plumbing of ``bench cluster --mix``: signing ahead, committing set-up txs in bulk.

:class:`MixChain` is one network as the mix's set-up and tx makers see it:
its suite, chain id and first member admin, the expiry height every made tx
carries, a node client, and :meth:`MixChain.commit` which offers set-up txs
in batches and waits until each is committed with status 0 (a set-up tx
that fails is a :class:`BenchError` naming it: a mix built on a failed
set-up would measure refusals). Accounts are registered and lockers opened
here too; the contract call kind (:class:`ContractCalls`) reuses the
contract ``bench contracts`` deploys.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from govchain.bench.network import EXPIRY_AHEAD, BenchError, api_height
from govchain.bench.procstats import usable_cores
from govchain.client.locker_keys import new_locker, wrap
from govchain.client.sdk import ApiError, NodeClient
from govchain.client.submission import committed_receipt
from govchain.contracts.assets import BlobRef, LockerInitArgs, assets_tx
from govchain.contracts.lifecycle.txs import CallArgs, lifecycle_tx
from govchain.contracts.registry.txs import AccountAddArgs, account_add_tx
from govchain.crypto import CryptoSuite, SigningKey, suite_for
from govchain.crypto.envelopes import LockerKey
from govchain.crypto.keyfiles import read_signing_key
from govchain.crypto.password_wrap import PBKDF2_SM3
from govchain.ledger import records
from govchain.node.netinit import NetworkLayout
from govchain.types import Receipt, Tx

__all__ = ["BLOB_LOCATORS", "Account", "ContractCalls", "Made", "MixChain"]

Made = list[tuple[bytes, bytes]]
"""(tx hash, encoded signed tx) pairs, as ``TxSource.make`` returns them."""
Progress = Callable[[str], None]

SETUP_BATCH = 500
"""Set-up txs per ``POST /v1/txs/batch`` (a node takes up to 1,000)."""
SETUP_IN_FLIGHT = 4_000
"""Set-up txs offered before waiting for their commits (a mempool holds 10,000)."""
COMMIT_TIMEOUT_S = 120.0
BLOB_LOCATORS = ("storage0",)
"""Where a made content or wrapped key says its blob is stored. ``bench cluster`` starts no
storage nodes and uploads nothing: the chain checks a blob reference's form, never the blob
(docs/spec/assets.md), so what is timed is what a validator does for the tx."""
LOCKER_PASSWORD_KDF = PBKDF2_SM3
"""The wrapped locker keys are never unwrapped here: the cheap KDF keeps the set-up short."""


@dataclass(frozen=True)
class Account:
    """A registered account of the mix: its key and address, and its locker key if it has one."""

    key: SigningKey
    address: bytes
    locker: LockerKey | None = None


class MixChain:
    """One network as the mix's set-up and tx makers see it."""

    def __init__(self, layout: NetworkLayout, progress: Progress) -> None:
        if not layout.members:
            raise BenchError(f"{layout.directory} names no member admin")
        self.layout = layout
        self.progress = progress
        self.suite: CryptoSuite = suite_for(layout.suite)
        self.chain_id = layout.chain_id
        self.admins = [read_signing_key(admin) for _, _, admin in layout.members]
        self.member_codes = [code for code, _, _ in layout.members]
        self.urls = [n.api_url for n in layout.nodes if n.role == "validator"]
        self.workers = usable_cores()

    def expiry(self) -> int:
        """The expiry height of txs made now: valid for the next 9,000 heights."""
        height = api_height(self.urls[0])
        if height is None:
            raise BenchError(f"{self.urls[0]} does not answer /v1/status")
        return height + EXPIRY_AHEAD

    def encoded(self, tx: Tx) -> tuple[bytes, bytes]:
        """(tx hash, encoded tx) of a signed tx."""
        encoded = records.tx_bytes(tx)
        return self.suite.hash(encoded.signing), encoded.encoded

    def made(self, count: int, one: Callable[[int], Tx]) -> Made:
        """``one(0) .. one(count - 1)`` signed on every core, as (tx hash, encoded tx)."""
        if count <= 0:
            return []
        # signing releases the GIL inside libcrypto: threads use every core
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(lambda i: self.encoded(one(i)), range(count), chunksize=32))

    def commit(self, txs: Sequence[Tx], what: str) -> list[Receipt]:
        """Offer set-up txs in batches and wait for every commit; BenchError if one fails."""
        receipts: list[Receipt] = []
        with NodeClient(self.urls, ca_bundle=self.layout.ca_bundle, timeout_s=30) as node:
            for start in range(0, len(txs), SETUP_IN_FLIGHT):
                hashes = self._offer(node, txs[start : start + SETUP_IN_FLIGHT], what)
                receipts += [committed_receipt(node, h, COMMIT_TIMEOUT_S) for h in hashes]
        for receipt in receipts:
            if receipt.status != 0:
                raise BenchError(f"{what} failed: {receipt.error}")
        return receipts

    @staticmethod
    def _offer(node: NodeClient, txs: Sequence[Tx], what: str) -> list[bytes]:
        hashes: list[bytes] = []
        for start in range(0, len(txs), SETUP_BATCH):
            for outcome in node.submit_many(txs[start : start + SETUP_BATCH]):
                if isinstance(outcome, ApiError):
                    raise BenchError(f"{what}: a node refused a set-up tx: {outcome}")
                hashes.append(outcome)
        return hashes

    def register(
        self, member: int, count: int, kind: str, roles: tuple[str, ...], what: str
    ) -> list[Account]:
        """``count`` fresh accounts of member ``member`` (its admin registers them)."""
        admin, expiry = self.admins[member], self.expiry()
        accounts = [self._account(self.suite.generate_key()) for _ in range(count)]
        self.progress(f"registering {count} {what}")
        self.commit(
            [
                account_add_tx(
                    admin,
                    self.chain_id,
                    AccountAddArgs(a.key.public_key, kind, roles),
                    os.urandom(16),
                    expiry,
                )
                for a in accounts
            ],
            f"registering {what}",
        )
        return accounts

    def open_lockers(self, accounts: Sequence[Account], what: str) -> list[Account]:
        """Each account's locker opened (a fresh locker key, wrapped under a random password)."""
        self.progress(f"opening the lockers of {len(accounts)} {what}")
        opened, txs, expiry = [], [], self.expiry()
        for account in accounts:
            private, public = new_locker(self.suite)
            password = os.urandom(16).hex().encode()
            wrapped = wrap(self.suite, private, password, account.address, LOCKER_PASSWORD_KDF)
            blob = BlobRef(self.suite.hash(wrapped), len(wrapped), BLOB_LOCATORS)
            args = LockerInitArgs(public, blob)
            txs.append(assets_tx(account.key, self.chain_id, args, os.urandom(16), expiry))
            opened.append(Account(account.key, account.address, private))
        self.commit(txs, f"opening the lockers of {what}")
        return opened

    def _account(self, key: SigningKey) -> Account:
        return Account(key, records.address_of(self.suite, key.public_key))


class ContractCalls:
    """``contracts.call`` of the bench's counter contract, deployed as ``bench contracts`` does,
    by the network's client key."""

    KINDS = ("contracts.call",)

    def __init__(self, chain: MixChain) -> None:
        self._chain = chain
        # here, not at the top: bench.contracts imports bench.cluster, which imports the mix
        # (and wasmtime loads only for a mix with contract calls)
        from govchain.bench.contracts import deploy_counter  # noqa: PLC0415

        self._key = read_signing_key(chain.layout.client_key)
        self._contract = deploy_counter(chain.layout, chain.progress)

    def make(self, kind: str, count: int) -> Made:
        """``count`` calls of the contract's ``count`` method."""
        assert kind in self.KINDS, f"not a contract kind: {kind}"
        args, expiry = CallArgs(self._contract, "count"), self._chain.expiry()
        chain_id = self._chain.chain_id
        return self._chain.made(
            count, lambda _i: lifecycle_tx(self._key, chain_id, args, os.urandom(16), expiry)
        )
