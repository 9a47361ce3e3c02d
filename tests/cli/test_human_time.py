"""Times shown to people: ISO 8601 in UTC, zone written out (issue 13 item 6; F-C5, F-E4)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from govchain.cli.console import human_time_ms

MAX_MS = 2**64 - 1  # a header's time is a uint64 of milliseconds


@pytest.mark.parametrize(
    ("ms", "shown"),
    [
        (0, "1970-01-01T00:00:00.000+00:00"),
        (5, "1970-01-01T00:00:00.005+00:00"),
        (1_796_544_116_123, "2026-12-06T08:01:56.123+00:00"),
        (951_782_400_000, "2000-02-29T00:00:00.000+00:00"),  # a leap day
        (253_402_300_799_999, "9999-12-31T23:59:59.999+00:00"),  # the last one a date shows
    ],
)
def test_a_time_reads_as_iso_8601_in_utc_with_milliseconds(ms: int, shown: str) -> None:
    assert human_time_ms(ms) == shown


@pytest.mark.parametrize("ms", [253_402_300_800_000, MAX_MS, -1])
def test_a_time_no_date_can_show_is_written_as_the_number(ms: int) -> None:
    assert human_time_ms(ms) == f"{ms} ms since the epoch"


def test_the_shown_time_parses_back_to_the_same_millisecond() -> None:
    rng = random.Random(13)
    for _ in range(500):
        ms = rng.randrange(0, 253_402_300_800_000)
        parsed = dt.datetime.fromisoformat(human_time_ms(ms))
        assert parsed.utcoffset() == dt.timedelta(0)
        since_epoch = parsed - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        assert since_epoch // dt.timedelta(milliseconds=1) == ms
