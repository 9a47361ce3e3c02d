"""The report's time range: UTC days or instants, as block BFT times in ms (docs/spec/audit.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from govchain.types.errors import ValidationError

__all__ = ["DAY_MS", "HOUR_MS", "MAX_RANGE_DAYS", "ReportRange", "parse_range", "utc_text"]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MAX_RANGE_DAYS = 3_660
"""The longest range a report covers (about ten years)."""

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class ReportRange:
    """Block times ``start_ms <= time < end_ms`` (ms since the Unix epoch, UTC)."""

    start_ms: int
    end_ms: int

    def validate(self) -> None:
        """ValidationError when the range is empty, reversed or too long."""
        if not 0 <= self.start_ms < self.end_ms:
            raise ValidationError("--to must be after --from")
        if self.end_ms - self.start_ms > MAX_RANGE_DAYS * DAY_MS:
            raise ValidationError(f"a report covers at most {MAX_RANGE_DAYS} days")

    def holds(self, time_ms: int) -> bool:
        """Whether a time falls in the range."""
        return self.start_ms <= time_ms < self.end_ms


def utc_text(ms: int) -> str:
    """``ms`` since the Unix epoch as ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, UTC)."""
    moment = _EPOCH + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_point(what: str, text: str) -> tuple[int, bool]:
    """A DATE as ms, and whether it named a whole day."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            return (moment - _EPOCH) // dt.timedelta(milliseconds=1), True
        if not text.endswith("Z"):
            raise ValueError("no Z")
        moment = dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC)
    except ValueError:
        raise ValidationError(
            f"{what}: expected a UTC day YYYY-MM-DD or an instant YYYY-MM-DDTHH:MM:SSZ, "
            f"got {text[:40]!r}"
        ) from None
    if moment < _EPOCH:
        raise ValidationError(f"{what}: before 1970")
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1), False


def parse_range(from_text: str, to_text: str) -> ReportRange:
    """The range of ``--from`` and ``--to``: a day counts whole (``--to`` a day includes it),
    an instant is exact (``--to`` an instant excludes it)."""
    start, _ = _parse_point("--from", from_text)
    end, whole_day = _parse_point("--to", to_text)
    found = ReportRange(start, end + DAY_MS if whole_day else end)
    found.validate()
    return found
