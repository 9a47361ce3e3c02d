"""The live rate of ``bench sync``: blocks seen while load was offered."""

from __future__ import annotations

import pytest

from govchain.bench.loadclients import SeenBlock
from govchain.bench.sync import LiveWindow, live_window


def test_the_live_window_runs_from_the_first_to_the_last_block_seen_while_sending() -> None:
    blocks = [
        SeenBlock(3, -0.4, 50, 0),
        SeenBlock(4, 0.0, 5, 0),
        SeenBlock(5, 0.5, 6, 0),
        SeenBlock(6, 1.0, 7, 0),
        SeenBlock(7, 1.6, 8, 0),
    ]
    window = live_window(blocks, sending_until_s=1.2)
    assert window == LiveWindow(blocks=2, txs=13, seconds=1.0)
    assert window.to_json() == {
        "blocks": 2,
        "txs": 13,
        "seconds": 1.0,
        "blocks_per_s": 2.0,
        "txs_per_s": 13.0,
    }


def test_fewer_than_two_blocks_give_no_rate() -> None:
    window = live_window([SeenBlock(1, 0.2, 4, 0)], sending_until_s=5.0)
    assert window == LiveWindow(0, 0, 0.0)
    assert window.to_json()["txs_per_s"] == 0.0


def test_windows_of_several_chunks_add_up() -> None:
    total = LiveWindow(2, 10, 1.0) + LiveWindow(3, 30, 3.0)
    assert total == LiveWindow(5, 40, 4.0)
    assert total.to_json()["txs_per_s"] == pytest.approx(10.0)
