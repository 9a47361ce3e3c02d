"""The consensus WAL: round trips, torn tails, corruption, reset, a full disk and kill -9."""

from __future__ import annotations

import errno
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govchain.codec import encode
from govchain.consensus.wal import MAGIC, Wal, WalCorruptError, WalLockedError
from govchain.types.errors import StorageFullError

REPO = Path(__file__).resolve().parents[3]

RECORDS: list[object] = [
    {"type": "proposal", "height": 7, "round": 0, "block": b"\x01" * 32},
    {"type": "prevote", "height": 7, "round": 1, "block": None},
    {"type": "precommit", "height": 7, "round": 1, "block": b"\xff" * 32, "ok": True},
    [1, -1, 2**64 - 1, -(2**64), "text", b"", [], {}],
    "just a string",
    0,
    b"\x00" * 5000,
    {"nested": {"deeper": [{"x": [False, None, "ü"]}]}},
]

cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.binary(max_size=64)
    | st.text(max_size=32),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


def frame_ends(records: list[object]) -> list[int]:
    """The file offset just after each record's frame."""
    ends = []
    pos = len(MAGIC)
    for record in records:
        pos += 8 + len(encode(record))
        ends.append(pos)
    return ends


def write_wal(path: Path, records: list[object]) -> None:
    wal, replayed = Wal.open(path)
    with wal:
        assert replayed == []
        for record in records:
            wal.append(record)


def reopen(path: Path, **kwargs: int) -> list[object]:
    wal, records = Wal.open(path, **kwargs)
    wal.close()
    return records


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


# -- round trip ---------------------------------------------------------------


def test_round_trip_fixed_records(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "wal"
    write_wal(path, RECORDS)
    assert path.stat().st_size == frame_ends(RECORDS)[-1]
    assert reopen(path) == RECORDS
    wal, replayed = Wal.open(path)
    with wal:
        assert replayed == RECORDS
        assert wal.records_written == len(RECORDS)
        assert wal.size == path.stat().st_size
        wal.append("more")
    assert reopen(path) == [*RECORDS, "more"]


@settings(max_examples=40, deadline=None)
@given(st.lists(cbor_values, max_size=12))
def test_round_trip_any_records(records: list[object]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "wal"
        write_wal(path, records)
        assert reopen(path) == records


def test_fresh_wal_holds_only_the_header(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    assert reopen(path) == []
    assert path.read_bytes() == MAGIC


def test_tuples_come_back_as_lists(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, [(1, (2, 3))])
    assert reopen(path) == [[1, [2, 3]]]


def test_deep_record_the_encoder_accepts_replays(tmp_path: Path) -> None:
    deep: object = 1
    for _ in range(60):
        deep = [deep]
    path = tmp_path / "wal"
    write_wal(path, [deep])
    assert reopen(path) == [deep]


# -- torn tails ---------------------------------------------------------------


def test_torn_tail_at_every_offset_is_cut_off(tmp_path: Path) -> None:
    records: list[object] = [{"a": 1}, b"\x07" * 300, {"last": "record", "pad": b"\x01" * 40}]
    source = tmp_path / "full"
    write_wal(source, records)
    full = source.read_bytes()
    ends = frame_ends(records)
    assert len(full) == ends[-1]
    for cut in range(ends[-2], len(full)):
        path = tmp_path / f"cut{cut}"
        path.write_bytes(full[:cut])
        wal, replayed = Wal.open(path)
        with wal:
            assert replayed == records[:2], f"cut at {cut}"
            assert path.stat().st_size == ends[-2], f"cut at {cut} not repaired"
            wal.append("after")
        assert reopen(path) == [*records[:2], "after"], f"cut at {cut}"


def test_torn_header_is_rewritten(tmp_path: Path) -> None:
    for cut in range(len(MAGIC)):
        path = tmp_path / f"cut{cut}"
        path.write_bytes(MAGIC[:cut])
        wal, replayed = Wal.open(path)
        with wal:
            assert replayed == []
            wal.append(cut)
        assert path.read_bytes()[: len(MAGIC)] == MAGIC
        assert reopen(path) == [cut]


def test_zero_filled_tail_is_torn(tmp_path: Path) -> None:
    # A crash can extend a file before its data reaches the disk.
    path = tmp_path / "wal"
    write_wal(path, RECORDS[:2])
    with path.open("ab") as out:
        out.write(bytes(100))
    assert reopen(path) == RECORDS[:2]
    assert path.stat().st_size == frame_ends(RECORDS[:2])[-1]


def test_bad_last_frame_followed_by_zeros_is_torn(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS[:3])
    flip(path, frame_ends(RECORDS[:3])[-2] + 9)
    with path.open("ab") as out:
        out.write(bytes(50))
    assert reopen(path) == RECORDS[:2]


# -- corruption ---------------------------------------------------------------


@pytest.mark.parametrize(("where", "skip"), [("payload", 10), ("crc", 5)])
def test_flipped_byte_in_a_middle_frame_is_corrupt(tmp_path: Path, where: str, skip: int) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS)
    start = frame_ends(RECORDS)[2]
    flip(path, start + skip)
    with pytest.raises(WalCorruptError, match=f"CRC mismatch in frame at offset {start}"):
        Wal.open(path)
    assert path.stat().st_size == frame_ends(RECORDS)[-1], "a corrupt WAL must not be cut"


def test_flipped_byte_in_the_last_payload_is_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS)
    flip(path, frame_ends(RECORDS)[-2] + 8)
    assert reopen(path) == RECORDS[:-1]


def test_bad_magic_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS[:2])
    flip(path, 1)
    with pytest.raises(WalCorruptError, match=r"bad magic .* at offset 0"):
        Wal.open(path)
    path.write_bytes(b"nope")
    with pytest.raises(WalCorruptError, match="bad magic"):
        Wal.open(path)


