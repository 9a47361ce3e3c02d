"""Sessions of signed-in users (docs/spec/console.md, "Sessions").

A session is opened after a sign-in the console checked: it names who the
account is on the chain (:class:`Identity`), lives a configurable number of
minutes (``--session-minutes``), and is found again by a random id the
browser keeps in an HttpOnly, SameSite=Strict cookie. The table is in
memory and bounded. :data:`SIGNED_IN` holds the current request's identity
for the page header.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from govchain.types.errors import GovChainError

__all__ = [
    "DEFAULT_SESSION_MINUTES",
    "MAX_SESSIONS",
    "SESSION_COOKIE",
    "SIGNED_IN",
    "Identity",
    "Session",
    "SessionLookup",
    "SessionStore",
    "SessionsFullError",
    "identity_of",
]

DEFAULT_SESSION_MINUTES = 30
MAX_SESSION_MINUTES = 24 * 60
MAX_SESSIONS = 1000
SESSION_COOKIE = "govchain_session"

Clock = Callable[[], float]


class SessionsFullError(GovChainError):
    """Every session slot is taken by a session that has not expired."""

    code = "sessions_full"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a signed-in account is on the chain, as read when it signed in."""

    address: str
    """The account's address, hex."""
    public_key: bytes
    suite: str
    kind: str
    """The account's kind on chain: admin, client, staff, system or subject."""
    org: str
    """Its member (empty for a subject)."""
    status: str
    regulator: bool

    @property
    def role(self) -> str:
        """``member_admin``, ``regulator``, ``subject`` or ``account``: what the console
        lets it do (only an active member admin acts in governance)."""
        if self.kind == "admin":
            return "member_admin"
        if self.regulator:
            return "regulator"
        if self.kind == "subject":
            return "subject"
        return "account"

    @property
    def may_govern(self) -> bool:
        """True for an active member admin: it may propose and vote."""
        return self.kind == "admin" and self.status == "active"


def identity_of(
    suite: str, public_key: bytes, account: dict[str, Any], regulator: bool
) -> Identity:
    """The identity from an account record as ``GET /v1/accounts/{address}`` answers it."""
    return Identity(
        address=str(account["address"]),
        public_key=public_key,
        suite=suite,
        kind=str(account["kind"]),
        org=str(account.get("org") or ""),
        status=str(account["status"]),
        regulator=regulator,
    )


@dataclass(frozen=True, slots=True)
class Session:
    """An open session: its id (the cookie's value), who, and when it ends (store clock)."""

    id: str
    identity: Identity
    expires_at: float


@dataclass(frozen=True, slots=True)
class SessionLookup:
    """What a cookie names: a live session, or none (``expired`` when it ran out)."""

    session: Session | None
    expired: bool = False


class SessionStore:
    """The open sessions, in memory, at most ``max_sessions``; safe between request threads."""

    def __init__(
        self,
        minutes: int = DEFAULT_SESSION_MINUTES,
        max_sessions: int = MAX_SESSIONS,
        clock: Clock = time.monotonic,
    ) -> None:
        """``clock``: monotonic seconds (tests pass their own to make time pass)."""
        if not 1 <= minutes <= MAX_SESSION_MINUTES or max_sessions < 1:
            raise ValueError(f"a session lasts 1 to {MAX_SESSION_MINUTES} minutes")
        self.minutes = minutes
        self._max = max_sessions
        self._clock = clock
        self._open: dict[str, Session] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def open(self, identity: Identity) -> Session:
        """A new session for ``identity``; SessionsFullError when every slot is live."""
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), identity, now + 60 * self.minutes)
        with self._lock:
            if len(self._open) >= self._max:
                for key in [k for k, s in self._open.items() if now > s.expires_at]:
                    del self._open[key]
            if len(self._open) >= self._max:
                raise SessionsFullError(f"{self._max} sessions are open; try again later")
            self._open[session.id] = session
        return session

    def find(self, session_id: str | None) -> SessionLookup:
        """The live session of a cookie's value; an expired one is closed and reported."""
        if not session_id:
            return SessionLookup(None)
        now = self._clock()
        with self._lock:
            session = self._open.get(session_id)
            if session is not None and now > session.expires_at:
                del self._open[session_id]
                return SessionLookup(None, expired=True)
        return SessionLookup(session)

    def close(self, session_id: str | None) -> None:
        """End a session (sign-out); an unknown id is ignored."""
        if session_id:
            with self._lock:
                self._open.pop(session_id, None)


SIGNED_IN: ContextVar[Identity | None] = ContextVar("govchain_console_signed_in", default=None)
"""The identity of the request being served (None: nobody signed in)."""
