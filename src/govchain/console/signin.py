"""Sign-in by challenge (docs/spec/console.md, "Sign-in"): one-time challenges and their check.

The console hands the browser a challenge: random, bound to the console's
origin and the chain, expiring in minutes, kept in memory with a bound on
how many are open. The browser signs the challenge's text with the user's
own key (the key never leaves the user's machine) and posts the public key
and the signature; :meth:`ChallengeStore.take` spends the challenge once and
:func:`signer_address` checks the signature and derives the address. Every
refusal is a :class:`SignInRefusedError` naming why, never the signature.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from govchain.crypto import suite_for
from govchain.ledger import records
from govchain.types.errors import GovChainError, InvalidKeyError

__all__ = [
    "CHALLENGE_SECONDS",
    "MAX_OPEN_CHALLENGES",
    "Challenge",
    "ChallengeStore",
    "SignInRefusedError",
    "signer_address",
]

CHALLENGE_SECONDS = 120
"""How long a challenge may be answered."""
MAX_OPEN_CHALLENGES = 1000
"""The most challenges open at once; the oldest unanswered ones go first when full."""
CHALLENGE_TITLE = "GovChain console sign-in"
_CHALLENGE_ID = re.compile(r"[0-9a-f]{32}")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")
_MAX_PUBLIC_KEY_HEX = 2 * 128
_MAX_SIGNATURE_HEX = 2 * 128

Clock = Callable[[], float]


class SignInRefusedError(GovChainError):
    """A sign-in the console refuses; ``reason`` is one of the catalogue's ``signin.refused.*``
    keys (unknown, expired, origin, malformed, suite, signature, account, frozen, busy)."""

    code = "signin_refused"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"sign-in refused: {reason}{': ' + detail if detail else ''}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge as issued: what the browser signs is :meth:`text`."""

    id: str
    origin: str
    chain_id: str
    expires_at: float
    """On the store's clock (monotonic seconds)."""
    expires_utc: str
    """The same moment as UTC wall-clock text, for the user to read in what they sign."""

    def text(self) -> str:
        """The exact text signed (its UTF-8 bytes): title, origin, chain, id, expiry."""
        return (
            f"{CHALLENGE_TITLE}\norigin: {self.origin}\nchain: {self.chain_id}\n"
            f"challenge: {self.id}\nexpires: {self.expires_utc}\n"
        )


class ChallengeStore:
    """The open challenges, in memory, bounded; safe to share between request threads."""

    def __init__(
        self,
        seconds: int = CHALLENGE_SECONDS,
        max_open: int = MAX_OPEN_CHALLENGES,
        clock: Clock = time.monotonic,
    ) -> None:
        """``clock``: monotonic seconds (tests pass their own to make time pass)."""
        if seconds < 1 or max_open < 1:
            raise ValueError("a challenge lives at least 1 s and at least 1 may be open")
        self._seconds = seconds
        self._max_open = max_open
        self._clock = clock
        self._open: OrderedDict[str, Challenge] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def issue(self, origin: str, chain_id: str) -> Challenge:
        """A fresh challenge for a browser at ``origin`` signing in to ``chain_id``."""
        now = self._clock()
        wall = datetime.fromtimestamp(int(time.time()) + self._seconds, tz=UTC)
        challenge = Challenge(
            secrets.token_hex(16),
            origin,
            chain_id,
            now + self._seconds,
            wall.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        with self._lock:
            self._drop_expired(now)
            while len(self._open) >= self._max_open:
                self._open.popitem(last=False)
            self._open[challenge.id] = challenge
        return challenge

    def take(self, challenge_id: object, origin: str) -> Challenge:
        """Spend the challenge ``challenge_id`` answered from ``origin``: it cannot be used
        again, whatever the outcome. SignInRefusedError: unknown (never issued, already
        used, or pushed out), expired, or issued to another origin."""
        if not isinstance(challenge_id, str) or not _CHALLENGE_ID.fullmatch(challenge_id):
            raise SignInRefusedError("malformed", "the challenge id is 32 hex digits")
        now = self._clock()
        with self._lock:
            challenge = self._open.pop(challenge_id, None)
            self._drop_expired(now)
        if challenge is None:
            raise SignInRefusedError("unknown")
        if now > challenge.expires_at:
            raise SignInRefusedError("expired")
        if challenge.origin != origin:
            raise SignInRefusedError("origin", f"issued to {challenge.origin}")
        return challenge

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, c in self._open.items() if now > c.expires_at]:
            del self._open[key]


def _hex_field(name: str, value: object, max_digits: int) -> bytes:
    if not isinstance(value, str) or len(value) > max_digits or not _HEX.fullmatch(value):
        raise SignInRefusedError("malformed", f"{name} must be lowercase hex")
    return bytes.fromhex(value)


def signer_address(
    chain_suite: str, challenge: Challenge, suite: object, public_key: object, signature: object
) -> tuple[bytes, bytes]:
    """Check that ``signature`` (hex) is ``public_key``'s (hex) signature of the challenge's
    text in the chain's suite; returns ``(public key, address)``. SignInRefusedError if not."""
    if suite != chain_suite:
        raise SignInRefusedError("suite", f"this chain signs with {chain_suite}")
    key = _hex_field("public_key", public_key, _MAX_PUBLIC_KEY_HEX)
    signed = _hex_field("signature", signature, _MAX_SIGNATURE_HEX)
    crypto = suite_for(chain_suite)
    try:
        valid = crypto.verify(key, challenge.text().encode("utf-8"), signed)
    except (InvalidKeyError, ValueError) as exc:
        raise SignInRefusedError("malformed", "the public key is not a key of the suite") from exc
    if not valid:
        raise SignInRefusedError("signature")
    return key, records.address_of(crypto, key)