@pytest.mark.parametrize("index", [1, 3])
def test_oversize_length_is_corrupt(tmp_path: Path, index: int) -> None:
    records = RECORDS[:4]
    path = tmp_path / "wal"
    write_wal(path, records)
    start = frame_ends(records)[index - 1]
    data = bytearray(path.read_bytes())
    data[start : start + 4] = struct.pack(">I", 1025)
    path.write_bytes(bytes(data))
    with pytest.raises(WalCorruptError, match=f"offset {start} claims 1025 bytes"):
        Wal.open(path, max_record=1024)


def test_zero_length_frame_with_data_after_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS[:2])
    with path.open("ab") as out:
        out.write(bytes(8) + b"\x01")
    with pytest.raises(WalCorruptError, match="zero-length frame at offset"):
        Wal.open(path)


def test_payload_that_is_not_cbor_is_corrupt_even_last(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS[:2])
    start = path.stat().st_size
    junk = b"\xff\xff"
    with path.open("ab") as out:
        out.write(struct.pack(">II", len(junk), zlib.crc32(junk)) + junk)
    with pytest.raises(WalCorruptError, match=f"record at offset {start} is not canonical CBOR"):
        Wal.open(path)


# -- reset --------------------------------------------------------------------


def test_reset_keeps_only_the_new_record(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        for record in RECORDS:
            wal.append(record)
        wal.reset({"height": 8})
        assert wal.records_written == 1
        assert wal.size == path.stat().st_size
        wal.append("after reset")
    assert reopen(path) == [{"height": 8}, "after reset"]
    assert not (tmp_path / "wal.tmp").exists()


def test_stray_tmp_from_a_crashed_reset_is_ignored_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    write_wal(path, RECORDS[:3])
    tmp = tmp_path / "wal.tmp"
    payload = encode({"height": 99})
    tmp.write_bytes(MAGIC + struct.pack(">II", len(payload), zlib.crc32(payload)) + payload)
    assert reopen(path) == RECORDS[:3]
    assert not tmp.exists()


def test_reset_failing_at_the_rename_leaves_the_old_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        wal.append("old")

        def no_replace(src: object, dst: object) -> None:
            raise OSError(errno.EIO, "simulated crash before rename")

        monkeypatch.setattr(os, "replace", no_replace)
        with pytest.raises(OSError, match="simulated crash"):
            wal.reset("new")
        monkeypatch.undo()
        assert not (tmp_path / "wal.tmp").exists()
        wal.append("still the old file")
    assert reopen(path) == ["old", "still the old file"]


def test_reset_over_max_record_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path, max_record=100)
    with wal:
        wal.append("old")
        with pytest.raises(ValueError, match="max_record is 100"):
            wal.reset(b"x" * 200)
    assert reopen(path) == ["old"]
    assert not (tmp_path / "wal.tmp").exists()


# -- a full disk and other write errors --------------------------------------


