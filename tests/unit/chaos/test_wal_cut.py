"""Chaos cuts a WAL's tail as a torn last write would: the records before the last survive."""

from __future__ import annotations

from pathlib import Path

from govchain.chaos.processes import cut_wal_tail
from govchain.consensus.wal import MAGIC, Wal
from govchain.node.netinit import NodeLayout
from govchain.node.runtime import WAL_FILE


def _node(home: Path) -> NodeLayout:
    return NodeLayout("node0", "validator", home, "127.0.0.1:1", "http://127.0.0.1:2")


def _write(home: Path, records: list[object]) -> int:
    wal, _ = Wal.open(home / WAL_FILE)
    with wal:
        for record in records:
            wal.append(record)
    return (home / WAL_FILE).stat().st_size


def test_cut_never_reaches_the_records_before_the_last(tmp_path: Path) -> None:
    records: list[object] = [["vote", 1, i, b"x" * 40] for i in range(5)]
    size = _write(tmp_path, records)
    for asked in (1, 10, 64, 10_000):
        home = tmp_path / f"h{asked}"
        home.mkdir()
        _write(home, records)
        cut = cut_wal_tail(_node(home), asked)
        assert 1 <= cut <= asked
        assert (home / WAL_FILE).stat().st_size == size - cut
        wal, replayed = Wal.open(home / WAL_FILE)
        wal.close()
        assert replayed == records[:-1]  # the torn last record is dropped, the rest kept


def test_nothing_to_cut_without_a_record(tmp_path: Path) -> None:
    assert cut_wal_tail(_node(tmp_path), 10) == 0  # no WAL at all
    (tmp_path / WAL_FILE).write_bytes(MAGIC)
    assert cut_wal_tail(_node(tmp_path), 10) == 0
    assert (tmp_path / WAL_FILE).read_bytes() == MAGIC
