"""One demo department's decisions: seeded, idempotent, no wall clock in what it decides.

For each request the department answers ``returned`` when the form cannot
make its output (the reason names the field), else ``rejected`` when a
seeded hash of (case, step) falls under the reject rate, else ``returned``
on a first attempt whose seeded hash falls under the return rate, else
``approved`` with the output fields. Rates are in basis points (1/10000).
Approved answers are numbered from a counter that starts at a seeded
serial, so a licence's credit code is ``demo_uscc(serial)``: different for
every licence of a run (90,000 before the numbers wrap), and the same
sequence for the same seed. The first answer per (case, step, attempt) is
kept: a request sent again gets it again, whatever its callback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from govchain.demo.outputs import DEPARTMENT_NAMES, KINDS, FormProblemError, output_fields
from govchain.demo.protocol import CaseRequest
from govchain.types.errors import ValidationError

__all__ = ["BASIS_POINTS", "DepartmentConfig", "DepartmentSystem", "rate_to_basis_points"]

BASIS_POINTS = 10_000
"""A rate of 1 (every request) in basis points."""

MAX_KEPT_ANSWERS = 100_000
"""Answers kept for idempotence; the oldest is forgotten past this."""

MAX_DELAY_MS = 600_000
_SERIAL_LOW = 10_000  # below: the members (1..), the sample enterprise (1001), type codes (9001..)
_SERIAL_SPAN = 90_000  # demo_uscc serials go to 99999
_MAX_SEED = 2**63 - 1


def rate_to_basis_points(rate: float) -> int:
    """A rate from 0 to 1 (a command-line option) in whole basis points."""
    if not 0 <= rate <= 1:
        raise ValidationError("a rate is from 0 to 1")
    return round(rate * BASIS_POINTS)


@dataclass(frozen=True)
class DepartmentConfig:
    """What makes one demo department behave as it does."""

    kind: str
    seed: int = 0
    reject_bp: int = 0
    return_bp: int = 0
    delay_ms: int = 0

    def validate(self) -> None:
        """Raise ``ValidationError`` naming the first setting out of range."""
        if self.kind not in KINDS:
            raise ValidationError(f"--kind {self.kind}: expected one of {'|'.join(KINDS)}")
        if not 0 <= self.seed <= _MAX_SEED:
            raise ValidationError(f"--seed: expected 0 to {_MAX_SEED}")
        for name, value in (("--reject-rate", self.reject_bp), ("--return-rate", self.return_bp)):
            if not 0 <= value <= BASIS_POINTS:
                raise ValidationError(f"{name}: expected a rate from 0 to 1")
        if not 0 <= self.delay_ms <= MAX_DELAY_MS:
            raise ValidationError(f"--delay-ms: expected 0 to {MAX_DELAY_MS}")

    @property
    def department(self) -> str:
        """The made-up department's name."""
        return DEPARTMENT_NAMES[self.kind]


def _today() -> dt.date:
    return dt.date.today()


class DepartmentSystem:
    """The decisions of one department, safe to call from many request threads."""

    def __init__(self, config: DepartmentConfig, today: Callable[[], dt.date] = _today) -> None:
        config.validate()
        self.config = config
        self._today = today
        self._lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, str, int], dict[str, object]] = OrderedDict()
        self._approved = 0
        self._first_serial = _seeded(config.seed, "serial", config.kind) % _SERIAL_SPAN

    def answer(self, request: CaseRequest) -> dict[str, object]:
        """The department's answer to ``request``: the first one again for a repeated request.

        ``{"case", "step", "attempt", "outcome": "approved", "output": {...}}``, or
        ``"outcome": "rejected"`` / ``"returned"`` with a ``"reason"``.
        """
        with self._lock:
            kept = self._answers.get(request.key)
            if kept is None:
                kept = self._decide(request)
                self._answers[request.key] = kept
                while len(self._answers) > MAX_KEPT_ANSWERS:
                    self._answers.popitem(last=False)
            return dict(kept)

    def health(self) -> dict[str, object]:
        """``{"status": "ok", "kind", "department", "answers", "approved"}``."""
        with self._lock:
            answers, approved = len(self._answers), self._approved
        return {
            "status": "ok",
            "kind": self.config.kind,
            "department": self.config.department,
            "answers": answers,
            "approved": approved,
        }

    def _decide(self, request: CaseRequest) -> dict[str, object]:
        head: dict[str, object] = {
            "case": request.case,
            "step": request.step,
            "attempt": request.attempt,
        }
        serial = _SERIAL_LOW + (self._first_serial + self._approved) % _SERIAL_SPAN
        try:
            fields = output_fields(self.config.kind, request.form, serial, self._today())
        except FormProblemError as problem:
            return {**head, "outcome": "returned", "reason": problem.reason}
        if self._falls_under(self.config.reject_bp, "reject", request):
            reason = f"{self.config.department}不予通过 (demo: seeded reject rate)"
            return {**head, "outcome": "rejected", "reason": reason}
        if request.attempt == 1 and self._falls_under(self.config.return_bp, "return", request):
            reason = f"{self.config.department}退回补正 (demo: seeded return rate; resubmit)"
            return {**head, "outcome": "returned", "reason": reason}
        self._approved += 1
        return {**head, "outcome": "approved", "output": fields}

    def _falls_under(self, rate_bp: int, what: str, request: CaseRequest) -> bool:
        draw = _seeded(self.config.seed, what, request.case, request.step) % BASIS_POINTS
        return draw < rate_bp


def _seeded(seed: int, *parts: str) -> int:
    """A number from ``seed`` and ``parts`` alone: SHA-256 of them, its first 8 bytes."""
    text = "\x1f".join((str(seed), *parts))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