def failing_write(fd: int, fail_errno: int) -> Callable[[int, bytes], int]:
    """An os.write that writes part of the first frame to ``fd``, then fails."""
    real_write = os.write
    calls = {"n": 0}

    def write(target: int, data: bytes) -> int:
        if target != fd:
            return real_write(target, data)
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(target, bytes(data)[: max(1, len(data) // 2)])
        raise OSError(fail_errno, os.strerror(fail_errno))

    return write


@pytest.mark.parametrize("fail_errno", [errno.ENOSPC, errno.EDQUOT])
def test_disk_full_rolls_back_and_raises_storage_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_errno: int
) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        for record in RECORDS[:3]:
            wal.append(record)
        before = path.read_bytes()
        assert wal._fd is not None
        monkeypatch.setattr(os, "write", failing_write(wal._fd, fail_errno))
        with pytest.raises(StorageFullError, match="disk full"):
            wal.append(RECORDS[3])
        monkeypatch.undo()
        assert path.read_bytes() == before
        assert wal.size == len(before)
        assert wal.records_written == 3
        wal.append("after")
    assert reopen(path) == [*RECORDS[:3], "after"]


def test_disk_full_on_fsync_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        wal.append("kept")
        before = path.read_bytes()
        real_fsync = os.fsync
        calls = {"n": 0}

        def fsync(fd: int) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise OSError(errno.ENOSPC, "no space")
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
        with pytest.raises(StorageFullError):
            wal.append("lost")
        monkeypatch.undo()
        assert path.read_bytes() == before
    assert reopen(path) == ["kept"]


def test_other_write_errors_roll_back_and_reraise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        wal.append("kept")
        before = path.read_bytes()
        assert wal._fd is not None
        monkeypatch.setattr(os, "write", failing_write(wal._fd, errno.EIO))
        with pytest.raises(OSError, match="Input/output error") as info:
            wal.append("lost")
        assert not isinstance(info.value, StorageFullError)
        monkeypatch.undo()
        assert path.read_bytes() == before
    assert reopen(path) == ["kept"]


def test_failed_rollback_makes_the_wal_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        wal.append("kept")
        assert wal._fd is not None
        monkeypatch.setattr(os, "write", failing_write(wal._fd, errno.ENOSPC))

        def no_truncate(fd: int, length: int) -> None:
            raise OSError(errno.EIO, "truncate failed")

        monkeypatch.setattr(os, "ftruncate", no_truncate)
        with pytest.raises(StorageFullError):
            wal.append("x" * 100)
        monkeypatch.undo()
        with pytest.raises(OSError, match="unusable"):
            wal.append("must not land after a partial frame")
    # The partial frame is a torn tail on reopen.
    assert reopen(path) == ["kept"]


def test_reset_on_a_full_disk_keeps_the_old_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        wal.append("old")
        real_write = os.write

        def write(fd: int, data: bytes) -> int:
            if os.fstat(fd).st_ino != path.stat().st_ino:
                raise OSError(errno.ENOSPC, "no space")
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", write)
        with pytest.raises(StorageFullError, match="reset"):
            wal.reset("new")
        monkeypatch.undo()
        assert not (tmp_path / "wal.tmp").exists()
        wal.append("old 2")
    assert reopen(path) == ["old", "old 2"]


# -- limits and lifetime ------------------------------------------------------


def test_record_over_max_record_is_refused_and_nothing_written(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path, max_record=64)
    with wal:
        wal.append("small")
        before = path.read_bytes()
        exact = b"y" * 62
        assert len(encode(exact)) == 64
        for over in (exact + b"y", b"x" * 1000):
            with pytest.raises(ValueError, match=f"{len(encode(over))} bytes, max_record is 64"):
                wal.append(over)
            assert path.read_bytes() == before
            assert wal.size == len(before)
        wal.append(exact)
    assert reopen(path, max_record=64) == ["small", exact]


def test_unencodable_record_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal:
        before = path.read_bytes()
        with pytest.raises(Exception, match="float"):
            wal.append(1.5)
        assert path.read_bytes() == before


def test_second_open_is_refused_while_held(tmp_path: Path) -> None:
    path = tmp_path / "wal"
    wal, _ = Wal.open(path)
    with wal, pytest.raises(WalLockedError):
        Wal.open(path)
    assert reopen(path) == []


def test_closed_wal_refuses_appends(tmp_path: Path) -> None:
    wal, _ = Wal.open(tmp_path / "wal")
    with wal:
        pass
    assert wal.closed
    wal.close()
    with pytest.raises(ValueError, match="closed"):
        wal.append(1)


# -- kill -9 ------------------------------------------------------------------


def _collect(stream: object, lines: list[str]) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        lines.append(line.strip())


def test_kill_9_never_loses_an_acknowledged_record(tmp_path: Path) -> None:
    from tests.unit.consensus.wal_writer import record

    rng = random.Random(20240607)
    for attempt in range(5):
        path = tmp_path / f"wal{attempt}"
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.consensus.wal_writer", str(path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=_collect, args=(child.stdout, lines))
        reader.start()
        try:
            deadline = time.monotonic() + 10
            while len(lines) < 4 and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.005)
            assert len(lines) >= 4, f"child did not start: {lines}"
            time.sleep(rng.uniform(0.0, 0.3))
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
            reader.join()
            assert child.stdout is not None
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        assert lines[0] == "ready"
        printed = [int(line) for line in lines[1:]]
        assert printed == list(range(len(printed)))
        replayed = reopen(path)
        assert len(printed) <= len(replayed) <= len(printed) + 1, (attempt, len(printed))
        assert replayed == [record(i) for i in range(len(replayed))]
