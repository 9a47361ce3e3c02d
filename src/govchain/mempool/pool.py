"""The bounded transaction pool: admission, replay window, signature cache, FIFO reaping.

Spec: ARCHITECTURE.md, "Data flow of a transaction" and "Replay protection
(F-A7)". A tx is admitted only after every check passes, in order of cost:

1. stateless (``admission.check_candidate``): size, strict decoding, chain id,
   expiry window ``next_height <= expiry <= next_height + expiry_horizon``;
2. replay: the hash is pending, or was committed (remembered here until its
   expiry passes, then asked of the ledger through ``is_committed``); then the
   sender: a ``cert`` sender's certificate must be registered (its key is
   looked up), and the registry's permission check must allow it;
3. capacity, by count and by bytes: a full pool refuses; it never drops an
   admitted tx to make room;
4. the signature, the only expensive check, once per tx per node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Protocol

from govchain.crypto import CryptoSuite, VerifyItem
from govchain.mempool.admission import Candidate, check_candidate, check_fields
from govchain.mempool.errors import (
    BadSignatureError,
    MempoolError,
    MempoolFullError,
    PermissionDeniedError,
    TxReplayedError,
    UnsupportedSenderError,
)
from govchain.mempool.expiry import ExpiryIndex
from govchain.mempool.limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_TX_BYTES,
    DEFAULT_MAX_TXS,
    MAX_EXPIRY_HORIZON,
    MempoolLimits,
)
from govchain.types import Tx
from govchain.types.fields import CHAIN_ID_PATTERN

__all__ = ["Mempool", "PreparedBatch", "SenderCheck", "TxStatus"]

TxStatus = Literal["pending"]
"""What :meth:`Mempool.status` reports for a tx it holds."""


class SenderCheck(Protocol):
    """The registry's check of a tx's sender against the latest committed state."""

    def __call__(self, tx: Tx) -> str | None:
        """None when the tx's sender may send it now, else why not."""
        ...

    def certificate_key(self, certificate_id: bytes) -> bytes | None:
        """The public key of a registered certificate, or None."""
        ...


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A batch between :meth:`Mempool.prepare` and :meth:`Mempool.admit`.

    ``results`` holds, per input, the refusal found so far or the tx hash;
    ``candidates`` the (input index, candidate) pairs whose signature decides.
    """

    results: tuple[bytes | MempoolError, ...]
    candidates: tuple[tuple[int, Candidate], ...]

    def verify_items(self) -> list[VerifyItem]:
        """The signature checks for ``CryptoSuite.batch_verify``, in candidate order."""
        return [candidate.verify_item() for _, candidate in self.candidates]


@dataclass(frozen=True, slots=True)
class _Pending:
    tx: Tx
    size: int


class Mempool:
    """Pending txs of one chain, in admission order, within fixed limits.

    Pure and deterministic: no clock, no randomness, no I/O of its own; the
    caller passes the next height and reports commits. Iteration is only
    over insertion-ordered dicts and lists, so two nodes fed the same calls
    reap the same txs.

    Not thread-safe, by design: the node calls every method from the asyncio
    loop's thread. The one exception is :attr:`verified`, a live read-only
    view that ``apply_block`` may test membership in from the block
    validation worker; a single membership test is atomic, iterating it from
    another thread is not allowed.
    """

    def __init__(
        self,
        suite: CryptoSuite,
        chain_id: str,
        *,
        is_committed: Callable[[bytes], bool],
        refusal: SenderCheck | None = None,
        max_txs: int = DEFAULT_MAX_TXS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_tx_bytes: int = DEFAULT_MAX_TX_BYTES,
        expiry_horizon: int = MAX_EXPIRY_HORIZON,
    ) -> None:
        """Build an empty pool.

        Parameters: ``suite`` is the chain's crypto suite; ``chain_id`` the
        chain's id; ``is_committed(tx_hash)`` asks the ledger whether a tx
        was committed; ``refusal(tx)``, when given, is the registry's permission
        check against the latest committed state (None: allowed, else why
        not), which also finds a ``cert`` sender's key (without it, ``cert``
        senders are refused as unsupported); the limits are described in ``mempool.limits``.
        Raises ValueError when a limit or the chain id is out of range.
        """
        if not isinstance(chain_id, str) or not CHAIN_ID_PATTERN.match(chain_id):
            raise ValueError(f"mempool chain_id {chain_id!r} is not a valid chain id")
        self.suite = suite
        self.chain_id = chain_id
        self.limits = MempoolLimits(max_txs, max_bytes, max_tx_bytes, expiry_horizon)
        self._is_committed = is_committed
        self._refusal = refusal
        self._pending: dict[bytes, _Pending] = {}
        self._size_bytes = 0
        self._committed: dict[bytes, None] = {}
        """Committed hashes remembered until their expiry passes (the F-A7 window)."""
        self._verified: dict[bytes, bytes] = {}
        """Admitted tx hash -> the signature that verified; see :attr:`verified`."""
        self._forget = ExpiryIndex()
        """Every hash above, keyed by the last height it must be remembered for."""

    # --- admission ------------------------------------------------------------------

    def add(self, raw: bytes, next_height: int) -> bytes:
        """Admit one tx received as bytes; return its hash.

        ``next_height`` is the height of the next block. Raises a
        :class:`MempoolError` subclass naming the first rule the tx breaks;
        the pool is then unchanged.
        """
        [result] = self.add_batch([raw], next_height)
        if isinstance(result, MempoolError):
            raise result
        return result

    def add_batch(self, raws: Sequence[bytes], next_height: int) -> list[bytes | MempoolError]:
        """Admit many txs, checking all their signatures in one ``suite.batch_verify`` call.

        The result for each input, in input order, is its tx hash or the
        :class:`MempoolError` that refused it; a refusal never affects the
        others. The outcome equals calling :meth:`add` on each in order.

        The same three steps run apart when the signature checks must leave
        the caller's thread: :meth:`screen` (pure, any thread), :meth:`prepare`
        (this pool's thread), ``suite.batch_verify`` (pure, any thread) and
        :meth:`admit` (this pool's thread).
        """
        prepared = self.prepare(self.screen(raws, next_height))
        items = prepared.verify_items()
        verdicts = self.suite.batch_verify(items) if items else []
        return self.admit(prepared, verdicts, next_height)

    def screen(self, raws: Sequence[bytes], next_height: int) -> list[Candidate | MempoolError]:
        """The stateless checks of each raw tx: decoding, size, chain, expiry, sender kind.

        Pure: it reads nothing of the pool's state, so it may run on any thread.
        """
        _check_height(next_height)
        screened: list[Candidate | MempoolError] = []
        for raw in raws:
            try:
                screened.append(
                    check_candidate(self.suite, self.chain_id, self.limits, raw, next_height)
                )
            except MempoolError as exc:
                screened.append(exc)
        return screened

    def prepare(self, screened: Sequence[Candidate | MempoolError]) -> PreparedBatch:
        """Replay and capacity prechecks against the pool as it is; changes nothing.

        The returned batch's :meth:`PreparedBatch.verify_items` are the
        signatures still worth checking.
        """
        results: list[bytes | MempoolError] = []
        candidates: list[tuple[int, Candidate]] = []
        for index, item in enumerate(screened):
            if isinstance(item, MempoolError):
                results.append(item)
                continue
            try:
                candidate = self._precheck(item)
            except MempoolError as exc:
                results.append(exc)
                continue
            results.append(candidate.tx_hash)
            candidates.append((index, candidate))
        return PreparedBatch(tuple(results), tuple(candidates))

    def admit(
        self, prepared: PreparedBatch, verdicts: Sequence[bool], next_height: int
    ) -> list[bytes | MempoolError]:
        """Admit the prepared txs whose signature verified, in order; refuse the others.

        ``verdicts`` are ``suite.batch_verify(prepared.verify_items())``. What
        may have changed since :meth:`prepare` is checked again: a tx pending
        or committed meanwhile, a full pool, and an expiry below
        ``next_height`` (a block may have been committed meanwhile).
        """
        _check_height(next_height)
        results = list(prepared.results)
        for (index, candidate), signature_ok in zip(prepared.candidates, verdicts, strict=True):
            try:
                self._admit(candidate, signature_ok, next_height)
            except MempoolError as exc:
                results[index] = exc
        return results

    def _precheck(self, candidate: Candidate) -> Candidate:
        """Every check but the signature, against the pool as it is before the batch.

        Returns the candidate with its ``cert`` sender's key looked up.
        """
        self._check_not_replayed(candidate.tx_hash)
        if candidate.tx.sender_kind == "cert":
            candidate = self._with_certificate_key(candidate)
        if self._refusal is not None:
            reason = self._refusal(candidate.tx)
            if reason is not None:
                raise PermissionDeniedError(reason)
        # A tx that cannot fit even if no earlier tx of its batch is admitted is refused
        # before its signature costs anything.
        self._check_room(candidate)
        return candidate

    def _with_certificate_key(self, candidate: Candidate) -> Candidate:
        certificate_id = candidate.tx.sender
        if self._refusal is None:
            raise UnsupportedSenderError(
                "sender kind 'cert' needs the certificate registry, which this chain does not "
                "have: name the sender by its public key (sender_kind 'key')"
            )
        key = self._refusal.certificate_key(certificate_id)
        if key is None:
            raise UnsupportedSenderError(
                f"certificate {certificate_id.hex()} is not registered on this chain "
                "(a member admin registers it with registry.cert_register)"
            )
        return candidate.with_certificate_key(key)

    def _admit(self, candidate: Candidate, signature_ok: bool, next_height: int) -> None:
        """The checks that earlier txs (of the batch or since) may change, then the signature."""
        tx_hash = candidate.tx_hash
        if tx_hash in self._pending:
            raise TxReplayedError("the same tx appears earlier in this batch and is pending")
        if tx_hash in self._committed:
            raise TxReplayedError("the same tx was already committed")
        check_fields(candidate.tx, self.chain_id, self.limits, next_height)
        self._check_room(candidate)
        if not signature_ok:
            raise BadSignatureError(
                f"tx signature does not verify ({self.suite.signature_algorithm} over the tx "
                "body, with the sender's public key)"
            )
        self._pending[tx_hash] = _Pending(candidate.tx, candidate.size)
        self._size_bytes += candidate.size
        self._verified[tx_hash] = candidate.tx.signature
        self._forget.add(tx_hash, candidate.tx.expiry)

    def _check_not_replayed(self, tx_hash: bytes) -> None:
        if tx_hash in self._pending:
            raise TxReplayedError("the same tx is already pending")
        if tx_hash in self._committed or self._is_committed(tx_hash):
            raise TxReplayedError("the same tx was already committed")

    def _check_room(self, candidate: Candidate) -> None:
        limits = self.limits
        if len(self._pending) >= limits.max_txs:
            raise MempoolFullError(
                f"mempool is full: it holds {len(self._pending)} txs, the limit; retry later"
            )
        if self._size_bytes + candidate.size > limits.max_bytes:
            raise MempoolFullError(
                f"mempool is full: {self._size_bytes} of {limits.max_bytes} bytes are pending "
                f"and this tx has {candidate.size}; retry later"
            )

    # --- blocks ---------------------------------------------------------------------

    def reap(self, max_txs: int, max_bytes: int) -> list[Tx]:
        """The oldest pending txs, in admission order, within both limits (for a proposal).

        Stops at the first tx that would go over ``max_bytes``: it never skips
        a tx to take a later one, so no tx waits behind younger ones. Pass a
        ``max_bytes`` of at least ``limits.max_tx_bytes`` so any tx can fit.
        The txs stay pending until :meth:`on_commit` reports them.
        """
        if max_txs < 0 or max_bytes < 0:
            raise ValueError(f"reap limits must not be negative, got {max_txs}, {max_bytes}")
        taken: list[Tx] = []
        taken_bytes = 0
        for entry in self._pending.values():
            if len(taken) >= max_txs or taken_bytes + entry.size > max_bytes:
                break
            taken.append(entry.tx)
            taken_bytes += entry.size
        return taken

    def on_commit(self, tx_hashes: Iterable[bytes], height: int) -> list[bytes]:
        """Report the txs of the block committed at ``height``; return the hashes expired.

        Committed txs leave the pool, and the signatures checked for them
        leave :attr:`verified`; their hashes are remembered until their
        expiry passes, so a replay is refused without asking the
        ledger; a hash this pool never held is remembered for
        ``expiry_horizon`` heights (its expiry is not known here). Then every
        pending tx whose expiry is below ``height + 1`` is dropped, and its
        hash returned (in expiry order, then admission order) so the node can
        log it.
        """
        _check_height(height)
        for tx_hash in tx_hashes:
            if tx_hash in self._committed:
                continue
            # committed, a tx is never checked again (a block that carries it again is a
            # replay): its signature need not be kept for the expiry window (issue 21)
            self._verified.pop(tx_hash, None)
            entry = self._pending.pop(tx_hash, None)
            if entry is None:
                self._forget.add(tx_hash, height + self.limits.expiry_horizon)
            else:
                self._size_bytes -= entry.size
            self._committed[tx_hash] = None
        expired: list[bytes] = []
        for tx_hash in self._forget.pop_expired(height + 1):
            entry = self._pending.pop(tx_hash, None)
            if entry is not None:
                self._size_bytes -= entry.size
                expired.append(tx_hash)
            self._committed.pop(tx_hash, None)
            self._verified.pop(tx_hash, None)
        return expired

    # --- queries --------------------------------------------------------------------

    @property
    def verified(self) -> Mapping[bytes, bytes]:
        """Tx hash -> the signature this node checked, for ``apply_block(verified=...)``.

        The tx hash does not cover the signature, so ``apply_block`` skips only
        that very signature; a block carrying the tx with another one is checked.

        A live read-only view. A hash stays until its tx is committed or
        expires, so the view is bounded by the pool's limits.
        """
        return MappingProxyType(self._verified)

    @property
    def size_bytes(self) -> int:
        """Total encoded size of the pending txs."""
        return self._size_bytes

    def tx(self, tx_hash: bytes) -> Tx | None:
        """The pending tx with that hash (decoded and checked at admission), or None."""
        entry = self._pending.get(tx_hash)
        return None if entry is None else entry.tx

    def status(self, tx_hash: bytes) -> TxStatus | None:
        """``"pending"`` while the tx waits in this pool, else None."""
        return "pending" if tx_hash in self._pending else None

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, tx_hash: object) -> bool:
        return tx_hash in self._pending


def _check_height(height: int) -> None:
    if isinstance(height, bool) or not isinstance(height, int) or height < 1:
        raise ValueError(f"heights start at 1, got {height!r}")
